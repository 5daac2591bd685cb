import { ParquetryError, toParquetSchema, wrapError, type DatasetSchema, type Row } from '@parquetry/schema'
import type { ObjectInfo, Sink } from '@parquetry/storage'
import { ParquetWriter } from 'hyparquet-writer'
import type { SchemaElement } from 'hyparquet'
import { ChunkChecksums } from './checksums.js'
import { compressorsFor, parquetCodecs, type Compressors, type ParquetCodec } from './codecs.js'
import { ColumnBuffer, invalidRowError } from './column-buffer.js'
import { buildKeyValues, checkFooter, readFooter, writerCreatedBy, type PartitioningInfo, type SourceInfo } from './footer.js'
import { SinkByteWriter } from './sink-writer.js'
import { verifyParquetFile } from './verify.js'

/** Default rows per row group: memory stays near one row group of every column. */
export const DEFAULT_ROW_GROUP_SIZE = 100_000

/** Options for {@link ParquetFileWriter.create} and {@link writeParquet}. */
export interface ParquetWriterOptions {
  schema: DatasetSchema
  /** Where the bytes go; committed atomically on close. */
  sink: Sink
  /** Compression codec. Default `'SNAPPY'`. */
  codec?: ParquetCodec
  /** Rows per row group. Default 100,000. */
  rowGroupSize?: number
  /** The inputs the rows came from, recorded in the footer (`parquetry.sources`). */
  sources?: readonly SourceInfo[]
  /** Extra footer key-value pairs (keys must not start with `parquetry.`). */
  metadata?: Readonly<Record<string, string>>
  /** Min/max statistics per column chunk. Default true. */
  statistics?: boolean
  /**
   * Check the file before committing it: `'footer'` (or `true`, the default)
   * reads the footer back (schema, fingerprint, row count); `'checksums'`
   * also reads every byte back, each column chunk against the checksum taken
   * as it was written (what an export uses: the bytes stored are the bytes
   * encoded, at a few MB of memory); `'full'` also decodes and counts every
   * page of every column ({@link verifyParquetFile}); `false` skips the check.
   */
  verify?: boolean | 'footer' | 'checksums' | 'full'
  /** Aborting it discards the file. */
  signal?: AbortSignal
}

/** What a finished write produced. */
export interface WriteResult {
  /** Final path in storage. */
  path: string
  rows: number
  rowGroups: number
  /** Size of the committed file. */
  bytes: number
  codec: ParquetCodec
  fingerprint: string
  object: ObjectInfo
}

/**
 * A Parquet file being written: rows are appended into column buffers and
 * encoded one row group at a time by hyparquet-writer into the sink, awaiting
 * the sink after each row group. {@link close} writes the footer, verifies it
 * and commits; {@link abort} (or any error) leaves nothing at the final path.
 */
export class ParquetFileWriter {
  readonly schema: DatasetSchema
  readonly path: string
  readonly #sink: Sink
  readonly #options: Required<Pick<ParquetWriterOptions, 'codec' | 'rowGroupSize' | 'verify'>> & ParquetWriterOptions
  readonly #buffers: ColumnBuffer[]
  readonly #writer: ParquetWriter
  readonly #footerSchema: SchemaElement[]
  readonly #checksums = new ChunkChecksums()
  #rows = 0
  #rowGroups = 0
  #state: 'open' | 'closed' | 'failed' = 'open'
  #pending: Promise<void> | undefined
  #aborting: Promise<void> | undefined
  readonly #onAbort: (() => void) | undefined

  private constructor(options: ParquetWriterOptions, codec: ParquetCodec, rowGroupSize: number, compressors: Compressors) {
    this.schema = options.schema
    this.path = options.sink.path
    this.#sink = options.sink
    this.#options = { ...options, codec, rowGroupSize, verify: options.verify ?? true }
    this.#buffers = options.schema.columns.map((column) => new ColumnBuffer(column, rowGroupSize))
    this.#footerSchema = toParquetSchema(options.schema) as SchemaElement[]
    // Columns are handed over in their physical form already, and encoded as
    // such; the annotations go back into the footer schema before it is
    // written. JSON arrives as UTF-8 bytes (the JSON converted type would
    // JSON.stringify it again; the logical type alone leaves bytes alone);
    // dates as day numbers and timestamps as bigint units in typed arrays
    // (the DATE and TIMESTAMP annotations, converted or logical, would copy
    // every row group into arrays of boxed values first). Statistics are the
    // same either way: min and max of the physical values.
    const encodingSchema = this.#footerSchema.map((element) => {
      if (element.converted_type === 'JSON') return { ...element, converted_type: undefined, logical_type: { type: 'JSON' as const } }
      if (element.converted_type === 'DATE' || element.converted_type === 'TIMESTAMP_MICROS' || element.converted_type === 'TIMESTAMP_MILLIS') {
        return { ...element, converted_type: undefined, logical_type: undefined }
      }
      return element
    })
    // Every row group is encoded and flushed in one go: its column chunks are summed on the way to the sink.
    const byteWriter = new SinkByteWriter(options.sink, (bytes, fileOffset) => this.#checksums.add(bytes, fileOffset, this.#writer.row_groups))
    this.#writer = new ParquetWriter({
      writer: byteWriter,
      schema: encodingSchema,
      codec,
      compressors,
      statistics: options.statistics ?? true,
      createdBy: writerCreatedBy,
    })
    if (options.signal) {
      this.#onAbort = () => {
        void this.abort()
      }
      options.signal.addEventListener('abort', this.#onAbort, { once: true })
    }
  }

  /**
   * Starts a file. The sink should be fresh: its bytes become the file.
   *
   * @throws ParquetryError `CONFIG_INVALID` for a bad codec or row group size.
   */
  static async create(options: ParquetWriterOptions): Promise<ParquetFileWriter> {
    try {
      if (options.signal?.aborted) throw abortedError(options.sink.path)
      const codec = options.codec ?? 'SNAPPY'
      if (!parquetCodecs.includes(codec)) {
        throw new ParquetryError('CONFIG_INVALID', `unknown codec ${JSON.stringify(codec)}; expected one of ${parquetCodecs.join(', ')}`)
      }
      const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE
      if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) {
        throw new ParquetryError('CONFIG_INVALID', `rowGroupSize must be a positive integer, got ${rowGroupSize}`)
      }
      const compressors = await compressorsFor(codec)
      if (options.signal?.aborted) throw abortedError(options.sink.path)
      return new ParquetFileWriter(options, codec, rowGroupSize, compressors)
    } catch (error) {
      await options.sink.abort()
      throw error
    }
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.#rows
  }

  /**
   * Appends one typed row. Returns a promise only when the row completed a
   * row group that is now being flushed; await it (or use {@link write}).
   *
   * @throws ParquetryError `ROW_INVALID` naming the row number, column and value; the file is aborted.
   */
  append(row: Readonly<Row>): Promise<void> | undefined {
    if (this.#state !== 'open') {
      if (this.#options.signal?.aborted) throw abortedError(this.path)
      throw new ParquetryError('WRITE_FAILED', `${this.path}: append after the writer was ${this.#state}`)
    }
    const buffers = this.#buffers
    for (let index = 0; index < buffers.length; index++) {
      const buffer = buffers[index] as ColumnBuffer
      const problem = buffer.push(row[buffer.column.name])
      if (problem !== undefined) {
        // A typed row of the wrong shape is a caller bug: the file is given up.
        const error = invalidRowError(this.schema.name, this.#rows + 1, buffer.column.name, problem)
        void this.abort()
        throw error
      }
    }
    this.#rows++
    if ((buffers[0] as ColumnBuffer).length >= this.#options.rowGroupSize) return this.#flushRowGroup()
    return undefined
  }

  /** Appends one typed row, awaiting a row group flush when one is due. */
  async write(row: Readonly<Row>): Promise<void> {
    await this.append(row)
  }

  /** Appends every row of an iterable or async iterable. */
  async writeRows(rows: Iterable<Readonly<Row>> | AsyncIterable<Readonly<Row>>): Promise<void> {
    if (Symbol.asyncIterator in rows) {
      for await (const row of rows) {
        const pending = this.append(row)
        if (pending) await pending
      }
    } else {
      for (const row of rows) {
        const pending = this.append(row)
        if (pending) await pending
      }
    }
  }

  async #flushRowGroup(): Promise<void> {
    const count = (this.#buffers[0] as ColumnBuffer).length
    if (count === 0) return
    if (this.#options.signal?.aborted) {
      await this.abort()
      throw abortedError(this.path)
    }
    try {
      const columnData = this.#buffers.map((buffer) => {
        const encoding = buffer.encoding()
        return encoding ? { name: buffer.column.name, data: buffer.data(), encoding } : { name: buffer.column.name, data: buffer.data() }
      })
      // Encoding is synchronous; the returned promise is the sink taking the bytes.
      const flushed = this.#writer.write({ columnData, rowGroupSize: count })
      for (const buffer of this.#buffers) buffer.reset()
      this.#rowGroups++
      this.#pending = Promise.resolve(flushed)
      await this.#pending
    } catch (error) {
      await this.abort()
      throw wrapError(error, 'WRITE_FAILED', `${this.path}: writing row group ${this.#rowGroups + 1}`)
    }
  }

  /**
   * Flushes the last row group, writes the footer, verifies it (when `verify`)
   * and commits the file to its final path.
   *
   * `sources` and `metadata` given here replace the ones given at creation
   * (the inputs of a file may be known only once all rows are in); `files`
   * records the paths of every file made with this one
   * (`parquetry.files`), so that a missing one is noticed.
   *
   * @throws ParquetryError `WRITE_FAILED`, `VERIFY_FAILED` or `STORAGE_FAILED`; nothing is left at the final path.
   */
  async close(options: { sources?: readonly SourceInfo[]; files?: readonly string[]; partitioning?: PartitioningInfo; metadata?: Readonly<Record<string, string>> } = {}): Promise<WriteResult> {
    if (this.#state !== 'open') {
      await this.#aborting
      if (this.#options.signal?.aborted) throw abortedError(this.path)
      throw new ParquetryError('WRITE_FAILED', `${this.path}: close after the writer was ${this.#state}`)
    }
    await this.#pending
    await this.#flushRowGroup()
    if (this.#options.signal?.aborted) {
      await this.abort()
      throw abortedError(this.path)
    }
    this.#state = 'closed'
    this.#detachSignal()
    const rowCount = this.#rows
    try {
      this.#writer.kvMetadata = [
        ...buildKeyValues({
          schema: this.schema,
          rowCount,
          sources: options.sources ?? this.#options.sources ?? [],
          files: options.files,
          partitioning: options.partitioning,
          metadata: options.metadata ?? this.#options.metadata ?? {},
        }),
        this.#checksums.keyValue(),
      ]
      this.#writer.schema = this.#footerSchema
      await this.#writer.finish()
      const verify = this.#options.verify
      const object = await this.#sink.commit(
        verify === 'full' || verify === 'checksums'
          ? { verify: (file) => verifyParquetFile(file, { schema: this.schema, rowCount, where: this.path, mode: verify === 'full' ? 'deep' : 'checksums' }) }
          : verify
            ? { verify: async (file) => checkFooter(await readFooter(file), { schema: this.schema, rowCount }, this.path) }
            : {},
      )
      return {
        path: object.path,
        rows: rowCount,
        rowGroups: this.#rowGroups,
        bytes: object.size,
        codec: this.#options.codec,
        fingerprint: this.schema.fingerprint,
        object,
      }
    } catch (error) {
      this.#state = 'failed'
      await this.#sink.abort()
      throw wrapError(error, 'WRITE_FAILED', `${this.path}: finishing the file`)
    }
  }

  /** Discards the file: nothing appears at the final path. Safe to call more than once. */
  abort(): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve()
    this.#state = 'failed'
    this.#detachSignal()
    this.#aborting ??= this.#sink.abort()
    return this.#aborting
  }

  #detachSignal(): void {
    if (this.#onAbort) this.#options.signal?.removeEventListener('abort', this.#onAbort)
  }
}

function abortedError(path: string): ParquetryError {
  return new ParquetryError('ABORTED', `${path}: aborted; nothing was written`)
}

/** Options for {@link writeParquet}: the writer's options plus the rows. */
export interface WriteParquetOptions extends ParquetWriterOptions {
  rows: Iterable<Readonly<Row>> | AsyncIterable<Readonly<Row>>
}

/**
 * Writes typed rows to a Parquet file in one call: streams them row group by
 * row group into `sink`, verifies the footer and commits atomically. Any error
 * (a bad row, the source throwing, an abort) leaves nothing at the final path.
 */
export async function writeParquet(options: WriteParquetOptions): Promise<WriteResult> {
  const writer = await ParquetFileWriter.create(options)
  try {
    await writer.writeRows(options.rows)
  } catch (error) {
    await writer.abort()
    throw error
  }
  return writer.close()
}
