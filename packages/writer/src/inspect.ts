import { ParquetryError } from '@parquetry/schema'
import { parquetMetadataAsync, parquetRead, type FileMetaData, type RowGroup } from 'hyparquet'
import { crc32 } from 'node:zlib'
import { checksumsKey, chunkRange, parseChecksums } from './checksums.js'
import { parquetReadOptions } from './codecs.js'
import { footerInfoFromMetadata, type ByteSource, type FooterInfo } from './footer.js'

/** Options for {@link inspectParquetFile}. */
export interface InspectOptions {
  /**
   * `'checksums'` (the default, cheap enough for every export rerun): the
   * footer's structure, and every column chunk's bytes against the CRC-32
   * the footer records, reading each row group in slices of `readSize`.
   * `'deep'`: that, and every page of every column of every row group
   * decoded (one row group × one column at a time) and its rows counted.
   */
  mode?: 'checksums' | 'deep'
  /** Report a footer without checksums as a problem. Default false (files written before they were recorded pass). */
  requireChecksums?: boolean
  /** The footer, when the caller has already read it. */
  metadata?: FileMetaData
  /** Largest read when summing chunks, in bytes. Default 8 MiB. */
  readSize?: number
  signal?: AbortSignal
}

/** One thing wrong with a file; `rowGroup` (0-based) and `column` are absent for the file as a whole. */
export interface InspectProblem {
  rowGroup?: number
  column?: string
  reason: string
}

/** What {@link inspectParquetFile} found. */
export interface InspectResult {
  /** Empty when the file is sound. */
  problems: InspectProblem[]
  /** The parsed footer, when it could be read. */
  footer?: FooterInfo
  /** `'absent'` for files whose footer records none. */
  checksums: 'checked' | 'absent' | 'invalid'
  /** Column chunks whose checksum was compared. */
  chunksChecked: number
  /** Column chunks decoded (`'deep'` only). */
  chunksDecoded: number
}

// Values are only counted: keep them as the raw numbers and bytes they decode to.
const countingParsers = {
  timestampFromMilliseconds: (value: bigint) => value,
  timestampFromMicroseconds: (value: bigint) => value,
  timestampFromNanoseconds: (value: bigint) => value,
  dateFromDays: (value: number) => value,
  stringFromBytes: (value: Uint8Array) => value,
  jsonFromBytes: (value: Uint8Array) => value,
}

const DEFAULT_READ_SIZE = 8 << 20

/**
 * Checks a Parquet file for damage without trusting anything but its footer:
 * row counts that add up, column chunks that lie inside the file, each
 * chunk's bytes against the CRC-32 Parquetry records in the footer
 * (`parquetry.checksums`), and in `'deep'` mode every page decoded with
 * hyparquet and hyparquet-compressors. Memory stays at one read slice, or one
 * column chunk when decoding, whatever the file size.
 *
 * Damage is reported, never thrown: `problems` names the row group and column
 * of each (a footer that does not parse is one problem for the whole file).
 *
 * @throws ParquetryError the byte source's own errors (`STORAGE_FAILED`, `CONFLICT`), and `ABORTED`.
 */
export async function inspectParquetFile(file: ByteSource, options: InspectOptions = {}): Promise<InspectResult> {
  const result: InspectResult = { problems: [], checksums: 'absent', chunksChecked: 0, chunksDecoded: 0 }
  const problems = result.problems
  let metadata = options.metadata
  try {
    metadata ??= await parquetMetadataAsync(file)
  } catch (error) {
    if (error instanceof ParquetryError) throw error
    problems.push({ reason: `not a readable Parquet file: ${(error as Error).message}` })
    return result
  }
  const footer = footerInfoFromMetadata(metadata)
  result.footer = footer
  checkStructure(metadata, footer, file.byteLength, problems)
  // A Parquet file starts with the magic too (readers that check both refuse it otherwise).
  const head = new Uint8Array(await file.slice(0, 4))
  if (head.length < 4 || head[0] !== 0x50 || head[1] !== 0x41 || head[2] !== 0x52 || head[3] !== 0x31) problems.push({ reason: 'the file does not start with PAR1' })
  if (problems.length > 0) return result

  const recorded = parseChecksums(footer.keyValues[checksumsKey])
  if (typeof recorded === 'string') {
    result.checksums = 'invalid'
    problems.push({ reason: recorded })
  } else if (recorded === undefined) {
    if (options.requireChecksums) problems.push({ reason: `no ${checksumsKey} in the footer` })
  } else if (recorded.length !== metadata.row_groups.length || metadata.row_groups.some((group, index) => recorded[index]?.length !== group.columns.length)) {
    result.checksums = 'invalid'
    problems.push({ reason: `${checksumsKey} lists ${recorded.map((group) => group.length).join('+') || 0} chunks, the footer ${metadata.row_groups.map((group) => group.columns.length).join('+') || 0}` })
  } else {
    result.checksums = 'checked'
    const readSize = options.readSize ?? DEFAULT_READ_SIZE
    for (const [group, rowGroup] of metadata.row_groups.entries()) {
      checkAborted(options.signal)
      const sums = await sumChunks(file, rowGroup, readSize)
      rowGroup.columns.forEach((chunk, column) => {
        const expected = (recorded[group] as number[])[column] as number
        const actual = sums[column] as number
        result.chunksChecked++
        if (actual !== expected) {
          problems.push({ rowGroup: group, column: columnName(chunk), reason: `checksum mismatch: the bytes' crc32 is ${hex(actual)}, the footer records ${hex(expected)}` })
        }
      })
    }
  }

  if (options.mode === 'deep') await decodeAll(file, metadata, result, options.signal)
  return result
}

// Footer-only checks: the row counts add up and every chunk lies between the magic bytes and the footer.
function checkStructure(metadata: FileMetaData, footer: FooterInfo, byteLength: number, problems: InspectProblem[]): void {
  const groupRows = metadata.row_groups.reduce((sum, group) => sum + group.num_rows, 0n)
  if (groupRows !== metadata.num_rows) problems.push({ reason: `the footer says ${metadata.num_rows} rows, its row groups hold ${groupRows}` })
  if (footer.parquetry && footer.parquetry.rowCount !== footer.numRows) {
    problems.push({ reason: `the footer says ${footer.numRows} rows but parquetry.row_count says ${footer.parquetry.rowCount}` })
  }
  const dataEnd = byteLength - metadata.metadata_length - 8
  const leaves = metadata.schema.filter((element) => element.num_children === undefined).length
  for (const [group, rowGroup] of metadata.row_groups.entries()) {
    if (rowGroup.columns.length !== leaves) problems.push({ rowGroup: group, reason: `${rowGroup.columns.length} column chunks for ${leaves} columns` })
    for (const chunk of rowGroup.columns) {
      const { start, length } = chunkRange(chunk)
      if (!chunk.meta_data || start < 4 || start + length > dataEnd) {
        problems.push({ rowGroup: group, column: columnName(chunk), reason: `column chunk ${start}..${start + length} lies outside the data (4..${dataEnd})` })
      }
    }
  }
}

// CRC-32 of each chunk of a row group, reading the file in slices of at most readSize bytes.
async function sumChunks(file: ByteSource, rowGroup: RowGroup, readSize: number): Promise<number[]> {
  const ranges = rowGroup.columns.map(chunkRange)
  const end = Math.max(...ranges.map((range) => range.start + range.length))
  let window = new Uint8Array(0)
  let windowStart = 0
  const sums: number[] = []
  for (const range of ranges) {
    let position = range.start
    const stop = range.start + range.length
    let sum = 0
    while (position < stop) {
      if (position < windowStart || position >= windowStart + window.length) {
        windowStart = position
        window = new Uint8Array(await file.slice(position, Math.min(end, position + readSize)))
        if (window.length === 0) break // past the end of a truncated file: the sum will not match
      }
      const take = Math.min(stop, windowStart + window.length) - position
      sum = crc32(window.subarray(position - windowStart, position - windowStart + take), sum)
      position += take
    }
    sums.push(sum)
  }
  return sums
}

// Decodes every column of every row group, one chunk at a time, counting rows.
async function decodeAll(file: ByteSource, metadata: FileMetaData, result: InspectResult, signal: AbortSignal | undefined): Promise<void> {
  let groupStart = 0
  for (const [group, rowGroup] of metadata.row_groups.entries()) {
    const groupRows = Number(rowGroup.num_rows)
    for (const chunk of rowGroup.columns) {
      checkAborted(signal)
      const name = columnName(chunk)
      let decoded = 0
      try {
        await parquetRead({
          file,
          metadata,
          ...parquetReadOptions,
          columns: [chunk.meta_data?.path_in_schema[0] ?? name],
          rowStart: groupStart,
          rowEnd: groupStart + groupRows,
          parsers: countingParsers as never,
          onChunk: (part) => {
            decoded += part.columnData.length
          },
        })
      } catch (error) {
        if (error instanceof ParquetryError) throw error
        result.problems.push({ rowGroup: group, column: name, reason: `decoding failed: ${(error as Error).message}` })
        continue
      }
      result.chunksDecoded++
      if (decoded !== groupRows) result.problems.push({ rowGroup: group, column: name, reason: `${decoded} rows decode, the row group holds ${groupRows}` })
    }
    groupStart += groupRows
  }
}

function columnName(chunk: RowGroup['columns'][number]): string {
  return chunk.meta_data?.path_in_schema.join('.') ?? '?'
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ParquetryError('ABORTED', 'inspecting the file was aborted')
}
