import { wrapError } from '@parquetry/schema'
import { mkdir, open } from 'node:fs/promises'
import { dirname } from 'node:path'
import { previewJson } from '../json/depth.js'
import type { Reject } from './rejects.js'

/** Bytes going somewhere and published at the end: a storage `Sink` fits. */
export interface ByteSink {
  /** Where it goes, for messages. */
  readonly path: string
  write(chunk: Uint8Array): Promise<void>
  /** Publishes what was written. */
  commit(): Promise<unknown>
  abort(): Promise<void>
}

/** Where rejects go: a local file path, or a function that opens a sink (called at the first reject). */
export type RejectsTarget = string | (() => Promise<ByteSink>)

function jsonValue(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

function rejectLine(reject: Reject): string {
  const line = { ...reject.location, reason: reject.reason, ...(reject.problems ? { problems: reject.problems } : {}), ...(reject.raw !== undefined ? { raw: reject.raw } : {}) }
  try {
    return JSON.stringify(line, jsonValue)
  } catch {
    // A value JSON.stringify cannot write (nested too deep, circular): its start, as text.
    const problems = reject.problems?.map((problem) => ({ ...problem, value: previewJson(problem.value) }))
    return JSON.stringify({ ...line, ...(problems ? { problems } : {}) }, jsonValue)
  }
}

async function localSink(path: string): Promise<ByteSink> {
  await mkdir(dirname(path), { recursive: true })
  const handle = await open(path, 'w')
  return {
    path,
    write: async (chunk) => {
      await handle.write(chunk)
    },
    commit: () => handle.close(),
    abort: () => handle.close(),
  }
}

const encoder = new TextEncoder()

/**
 * An NDJSON file of rejects, one object per line:
 * `{"source","line","index","path","reason","problems":[{"column","value","reason"}],"raw"}`.
 */
export class RejectsFile {
  readonly path: string
  readonly #sink: ByteSink

  private constructor(sink: ByteSink) {
    this.path = sink.path
    this.#sink = sink
  }

  /** Creates (or truncates) the file — a local path's directory is made — or opens the target's sink. */
  static async create(target: RejectsTarget): Promise<RejectsFile> {
    try {
      return new RejectsFile(typeof target === 'string' ? await localSink(target) : await target())
    } catch (error) {
      throw wrapError(error, 'STORAGE_FAILED', `cannot write rejects file ${typeof target === 'string' ? target : ''}`.trim())
    }
  }

  /** Appends rejects. */
  async write(rejects: readonly Reject[]): Promise<void> {
    if (rejects.length === 0) return
    const text = rejects.map(rejectLine).join('\n')
    await this.#sink.write(encoder.encode(`${text}\n`))
  }

  /** Finishes the file (publishes a sink). */
  async close(): Promise<void> {
    await this.#sink.commit()
  }
}
