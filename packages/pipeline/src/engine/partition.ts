import type { DatasetSchema, Row } from '@parquetry/schema'
import type { Storage, WriteCondition } from '@parquetry/storage'
import { ParquetFileWriter, type ParquetCodec } from '@parquetry/writer'

/** Writer settings shared by every file of a run. */
export interface WriterSettings {
  storage: Storage
  schema: DatasetSchema
  codec: ParquetCodec
  rowGroupSize: number
  pageIndex: boolean
  /** Bloom filters on the columns the schema marks, or none. */
  bloomFilters: boolean
  /** False in a dry run: rows are counted, nothing is written. */
  write: boolean
}

/** The rows bound for one output file, and where they came from. */
export class Partition {
  readonly date: string
  readonly path: string
  /** What the path must still be when the file is published. */
  readonly expect: WriteCondition
  /** Rows from each input. */
  readonly rowsBySource = new Map<string, number>()
  /** Rows in all. */
  rows = 0
  #writer: ParquetFileWriter | undefined
  #opening: Promise<ParquetFileWriter> | undefined
  #pending: Promise<void> | undefined

  constructor(date: string, path: string, expect: WriteCondition) {
    this.date = date
    this.path = path
    this.expect = expect
  }

  /**
   * Why the file cannot be written (its folder is a link out of the root, the
   * disk is full, ...): the rows of its date are then counted but not kept,
   * and its date fails with this error — the inputs are not to blame.
   */
  failure: Error | undefined

  /** Adds a row from `source`; returns a promise when the file must be opened or a row group is being flushed. */
  add(row: Row, source: string, settings: WriterSettings): Promise<void> | undefined {
    this.rows++
    this.rowsBySource.set(source, (this.rowsBySource.get(source) ?? 0) + 1)
    if (!settings.write || this.failure) return undefined
    try {
      const pending = this.#writer ? this.#writer.append(row) : this.#open(settings).then((writer) => writer.append(row))
      if (!pending) return undefined
      this.#pending = pending.catch((error: unknown) => this.#fail(error))
      return this.#pending
    } catch (error) {
      this.#fail(error)
      return undefined
    }
  }

  #fail(error: unknown): void {
    this.failure ??= error instanceof Error ? error : new Error(String(error))
  }

  async #open(settings: WriterSettings): Promise<ParquetFileWriter> {
    this.#opening ??= (async () => {
      const sink = await settings.storage.createSink(this.path, { expect: this.expect })
      this.#writer = await ParquetFileWriter.create({
        schema: settings.schema,
        sink,
        codec: settings.codec,
        rowGroupSize: settings.rowGroupSize,
        pageIndex: settings.pageIndex,
        bloomFilters: settings.bloomFilters,
        verify: 'checksums',
      })
      return this.#writer
    })()
    return this.#opening
  }

  /** The open writer, once rows were written. */
  get writer(): ParquetFileWriter | undefined {
    return this.#writer
  }

  /** Waits for the file to be open and its last row group flushed. */
  async settle(): Promise<void> {
    await this.#opening
    await this.#pending
  }

  /** Discards the file being written; nothing once it is committed. */
  async abort(): Promise<void> {
    await this.#opening?.catch(() => undefined)
    await this.#writer?.abort()
  }
}
