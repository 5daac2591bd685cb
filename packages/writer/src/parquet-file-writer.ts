import { bloomFilterColumnTypes, ParquetryError, toParquetSchema, wrapError, type DatasetSchema, type Row } from '@parquetry/schema'
import type { ObjectInfo, Sink } from '@parquetry/storage'
import { ParquetWriter, type ColumnSource } from 'hyparquet-writer'
import type { SchemaElement } from 'hyparquet'
import { ChunkChecksums } from './checksums.js'
import { compressorsFor, parquetCodecs, type Compressors, type ParquetCodec } from './codecs.js'
import { ColumnBuffer, invalidRowError } from './column-buffer.js'
import { buildKeyValues, checkFooter, readFooter, writerCreatedBy, type PartitioningInfo, type SourceInfo } from './footer.js'
import { SinkByteWriter } from './sink-writer.js'
import { ThreadedEncoder } from './encoder-thread.js'
import { verifyParquetFile } from './verify.js'
import type { RowFor, RowsFor, RowsInput } from './rows-input.js'

/** Default rows per row group: memory stays near one row group of every column. */
export const DEFAULT_ROW_GROUP_SIZE = 100_000

/**
 * Whether the page index is written by default (see
 * {@link ParquetWriterOptions.pageIndex}): it costs nothing on a chunk of one
 * page and under 0.5% of the file with small pages (`bench/selective-query.mjs`).
 */
export const DEFAULT_PAGE_INDEX = true

/**
 * Default target size of a data page (1 MiB), in bytes before encoding and
 * compression as hyparquet-writer reckons them: 4 a dictionary index, the
 * width of a number, a plain string's length. Chosen with
 * `bench/selective-query.mjs`: smaller pages made DuckDB read up to a third
 * fewer bytes of a selective query but spend more CPU on it and on scans.
 */
export const DEFAULT_PAGE_SIZE = 1_048_576

/**
 * Options for {@link ParquetFileWriter.create} and {@link writeParquet}. `R`
 * is the schema's row type (`InferRow<typeof schema>`), inferred from `schema`.
 */
export interface ParquetWriterOptions<R extends Row = Row> {
  /** The file's schema: a `DatasetSchema` from `@parquetry/schema`. Rows must be of its row type. */
  schema: DatasetSchema<R>
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
   * The Parquet page index on every column: a column index (each page's
   * min/max and null count) and an offset index (each page's place and first
   * row) for each column chunk of more than one page, so a reader can skip
   * pages inside a row group. `false` writes neither. Default true
   * ({@link DEFAULT_PAGE_INDEX}).
   */
  pageIndex?: boolean
  /**
   * Bloom filters (one per column chunk, 1% false positives, at most 1 MiB):
   * `true` (the default) on the columns the schema marks `bloomFilter`,
   * `false` on none, a list of column names on those instead.
   */
  bloomFilters?: boolean | readonly string[]
  /** Target size of a data page in bytes. Default 1 MiB ({@link DEFAULT_PAGE_SIZE}). */
  pageSize?: number
  /**
   * Check the file before committing it: `'footer'` (or `true`, the default)
   * reads the footer back (schema, fingerprint, row count); `'checksums'`
   * also reads every byte back, each column chunk against the checksum taken
   * as it was written (what an export uses: the bytes stored are the bytes
   * encoded, at a few MB of memory); `'full'` also decodes and counts every
   * page of every column ({@link verifyParquetFile}); `false` skips the check.
   */
  verify?: boolean | 'footer' | 'checksums' | 'full'
  /**
   * Encode and compress row groups on a worker thread (one per process,
   * shared by every open file), so that the next row group is filled while
   * this one is encoded: the same bytes. Default false: measured so far on a
   * busy 2-core machine, it cost more CPU (row groups copied to the thread,
   * a second heap) and twice the memory for no gain in wall time (see
   * bench/README.md); kept as an option to measure on a quiet machine.
   */
  encoderThread?: boolean
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
 * `R` is the schema's row type: a row of another shape fails to compile,
 * except one typed `Row`, which is checked at run time only.
 */
export class ParquetFileWriter<R extends Row = Row> {
  readonly schema: DatasetSchema<R>
  readonly path: string
  readonly #sink: Sink
  readonly #options: Required<Pick<ParquetWriterOptions, 'codec' | 'rowGroupSize' | 'verify'>> & ParquetWriterOptions
  /** Per column: page index and bloom filter settings for hyparquet-writer. */
  readonly #columnOptions: Pick<ColumnSource, 'columnIndex' | 'offsetIndex' | 'bloomFilter'>[]
  readonly #buffers: ColumnBuffer[]
  /** Pushes a row's values into the buffers; the column index and problem of a value that does not fit. */
  readonly #appendRow: (row: Readonly<Row>) => [number, string] | undefined
  readonly #writer: ParquetWriter | ThreadedEncoder
  readonly #footerSchema: SchemaElement[]
  readonly #checksums: ChunkChecksums
  #rows = 0
  #rowGroups = 0
  #state: 'open' | 'closed' | 'failed' = 'open'
  #pending: Promise<void> | undefined
  #aborting: Promise<void> | undefined
  readonly #onAbort: (() => void) | undefined

  private constructor(options: ParquetWriterOptions<R>, codec: ParquetCodec, rowGroupSize: number, compressors: Compressors, checksums: ChunkChecksums, encoder: ThreadedEncoder | undefined) {
    this.#checksums = checksums
    this.schema = options.schema
    this.path = options.sink.path
    this.#sink = options.sink
    this.#options = { ...options, codec, rowGroupSize, verify: options.verify ?? true }
    this.#buffers = options.schema.columns.map((column) => new ColumnBuffer(column, rowGroupSize))
    this.#appendRow = compileAppender(this.#buffers)
    const pageIndex = options.pageIndex ?? DEFAULT_PAGE_INDEX
    const blooms = bloomFilterColumns(options.schema, options.bloomFilters ?? true)
    this.#columnOptions = options.schema.columns.map((column) => ({ columnIndex: pageIndex, offsetIndex: pageIndex, bloomFilter: blooms.has(column.name) }))
    this.#footerSchema = toParquetSchema(options.schema) as SchemaElement[]
    // Columns are handed over in their physical form already, and encoded as
    // such; the annotations go back into the footer schema before it is
    // written. JSON arrives as UTF-8 bytes (the JSON converted type would
    // JSON.stringify it again; the logical type alone leaves bytes alone);
    // dates as day numbers and timestamps as bigint units in typed arrays
    // (the DATE and TIMESTAMP annotations, converted or logical, would copy
    // every row group into arrays of boxed values first). Statistics are the
    // same either way: min and max of the physical values.
    if (encoder) {
      this.#writer = encoder
    } else {
      const encodingSchema = encodingSchemaOf(this.#footerSchema)
      // Every row group is encoded and flushed in one go: its column chunks are summed on the way to the sink.
      const byteWriter = new SinkByteWriter(options.sink, (bytes, fileOffset) => this.#checksums.add(bytes, fileOffset, (this.#writer as ParquetWriter).row_groups))
      this.#writer = new ParquetWriter({
        writer: byteWriter,
        schema: encodingSchema,
        codec,
        compressors,
        statistics: options.statistics ?? true,
        createdBy: writerCreatedBy,
      })
    }
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
   * @throws ParquetryError `CONFIG_INVALID` for a bad codec, row group size or page size, or a
   *   `bloomFilters` column the schema lacks or that cannot have one.
   */
  static async create<R extends Row = Row>(options: ParquetWriterOptions<R>): Promise<ParquetFileWriter<R>> {
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
      if (options.pageSize !== undefined && (!Number.isInteger(options.pageSize) || options.pageSize < 1)) {
        throw new ParquetryError('CONFIG_INVALID', `pageSize must be a positive integer, got ${options.pageSize}`)
      }
      bloomFilterColumns(options.schema, options.bloomFilters ?? true)
      const checksums = new ChunkChecksums()
      let encoder: ThreadedEncoder | undefined
      if (options.encoderThread ?? false) {
        try {
          encoder = await ThreadedEncoder.open({
            sink: options.sink,
            schema: encodingSchemaOf(toParquetSchema(options.schema) as SchemaElement[]),
            codec,
            statistics: options.statistics ?? true,
            createdBy: writerCreatedBy,
            checksums,
          })
        } catch (error) {
          throw wrapError(error, 'CONFIG_INVALID', `codec ${codec}: the encoder thread could not start`)
        }
      }
      const compressors = encoder ? {} : await compressorsFor(codec)
      if (options.signal?.aborted) {
        encoder?.drop()
        throw abortedError(options.sink.path)
      }
      return new ParquetFileWriter(options, codec, rowGroupSize, compressors, checksums, encoder)
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
  append<T extends Readonly<Row>>(row: T & RowFor<T, R>): Promise<void> | undefined {
    return this.#append(row)
  }

  #append(row: Readonly<Row>): Promise<void> | undefined {
    if (this.#state !== 'open') {
      if (this.#options.signal?.aborted) throw abortedError(this.path)
      throw new ParquetryError('WRITE_FAILED', `${this.path}: append after the writer was ${this.#state}`)
    }
    const problem = this.#appendRow(row)
    if (problem !== undefined) {
      // A typed row of the wrong shape is a caller bug: the file is given up.
      const error = invalidRowError(this.schema.name, this.#rows + 1, (this.#buffers[problem[0]] as ColumnBuffer).column.name, problem[1])
      void this.abort()
      throw error
    }
    this.#rows++
    if ((this.#buffers[0] as ColumnBuffer).length >= this.#options.rowGroupSize) return this.#flushRowGroup()
    return undefined
  }

  /** Appends one typed row, awaiting a row group flush when one is due. */
  async write<T extends Readonly<Row>>(row: T & RowFor<T, R>): Promise<void> {
    await this.#append(row)
  }

  /**
   * Appends every row of an iterable or async iterable of rows, of batches
   * of rows (arrays: what `validateRecords` yields), or of both.
   */
  async writeRows<I extends RowsInput<Row>>(rows: I & RowsFor<I, R>): Promise<void> {
    const input: RowsInput<Row> = rows
    // A row is a plain object, never an array: an array is a batch of rows. A
    // single row costs no call of its own (the loop is the writer's hot path).
    if (Symbol.asyncIterator in input) {
      for await (const item of input) {
        if (Array.isArray(item)) {
          await this.#appendBatch(item)
        } else {
          const pending = this.#append(item as Readonly<Row>)
          if (pending) await pending
        }
      }
    } else {
      for (const item of input) {
        if (Array.isArray(item)) {
          await this.#appendBatch(item)
        } else {
          const pending = this.#append(item as Readonly<Row>)
          if (pending) await pending
        }
      }
    }
  }

  async #appendBatch(batch: readonly Readonly<Row>[]): Promise<void> {
    for (let index = 0; index < batch.length; index++) {
      const pending = this.#append(batch[index] as Readonly<Row>)
      if (pending) await pending
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
      const columnData = this.#buffers.map((buffer, index) => {
        const encoding = buffer.encoding()
        const options = this.#columnOptions[index]
        return encoding ? { name: buffer.column.name, data: buffer.data(), encoding, ...options } : { name: buffer.column.name, data: buffer.data(), ...options }
      })
      // Encoding is synchronous; the returned promise is the sink taking the bytes.
      const flushed = this.#writer.write({ columnData, rowGroupSize: count, pageSize: this.#options.pageSize ?? DEFAULT_PAGE_SIZE })
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
      // Every row group's checksums go into the footer: the ones still being encoded are waited for.
      if (this.#writer instanceof ThreadedEncoder) await this.#writer.settle()
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
    if (this.#aborting === undefined && this.#writer instanceof ThreadedEncoder) this.#writer.drop()
    this.#aborting ??= this.#sink.abort()
    return this.#aborting
  }

  #detachSignal(): void {
    if (this.#onAbort) this.#options.signal?.removeEventListener('abort', this.#onAbort)
  }
}

/**
 * The columns that get a bloom filter: the schema's marked ones (`true`),
 * none (`false`), or the ones named.
 *
 * @throws ParquetryError `CONFIG_INVALID` for a name the schema lacks, or a column of a type without bloom filters.
 */
function bloomFilterColumns(schema: DatasetSchema, choice: boolean | readonly string[]): Set<string> {
  if (choice === true) return new Set(schema.columns.filter((column) => column.bloomFilter).map((column) => column.name))
  if (choice === false) return new Set()
  for (const name of choice) {
    const column = schema.columns.find((candidate) => candidate.name === name)
    if (!column) throw new ParquetryError('CONFIG_INVALID', `bloomFilters: schema ${schema.name} has no column ${JSON.stringify(name)}`)
    if (!bloomFilterColumnTypes.includes(column.type)) {
      throw new ParquetryError('CONFIG_INVALID', `bloomFilters: column ${name} is ${column.type}; bloom filters apply to ${bloomFilterColumnTypes.join(', ')} columns`)
    }
  }
  return new Set(choice)
}

/** The schema hyparquet-writer encodes with: the footer schema without the annotations whose conversions the buffers made already. */
function encodingSchemaOf(footerSchema: readonly SchemaElement[]): SchemaElement[] {
  return footerSchema.map((element) => {
    if (element.converted_type === 'JSON') return { ...element, converted_type: undefined, logical_type: { type: 'JSON' as const } }
    if (element.converted_type === 'DATE' || element.converted_type === 'TIMESTAMP_MICROS' || element.converted_type === 'TIMESTAMP_MILLIS') {
      return { ...element, converted_type: undefined, logical_type: undefined }
    }
    return element
  })
}

/**
 * The row appender of `buffers`, compiled: each column's value read by its
 * name as a literal and handed to that column's own pusher, at a call site
 * of its own (monomorphic). Names are JSON string literals.
 */
function compileAppender(buffers: readonly ColumnBuffer[]): (row: Readonly<Row>) => [number, string] | undefined {
  const pushers = buffers.map((buffer) => buffer.pusher())
  const lines = buffers.map((buffer, index) => `if ((problem = p${index}(row[${JSON.stringify(buffer.column.name)}])) !== undefined) return [${index}, problem]`)
  const body = `${buffers.map((_, index) => `const p${index} = pushers[${index}]`).join('\n')}
return function appendRow(row) {
  let problem
  ${lines.join('\n  ')}
  return undefined
}`
  return new Function('pushers', body)(pushers) as (row: Readonly<Row>) => [number, string] | undefined
}

function abortedError(path: string): ParquetryError {
  return new ParquetryError('ABORTED', `${path}: aborted; nothing was written`)
}

/** Options for {@link writeParquet}: the writer's options plus the rows. */
export interface WriteParquetOptions<R extends Row = Row, I extends RowsInput<Row> = RowsInput<R>> extends ParquetWriterOptions<R> {
  /**
   * The rows: rows or batches of rows, in an iterable or an async iterable —
   * an array of rows, a generator, or `validateRecords(…)` of
   * `@parquetry/sources` as it is. Of the schema's row type (the schema
   * decides it, not the rows), or typed `Row` (checked at run time only).
   */
  rows: I & RowsFor<I, NoInfer<R>>
}

/**
 * Writes typed rows to a Parquet file in one call: streams them row group by
 * row group into `sink`, verifies the footer and commits atomically. Any error
 * (a bad row, the source throwing, an abort) leaves nothing at the final path.
 *
 * @throws ParquetryError `ROW_INVALID` for a row that does not fit the schema
 *   (naming row, column and value), `WRITE_FAILED`, `VERIFY_FAILED`,
 *   `STORAGE_FAILED`, `ABORTED`; whatever the rows' iterable throws.
 */
export async function writeParquet<R extends Row = Row, I extends RowsInput<Row> = RowsInput<R>>(options: WriteParquetOptions<R, I>): Promise<WriteResult> {
  const writer = await ParquetFileWriter.create(options)
  try {
    await writer.writeRows(options.rows)
  } catch (error) {
    await writer.abort()
    throw error
  }
  return writer.close()
}
