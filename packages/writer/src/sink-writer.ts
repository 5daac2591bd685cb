import { ByteWriter } from 'hyparquet-writer'
import type { Sink } from '@parquetry/storage'

/**
 * hyparquet-writer's byte writer, drained into a storage {@link Sink} after
 * every row group: `flush()` hands the buffered bytes to the sink and resolves
 * once the sink has taken them (backpressure), then reuses the buffer.
 */
export class SinkByteWriter extends ByteWriter {
  readonly #sink: Sink

  constructor(sink: Sink) {
    // Grows as a row group is encoded; small to start, for writers kept open per partition.
    super(1 << 16)
    this.#sink = sink
  }

  async flush(): Promise<void> {
    if (this.index === 0) return
    await this.#sink.write(new Uint8Array(this.buffer, 0, this.index))
    this.index = 0
  }

  override finish(): Promise<void> {
    return this.flush()
  }
}
