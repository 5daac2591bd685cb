import type { KeyValue, SchemaElement } from 'hyparquet'
import type { ColumnSource } from 'hyparquet-writer'
import type { Sink } from '@parquetry/storage'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { ChunkChecksums } from './checksums.js'
import type { EncoderReply, EncoderRequest } from './encoder-protocol.js'

type Pending = { resolve: (reply: EncoderReply) => void; reject: (error: Error) => void }

/**
 * The process's encoder thread (one, started on first use): requests go out
 * in order, replies come back in order per file. It does not keep the
 * process alive while nothing is waiting on it.
 */
class EncoderThread {
  #worker: Worker | undefined
  readonly #pending = new Map<number, Pending[]>()
  #waiting = 0
  #nextId = 1

  newId(): number {
    return this.#nextId++
  }

  /** Forgets file `id` on the thread; its replies still due are not waited for. */
  drop(id: number): void {
    const dropped = this.#pending.get(id) ?? []
    this.#pending.delete(id)
    this.#worker?.postMessage({ id, type: 'drop' } satisfies EncoderRequest)
    this.#waiting -= dropped.length
    if (this.#waiting === 0) this.#worker?.unref()
    for (const entry of dropped) entry.reject(new Error('the file was discarded'))
  }

  /** Sends `request`; resolves with its reply. */
  request(request: Exclude<EncoderRequest, { type: 'drop' }>): Promise<EncoderReply> {
    const worker = this.#start()
    return new Promise<EncoderReply>((resolve, reject) => {
      const queue = this.#pending.get(request.id) ?? []
      queue.push({ resolve, reject })
      this.#pending.set(request.id, queue)
      if (this.#waiting++ === 0) worker.ref()
      // Typed arrays and strings are copied now: the caller may reuse its buffers at once.
      worker.postMessage(request)
    })
  }

  #start(): Worker {
    if (this.#worker) return this.#worker
    const worker = new Worker(workerUrl())
    worker.unref()
    worker.on('message', (reply: EncoderReply) => {
      const queue = this.#pending.get(reply.id)
      const next = queue?.shift()
      if (queue && queue.length === 0) this.#pending.delete(reply.id)
      if (!next) return
      if (--this.#waiting === 0) worker.unref()
      next.resolve(reply)
    })
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined
      const pending = [...this.#pending.values()].flat()
      this.#pending.clear()
      this.#waiting = 0
      for (const entry of pending) entry.reject(error)
    }
    worker.on('error', (error) => fail(new Error(`the encoder thread failed: ${error.message}`)))
    worker.on('exit', (code) => fail(new Error(`the encoder thread exited (code ${code})`)))
    this.#worker = worker
    return worker
  }
}

/** The worker's file: next to this module once built; from the build when running from sources (tests). */
function workerUrl(): URL {
  const beside = new URL('./encoder-worker.js', import.meta.url)
  return existsSync(fileURLToPath(beside)) ? beside : new URL('../dist/encoder-worker.js', import.meta.url)
}

let thread: EncoderThread | undefined

/**
 * hyparquet-writer's ParquetWriter, as far as ParquetFileWriter uses it, run
 * on the encoder thread: `write` hands a row group over (copied) and resolves
 * once the row group before it is encoded and in the sink, so that the caller
 * fills the next row group while this one is encoded; `finish` writes the
 * footer. Bytes reach the sink in order; each column chunk's CRC-32 is
 * taken on the thread and added to `checksums`.
 */
export class ThreadedEncoder {
  kvMetadata: KeyValue[] = []
  schema: SchemaElement[]
  readonly #id: number
  readonly #thread: EncoderThread
  readonly #sink: Sink
  readonly #checksums: ChunkChecksums
  /** The last row group handed over: settled once its bytes are in the sink. */
  #inflight: Promise<void> = Promise.resolve()

  private constructor(thread: EncoderThread, id: number, sink: Sink, schema: SchemaElement[], checksums: ChunkChecksums) {
    this.#thread = thread
    this.#id = id
    this.#sink = sink
    this.schema = schema
    this.#checksums = checksums
  }

  static async open(options: { sink: Sink; schema: SchemaElement[]; codec: string; statistics: boolean; createdBy: string; checksums: ChunkChecksums }): Promise<ThreadedEncoder> {
    thread ??= new EncoderThread()
    const id = thread.newId()
    const reply = await thread.request({ id, type: 'open', schema: options.schema, codec: options.codec, statistics: options.statistics, createdBy: options.createdBy })
    if (reply.type === 'error') throw new Error(reply.message)
    return new ThreadedEncoder(thread, id, options.sink, options.schema, options.checksums)
  }

  write({ columnData, rowGroupSize, pageSize }: { columnData: ColumnSource[]; rowGroupSize: number; pageSize: number }): Promise<void> {
    const reply = this.#thread.request({ id: this.#id, type: 'rowGroup', columnData, rows: rowGroupSize, pageSize })
    const previous = this.#inflight
    const done = previous.then(() => reply).then((answer) => this.#store(answer))
    // Awaited by the next write or by finish; not a rejection nobody handles meanwhile.
    done.catch(() => undefined)
    this.#inflight = done
    return previous
  }

  /** Resolves once every row group handed over is in the sink (its checksums added). */
  settle(): Promise<void> {
    return this.#inflight
  }

  async finish(): Promise<void> {
    await this.#inflight
    const reply = await this.#thread.request({ id: this.#id, type: 'finish', kvMetadata: this.kvMetadata, schema: this.schema })
    await this.#store(reply)
  }

  /** Forgets the file on the thread (after an error or an abort). */
  drop(): void {
    this.#thread.drop(this.#id)
  }

  async #store(reply: EncoderReply): Promise<void> {
    if (reply.type === 'error') throw new Error(reply.message)
    if (reply.type !== 'bytes') throw new Error(`unexpected reply ${reply.type} from the encoder thread`)
    this.#checksums.addSums(reply.sums)
    if (reply.bytes.length > 0) await this.#sink.write(reply.bytes)
  }
}
