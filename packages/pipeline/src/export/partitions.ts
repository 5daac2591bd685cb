import type { DatasetSchema, Row } from '@parquetry/schema'
import type { LocalStorage } from '@parquetry/storage'
import { ParquetFileWriter, type ParquetCodec } from '@parquetry/writer'

/** The rows bound for one output file, and where they came from. */
export class Partition {
  readonly date: string
  readonly path: string
  readonly rowsBySource = new Map<string, number>()
  writer: ParquetFileWriter | undefined
  #pending: Promise<void> | undefined

  /** Rows in the file: the sum over its sources. */
  get rows(): number {
    let total = 0
    for (const count of this.rowsBySource.values()) total += count
    return total
  }

  constructor(date: string, path: string) {
    this.date = date
    this.path = path
  }

  /** Opens the file being written (not in a dry run). */
  async open(options: { storage: LocalStorage; schema: DatasetSchema; codec: ParquetCodec; rowGroupSize: number }): Promise<void> {
    this.writer = await ParquetFileWriter.create({
      schema: options.schema,
      sink: await options.storage.createSink(this.path),
      codec: options.codec,
      rowGroupSize: options.rowGroupSize,
      verify: 'full',
    })
  }

  /** Adds a row from `source`; returns a promise when a row group is being flushed. */
  add(row: Row, source: string): Promise<void> | undefined {
    this.rowsBySource.set(source, (this.rowsBySource.get(source) ?? 0) + 1)
    const pending = this.writer?.append(row)
    if (pending) this.#pending = pending
    return pending
  }

  async settle(): Promise<void> {
    await this.#pending
  }
}
