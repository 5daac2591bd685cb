import { canonicalShape, ParquetryError, type DatasetSchema } from '@parquetry/schema'
import { parquetMetadataAsync, type FileMetaData } from 'hyparquet'
import packageJson from '../package.json' with { type: 'json' }

/** The writer's version, recorded in every file. */
export const writerVersion: string = packageJson.version

// Baked in by tsup (tsup.config.ts): a hash of the sources the build was made from.
declare const __PARQUETRY_BUILD__: string | undefined

/** The build the writer was made from (`unknown` when run from source, as in tests). */
export const writerBuild: string = typeof __PARQUETRY_BUILD__ === 'string' ? __PARQUETRY_BUILD__ : 'unknown'

/**
 * The footer's `created_by`, in the form the Parquet spec gives
 * (`<application> version <semver> (build <hash>)`), which readers such as
 * parquet-java and arrow parse to recognise a writer's known bugs.
 */
export const writerCreatedBy = `parquetry version ${writerVersion} (build ${writerBuild})`

/** One input a file was made from: its identity (a path or URI) and checksum. */
export interface SourceInfo {
  /** Where the rows came from: a file path, `postgres://…/table?date=…`, ... */
  identity: string
  /** Content checksum, `sha256:<hex>` by convention. */
  checksum?: string
  /** Size of the source in bytes, when known. */
  bytes?: number
  /** Rows of this source in this file. */
  rows?: number
  /** Rows the source gave in all (its share of `bytes` in this file is `rows / sourceRows`). */
  sourceRows?: number
  /**
   * Every date the source's rows fell on when it was read (its fan-out across
   * files), so that a later run knows, without parsing it again, which files
   * an unchanged source feeds.
   */
  dates?: readonly string[]
  /** The source's rows on each of those dates, this file's and the others' (so that rows left outside an export are known without parsing). */
  dateRows?: Readonly<Record<string, number>>
}

/** Footer key-value metadata keys Parquetry writes. */
export const footerKeys = {
  version: 'parquetry.version',
  schemaName: 'parquetry.schema.name',
  schemaVersion: 'parquetry.schema.version',
  schemaFingerprint: 'parquetry.schema.fingerprint',
  schemaColumns: 'parquetry.schema.columns',
  rowCount: 'parquetry.row_count',
  sources: 'parquetry.sources',
  files: 'parquetry.files',
  partitioning: 'parquetry.partitioning',
  /** CRC-32 of every column chunk, `{"crc32": [[column 0, column 1, …] per row group]}`. */
  checksums: 'parquetry.checksums',
} as const

/**
 * What decided which file each row went to: the layout template, the column
 * whose date is the row's partition date, and the time zone that date is
 * taken in. A file made under other settings holds rows by other rules.
 */
export interface PartitioningInfo {
  template: string
  dateColumn: string
  timezone: string
}

/** What Parquetry recorded in a file's footer, parsed. */
export interface FooterInfo {
  /** Rows according to the Parquet footer itself. */
  numRows: number
  rowGroups: number
  createdBy: string | undefined
  /** Every key-value pair, Parquetry's and others'. */
  keyValues: Record<string, string>
  /** Present when the file was written by Parquetry. */
  parquetry?: {
    version: string
    schemaName: string
    schemaVersion: number
    fingerprint: string
    rowCount: number
    sources: SourceInfo[]
    /** The paths of every file made with this one (the files of one date split by column values), when recorded. */
    files?: string[]
    /** How its rows were assigned to it, when recorded. */
    partitioning?: PartitioningInfo
  }
}

/** Builds the footer's key-value pairs. Caller keys may not use the `parquetry.` prefix. */
export function buildKeyValues(options: {
  schema: DatasetSchema
  rowCount: number
  sources: readonly SourceInfo[]
  files?: readonly string[] | undefined
  partitioning?: PartitioningInfo | undefined
  metadata: Readonly<Record<string, string>>
}): { key: string; value: string }[] {
  const pairs: { key: string; value: string }[] = [
    { key: footerKeys.version, value: writerVersion },
    { key: footerKeys.schemaName, value: options.schema.name },
    { key: footerKeys.schemaVersion, value: String(options.schema.version) },
    { key: footerKeys.schemaFingerprint, value: options.schema.fingerprint },
    { key: footerKeys.schemaColumns, value: canonicalShape(options.schema.columns) },
    { key: footerKeys.rowCount, value: String(options.rowCount) },
  ]
  if (options.sources.length > 0) pairs.push({ key: footerKeys.sources, value: JSON.stringify(options.sources) })
  if (options.files && options.files.length > 0) pairs.push({ key: footerKeys.files, value: JSON.stringify(options.files) })
  if (options.partitioning) {
    const { template, dateColumn, timezone } = options.partitioning
    pairs.push({ key: footerKeys.partitioning, value: JSON.stringify({ template, dateColumn, timezone }) })
  }
  for (const [key, value] of Object.entries(options.metadata)) {
    if (key.startsWith('parquetry.')) throw new ParquetryError('CONFIG_INVALID', `metadata key ${key}: the parquetry. prefix is reserved`)
    pairs.push({ key, value })
  }
  return pairs
}

/** Parses footer metadata already read by hyparquet. */
export function footerInfoFromMetadata(metadata: FileMetaData): FooterInfo {
  const keyValues: Record<string, string> = {}
  for (const { key, value } of metadata.key_value_metadata ?? []) keyValues[key] = value ?? ''
  const info: FooterInfo = {
    numRows: Number(metadata.num_rows),
    rowGroups: metadata.row_groups.length,
    createdBy: metadata.created_by,
    keyValues,
  }
  const name = keyValues[footerKeys.schemaName]
  if (name !== undefined) {
    let sources: SourceInfo[] = []
    const sourcesText = keyValues[footerKeys.sources]
    if (sourcesText) {
      try {
        sources = JSON.parse(sourcesText) as SourceInfo[]
      } catch {
        sources = []
      }
    }
    let files: string[] | undefined
    try {
      const parsed = JSON.parse(keyValues[footerKeys.files] ?? 'null') as unknown
      if (Array.isArray(parsed) && parsed.every((entry) => typeof entry === 'string')) files = parsed
    } catch {
      files = undefined
    }
    let partitioning: PartitioningInfo | undefined
    try {
      const parsed = JSON.parse(keyValues[footerKeys.partitioning] ?? 'null') as Partial<PartitioningInfo> | null
      if (parsed && typeof parsed.template === 'string' && typeof parsed.dateColumn === 'string' && typeof parsed.timezone === 'string') {
        partitioning = { template: parsed.template, dateColumn: parsed.dateColumn, timezone: parsed.timezone }
      }
    } catch {
      partitioning = undefined
    }
    info.parquetry = {
      version: keyValues[footerKeys.version] ?? '',
      schemaName: name,
      schemaVersion: Number(keyValues[footerKeys.schemaVersion]),
      fingerprint: keyValues[footerKeys.schemaFingerprint] ?? '',
      rowCount: Number(keyValues[footerKeys.rowCount]),
      sources,
      ...(files ? { files } : {}),
      ...(partitioning ? { partitioning } : {}),
    }
  }
  return info
}

/** Anything hyparquet can read: `byteLength` and `slice` (a storage ReadableObject fits). */
export interface ByteSource {
  byteLength: number
  slice(start: number, end?: number): ArrayBuffer | Promise<ArrayBuffer>
}

/**
 * Reads a Parquet file's metadata as hyparquet parses it (the last few KB
 * only): schema, row groups, statistics, key-value pairs.
 *
 * @throws ParquetryError `VERIFY_FAILED` when the bytes are not a Parquet file
 *   (prefixed with `where:` when given); the byte source's own errors
 *   (`STORAGE_FAILED`, `CONFLICT`) unchanged.
 */
export async function readParquetMetadata(file: ByteSource, where?: string): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(file)
  } catch (error) {
    // The byte source's own errors (storage, a file replaced while read) pass through unchanged.
    if (error instanceof ParquetryError) throw error
    throw new ParquetryError('VERIFY_FAILED', `${where ? `${where}: ` : ''}not a readable Parquet file: ${(error as Error).message}`, { cause: error })
  }
}

/**
 * Reads and parses a Parquet file's footer (the last few KB only).
 *
 * @throws ParquetryError as {@link readParquetMetadata}.
 */
export async function readFooter(file: ByteSource): Promise<FooterInfo> {
  return footerInfoFromMetadata(await readParquetMetadata(file))
}

/**
 * Checks a footer against what the writer meant to write: Parquetry keys
 * present, schema name and fingerprint, and the row count both in the Parquet
 * footer and in Parquetry's key.
 *
 * @throws ParquetryError `VERIFY_FAILED` naming the first mismatch.
 */
export function checkFooter(info: FooterInfo, expected: { schema: DatasetSchema; rowCount?: number }, where: string): void {
  const fail = (message: string): never => {
    throw new ParquetryError('VERIFY_FAILED', `${where}: ${message}`, { details: { where } })
  }
  const recorded = info.parquetry ?? fail('no Parquetry metadata in the footer')
  if (recorded.schemaName !== expected.schema.name) fail(`schema is ${recorded.schemaName}, expected ${expected.schema.name}`)
  if (recorded.fingerprint !== expected.schema.fingerprint) {
    fail(`schema fingerprint ${recorded.fingerprint} does not match ${expected.schema.fingerprint}`)
  }
  if (recorded.rowCount !== info.numRows) fail(`footer says ${info.numRows} rows but parquetry.row_count says ${recorded.rowCount}`)
  if (expected.rowCount !== undefined && info.numRows !== expected.rowCount) fail(`file holds ${info.numRows} rows, expected ${expected.rowCount}`)
}
