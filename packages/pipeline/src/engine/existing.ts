import type { Layout } from '@parquetry/partitioner'
import type { ObjectInfo, Storage } from '@parquetry/storage'
import { isParquetryError } from '@parquetry/schema'
import { describeProblem, footerInfoFromMetadata, inspectParquetFile, readParquetMetadata, type FooterInfo } from '@parquetry/writer'

/** A file already in the storage, with what its footer says. */
export interface ExistingFile {
  path: string
  date: string
  size: number
  etag: string | undefined
  /** Undefined when the file could not be read as Parquet (then `error` says why). */
  footer: FooterInfo | undefined
  error?: string
  /** Set when its column chunks were checked against the checksums its footer records and some did not match: it is rebuilt. */
  damaged?: string
  /** The names of its columns, as its Parquet schema has them. */
  columns?: string[]
}

/** How much of an existing file is read before trusting it: its footer, or also every column chunk against its checksum. */
export type ExistingCheck = 'footer' | 'checksums'

/**
 * A dataset's files in the storage: paths its layout renders (other files are
 * not its own), optionally only those of some dates. Lists as little as the
 * layout allows: one listing per distinct folder of the requested dates.
 */
export async function* listDatasetFiles(storage: Storage, layout: Layout, dates?: Iterable<string>): AsyncGenerator<ObjectInfo & { date: string }> {
  const wanted = dates === undefined ? undefined : new Set(dates)
  for (const folder of layout.folders(wanted)) {
    for await (const object of storage.list(folder)) {
      const match = layout.match(object.path)
      if (!match || (wanted !== undefined && !wanted.has(match.date))) continue
      yield { ...object, date: match.date }
    }
  }
}

/** Runs `work` over `items` with at most `limit` at a time, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      results[index] = await work(items[index] as T)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

/**
 * Reads one file's footer (the last few KB: one ranged read on S3). A file
 * that is not Parquet is returned without a footer (it will be rewritten);
 * a storage error (a network failure, a file replaced while read) is thrown,
 * never taken for an unreadable file.
 */
export async function readExistingFile(storage: Storage, object: ObjectInfo & { date: string }, check: ExistingCheck = 'footer'): Promise<ExistingFile> {
  const base = { path: object.path, date: object.date, size: object.size, etag: object.etag }
  const handle = await storage.open(object.path)
  try {
    const metadata = await readParquetMetadata(handle)
    const footer = footerInfoFromMetadata(metadata)
    const columns = metadata.schema.slice(1).map((element) => element.name)
    if (check === 'checksums') {
      const { problems } = await inspectParquetFile(handle, { mode: 'checksums', metadata })
      if (problems.length > 0) return { ...base, footer, columns, damaged: problems.slice(0, 3).map(describeProblem).join('; ') }
    }
    return { ...base, footer, columns }
  } catch (error) {
    if (!isParquetryError(error, 'VERIFY_FAILED')) throw error
    return { ...base, footer: undefined, error: error.message }
  } finally {
    await handle.close()
  }
}

/** The dataset's files of the given dates (or all), with their footers, grouped by date. */
export async function readExistingFiles(storage: Storage, layout: Layout, dates?: Iterable<string>, check: ExistingCheck = 'footer'): Promise<Map<string, ExistingFile[]>> {
  const objects = []
  for await (const object of listDatasetFiles(storage, layout, dates)) objects.push(object)
  const files = await mapLimit(objects, 8, (object) => readExistingFile(storage, object, check))
  const byDate = new Map<string, ExistingFile[]>()
  for (const file of files) {
    const list = byDate.get(file.date)
    if (list) list.push(file)
    else byDate.set(file.date, [file])
  }
  return byDate
}
