import { ParquetryError, wrapError } from '@parquetry/schema'
import { lstat, mkdir, readdir, readFile, realpath, stat, unlink } from 'node:fs/promises'
import { dirname, join, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { normalizeObjectPath, normalizePrefix } from '../paths.js'
import { createReadStream } from 'node:fs'
import type { ObjectInfo, ReadableObject, Sink, SinkOptions, Storage } from '../types.js'
import { localEtag, openFileObject } from './file-object.js'
import { LocalSink } from './local-sink.js'
import { makeDirectory } from './make-directory.js'
import { DEFAULT_STALE_AFTER_MS, isTempFileName, removeStaleTempFiles } from './temp-files.js'

/** Options for {@link createLocalStorage}. */
export interface LocalStorageOptions {
  /** Root directory; created on first write. Relative paths resolve against the working directory. */
  root: string
  /** Age after which a temp file whose pid still looks alive is stale anyway. Default 6 hours. */
  staleAfterMs?: number
}

/** {@link Storage} over a local directory. */
export class LocalStorage implements Storage {
  readonly root: string
  readonly url: string
  readonly #staleAfterMs: number

  constructor(options: LocalStorageOptions) {
    this.root = resolve(options.root)
    this.url = pathToFileURL(this.root).href
    this.#staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS
  }

  /** Absolute filesystem path of a storage path (for DuckDB and other local readers). */
  resolvePath(path: string): string {
    const normalized = normalizeObjectPath(path)
    return join(this.root, ...normalized.split('/'))
  }

  /**
   * Creates the folders of `normalized` one by one, refusing a symbolic link
   * (or anything else) that would take a write out of the root, and a link at
   * the final path itself. Returns the absolute final path.
   *
   * @throws ParquetryError `PATH_INVALID` naming the link and where it points.
   */
  async #prepareWrite(normalized: string): Promise<string> {
    const segments = normalized.split('/')
    let current = this.root
    await makeDirectory(this.root)
    const realRoot = await realpath(this.root)
    for (let index = 0; index < segments.length; index++) {
      const last = index === segments.length - 1
      current = join(current, segments[index] as string)
      const info = await lstat(current).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined
        throw error
      })
      if (info === undefined) {
        if (last) break
        await mkdir(current).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'EEXIST') throw error
        })
        continue
      }
      if (info.isSymbolicLink()) {
        const target = await realpath(current).catch(() => '(a missing target)')
        const inside = target === realRoot || target.startsWith(`${realRoot}${sep}`)
        if (last || !inside) {
          throw new ParquetryError(
            'PATH_INVALID',
            `${current} is a symbolic link to ${target}; Parquetry does not write through ${last ? 'a link at a file it writes' : 'a link that leads out of its root'} (${this.root}); replace the link with a folder`,
            { details: { path: normalized, link: current, target } },
          )
        }
        continue
      }
      if (!last && !info.isDirectory()) throw new ParquetryError('PATH_INVALID', `${current} is not a folder; cannot write ${normalized} under it`, { details: { path: normalized } })
      if (last && info.isDirectory()) throw new ParquetryError('PATH_INVALID', `${current} is a folder where the file ${normalized} goes; move it away to write the file`, { details: { path: normalized } })
    }
    return this.resolvePath(normalized)
  }

  async createSink(path: string, options: SinkOptions = {}): Promise<Sink> {
    const normalized = normalizeObjectPath(path)
    const finalPath = this.resolvePath(normalized)
    const directory = dirname(finalPath)
    try {
      await this.#prepareWrite(normalized)
      // A writer killed mid-write left its temp file here: the next write cleans it.
      await removeStaleTempFiles(directory, { target: finalPath.slice(directory.length + 1), staleAfterMs: this.#staleAfterMs })
      return await LocalSink.create(normalized, finalPath, options.expect)
    } catch (error) {
      throw wrapError(error, 'STORAGE_FAILED', `opening ${finalPath} for writing`)
    }
  }

  async open(path: string): Promise<ReadableObject> {
    const finalPath = this.resolvePath(path)
    try {
      return await openFileObject(finalPath)
    } catch (error) {
      throw wrapError(error, 'STORAGE_FAILED', `opening ${finalPath}`, { path })
    }
  }

  async readBytes(path: string): Promise<Uint8Array> {
    const finalPath = this.resolvePath(path)
    try {
      return new Uint8Array(await readFile(finalPath))
    } catch (error) {
      throw wrapError(error, 'STORAGE_FAILED', `reading ${finalPath}`, { path })
    }
  }

  async *stream(path: string, options: { signal?: AbortSignal } = {}): AsyncIterable<Uint8Array> {
    const finalPath = this.resolvePath(path)
    try {
      for await (const chunk of createReadStream(finalPath, { highWaterMark: 1 << 20, ...(options.signal ? { signal: options.signal } : {}) })) yield chunk as Buffer
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw new ParquetryError('ABORTED', `reading ${finalPath}: aborted`)
      throw wrapError(error, 'STORAGE_FAILED', `reading ${finalPath}`, { path })
    }
  }

  async stat(path: string): Promise<ObjectInfo | undefined> {
    const normalized = normalizeObjectPath(path)
    try {
      const info = await stat(this.resolvePath(normalized))
      if (!info.isFile()) return undefined
      return { path: normalized, size: info.size, modifiedAt: info.mtime, etag: localEtag(info) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined
      throw wrapError(error, 'STORAGE_FAILED', `stat of ${path}`)
    }
  }

  async *list(prefix?: string): AsyncIterable<ObjectInfo> {
    const start = normalizePrefix(prefix)
    yield* this.#walk(start)
  }

  async *#walk(relative: string): AsyncIterable<ObjectInfo> {
    const absolute = relative === '' ? this.root : this.resolvePath(relative)
    let entries
    try {
      entries = await readdir(absolute, { withFileTypes: true })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ENOTDIR') return
      throw wrapError(error, 'STORAGE_FAILED', `listing ${absolute}`)
    }
    entries.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0))
    for (const entry of entries) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`
      if (entry.isDirectory()) {
        yield* this.#walk(child)
      } else if (entry.isFile() && !isTempFileName(entry.name)) {
        const info = await stat(join(absolute, entry.name)).catch(() => undefined)
        if (info) yield { path: child, size: info.size, modifiedAt: info.mtime, etag: localEtag(info) }
      }
    }
  }

  async remove(path: string): Promise<void> {
    const normalized = normalizeObjectPath(path)
    try {
      // Never through a link out of the root.
      const realRoot = await realpath(this.root)
      const parent = await realpath(dirname(this.resolvePath(normalized)))
      if (parent !== realRoot && !parent.startsWith(`${realRoot}${sep}`)) {
        throw new ParquetryError('PATH_INVALID', `${normalized}: its folder leads out of the root ${this.root} (to ${parent}) through a symbolic link; not removed`, { details: { path: normalized } })
      }
      await unlink(this.resolvePath(normalized))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw wrapError(error, 'STORAGE_FAILED', `removing ${path}`)
    }
  }

  async close(): Promise<void> {}

  async cleanup(prefix?: string): Promise<string[]> {
    const start = normalizePrefix(prefix)
    const removed: string[] = []
    const visit = async (absolute: string): Promise<void> => {
      const entries = await readdir(absolute, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return []
        throw error
      })
      for (const path of await removeStaleTempFiles(absolute, { staleAfterMs: this.#staleAfterMs })) removed.push(path)
      for (const entry of entries) if (entry.isDirectory()) await visit(join(absolute, entry.name))
    }
    try {
      await visit(start === '' ? this.root : this.resolvePath(start))
    } catch (error) {
      throw wrapError(error, 'STORAGE_FAILED', `cleaning temp files under ${this.root}`)
    }
    return removed.map((path) => path.slice(this.root.length + 1).split(sep).join('/'))
  }
}

/**
 * Storage over a local directory. Writes go to a hidden temp file in the
 * final file's directory, are fsynced, verified and renamed into place, so a
 * file appears only complete; temp files of writers that died are removed by
 * the next write to that directory, or by {@link LocalStorage.cleanup}.
 *
 * @throws ParquetryError `PATH_INVALID` (from its methods) for a path that would leave the root.
 */
export function createLocalStorage(options: LocalStorageOptions): LocalStorage {
  if (typeof options?.root !== 'string' || options.root === '') {
    throw new ParquetryError('CONFIG_INVALID', 'createLocalStorage: root is required')
  }
  return new LocalStorage(options)
}
