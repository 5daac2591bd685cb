import { wrapError } from '@parquetry/schema'
import { makeDirectory, type ObjectInfo, type Storage } from '@parquetry/storage'
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'

const MANIFEST = '.parquetry-cache.json'

/** The default cache folder: `$XDG_CACHE_HOME/parquetry`, else `~/.cache/parquetry`. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'parquetry')
}

/** The cache folder of one storage: its URL hashed, so two buckets never share files. */
export function cacheRootFor(cacheDir: string, storage: Storage): string {
  const slug = storage.url.replace(/^[a-z0-9]+:\/\//, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60)
  return join(cacheDir, `${slug}-${createHash('sha256').update(storage.url).digest('hex').slice(0, 12)}`)
}

/** What the cache has: storage path → the ETag and size of the copy. */
type Manifest = Record<string, { etag: string; size: number }>

/**
 * Local copies of remote objects for DuckDB to read, kept under `root` at
 * their storage paths (so hive keys still parse) and keyed by ETag: an
 * object is downloaded again only when its ETag changed. Returns the local
 * paths, in the order given.
 *
 * @throws ParquetryError `STORAGE_FAILED` when a download fails (nothing half-written is kept).
 */
export async function cacheObjects(storage: Storage, objects: readonly ObjectInfo[], root: string, signal?: AbortSignal): Promise<string[]> {
  await makeDirectory(root)
  const manifestPath = join(root, MANIFEST)
  const manifest: Manifest = await readFile(manifestPath, 'utf8')
    .then((text) => JSON.parse(text) as Manifest)
    .catch(() => ({}))
  let changed = false
  const paths: string[] = []
  for (const object of objects) {
    const local = join(root, ...object.path.split('/'))
    const known = manifest[object.path]
    const present = await stat(local).catch(() => undefined)
    if (!(known && object.etag && known.etag === object.etag && present?.size === object.size)) {
      await makeDirectory(dirname(local))
      const temp = `${local}.${process.pid}.download`
      try {
        await pipeline(Readable.from(storage.stream(object.path, signal ? { signal } : {})), createWriteStream(temp))
        await rename(temp, local)
      } catch (error) {
        await rm(temp, { force: true })
        throw wrapError(error, 'STORAGE_FAILED', `downloading ${storage.url}/${object.path} into the query cache`)
      }
      manifest[object.path] = { etag: object.etag ?? '', size: object.size }
      changed = true
    }
    paths.push(local)
  }
  if (changed) {
    const temp = `${manifestPath}.${process.pid}.tmp`
    await writeFile(temp, JSON.stringify(manifest))
    await rename(temp, manifestPath)
  }
  return paths
}
