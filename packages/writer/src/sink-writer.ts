import { ByteWriter } from 'hyparquet-writer'
import type { Sink } from '@parquetry/storage'

/**
 * hyparquet-writer's byte writer, drained into a storage {@link Sink} after
 * every row group: `flush()` hands the buffered bytes to the sink and resolves
 * once the sink has taken them (backpressure), then reuses the buffer.
 * `onFlush` sees each run of bytes first, synchronously, with its offset in
 * the file (a view of the buffer: look, do not keep).
 */
export class SinkByteWriter extends ByteWriter {
  readonly #sink: Sink
  readonly #onFlush: ((bytes: Uint8Array, fileOffset: number) => void) | undefined

  constructor(sink: Sink, onFlush?: (bytes: Uint8Array, fileOffset: number) => void) {
    // Grows as a row group is encoded; small to start, for writers kept open per partition.
    super(1 << 16)
    this.#sink = sink
    this.#onFlush = onFlush
  }

  async flush(): Promise<void> {
    if (this.index === 0) return
    const bytes = new Uint8Array(this.buffer, 0, this.index)
    this.#onFlush?.(bytes, this.offset - this.index)
    await this.#sink.write(bytes)
    this.index = 0
  }

  override finish(): Promise<void> {
    return this.flush()
  }
}
