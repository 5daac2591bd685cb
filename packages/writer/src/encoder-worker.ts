// The encoder thread: hyparquet-writer encodes and compresses row groups here,
// while the main thread parses and coerces the next one. One ParquetWriter per
// open file (by id); the bytes of each row group, and the CRC-32 of each of
// its column chunks, go back to the main thread, which writes them to the sink.
import type { KeyValue, SchemaElement } from 'hyparquet'
import { ByteWriter, ParquetWriter, type ColumnSource } from 'hyparquet-writer'
import { parentPort } from 'node:worker_threads'
import { chunkRange } from './checksums.js'
import { compressorsFor, type ParquetCodec } from './codecs.js'
import { crc32 } from 'node:zlib'
import type { EncoderReply, EncoderRequest } from './encoder-protocol.js'

/** A byte writer that hands each flush's bytes to `take` (a copy: the buffer is reused). */
class CollectingWriter extends ByteWriter {
  readonly #take: (bytes: Uint8Array, fileOffset: number) => void

  constructor(take: (bytes: Uint8Array, fileOffset: number) => void) {
    super(1 << 16)
    this.#take = take
  }

  flush(): void {
    if (this.index === 0) return
    this.#take(new Uint8Array(this.buffer.slice(0, this.index)), this.offset - this.index)
    this.index = 0
  }

  override finish(): void {
    this.flush()
  }
}

interface OpenFile {
  writer: ParquetWriter
  /** Bytes flushed since the last reply. */
  out: { bytes: Uint8Array; offset: number }[]
  summed: number
}

const files = new Map<number, OpenFile>()

function reply(message: EncoderReply, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(message, transfer)
}

function take(file: OpenFile): { bytes: Uint8Array; sums: number[][] } {
  const parts = file.out.splice(0)
  const length = parts.reduce((sum, part) => sum + part.bytes.length, 0)
  const bytes = parts.length === 1 ? (parts[0] as { bytes: Uint8Array }).bytes : new Uint8Array(length)
  if (parts.length > 1) {
    let at = 0
    for (const part of parts) {
      bytes.set(part.bytes, at)
      at += part.bytes.length
    }
  }
  const start = parts[0]?.offset ?? 0
  // CRC-32 of every column chunk of the row groups these bytes completed, as the footer locates them.
  const sums: number[][] = []
  const groups = file.writer.row_groups
  for (; file.summed < groups.length; file.summed++) {
    const group = groups[file.summed] as { columns: Parameters<typeof chunkRange>[0][] }
    sums.push(
      group.columns.map((chunk) => {
        const range = chunkRange(chunk)
        const from = range.start - start
        if (from < 0 || from + range.length > bytes.length) throw new Error(`row group ${file.summed}: column chunk at ${range.start} is not in the bytes handed over`)
        return crc32(bytes.subarray(from, from + range.length))
      }),
    )
  }
  return { bytes, sums }
}

async function handle(request: EncoderRequest): Promise<void> {
  const { id } = request
  try {
    switch (request.type) {
      case 'open': {
        const compressors = await compressorsFor(request.codec as ParquetCodec)
        const file: OpenFile = { writer: undefined as unknown as ParquetWriter, out: [], summed: 0 }
        file.writer = new ParquetWriter({
          writer: new CollectingWriter((bytes, offset) => file.out.push({ bytes, offset })),
          schema: request.schema as SchemaElement[],
          codec: request.codec as ParquetCodec,
          compressors,
          statistics: request.statistics,
          createdBy: request.createdBy,
        })
        files.set(id, file)
        reply({ id, type: 'opened' })
        return
      }
      case 'rowGroup': {
        const file = files.get(id)
        if (!file) throw new Error(`no open file ${id}`)
        void file.writer.write({ columnData: request.columnData as ColumnSource[], rowGroupSize: request.rows, pageSize: request.pageSize })
        const { bytes, sums } = take(file)
        reply({ id, type: 'bytes', bytes, sums }, [bytes.buffer as ArrayBuffer])
        return
      }
      case 'finish': {
        const file = files.get(id)
        if (!file) throw new Error(`no open file ${id}`)
        files.delete(id)
        file.writer.kvMetadata = request.kvMetadata as KeyValue[]
        file.writer.schema = request.schema as SchemaElement[]
        void file.writer.finish()
        const { bytes } = take(file)
        reply({ id, type: 'bytes', bytes, sums: [] }, [bytes.buffer as ArrayBuffer])
        return
      }
      case 'drop':
        files.delete(id)
        return
    }
  } catch (error) {
    files.delete(id)
    reply({ id, type: 'error', message: error instanceof Error ? error.message : String(error) })
  }
}

// Requests are handled one at a time, in order.
let queue = Promise.resolve()
parentPort?.on('message', (request: EncoderRequest) => {
  queue = queue.then(() => handle(request))
})
