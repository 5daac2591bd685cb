import { ParquetryError, wrapError } from '@parquetry/schema'
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

/**
 * `mkdir -p` that returns where Node's recursive mkdir loops forever (a path
 * under `/proc`): @parquetry/storage's `makeDirectory`, which this package
 * does not depend on.
 */
async function makeFolders(path: string): Promise<void> {
  try {
    await mkdir(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return
    if (code !== 'ENOENT' || dirname(path) === path) throw error
    await makeFolders(dirname(path))
    await mkdir(path).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== 'EEXIST') throw again
    })
  }
}

async function localSink(path: string): Promise<ByteSink> {
  await makeFolders(dirname(path))
  const handle = await open(path, 'w')
  return {
    path,
    write: async (chunk) => {
      // A short write (a disk filling up) is finished or fails, never left half done.
      for (let offset = 0; offset < chunk.length; ) offset += (await handle.write(chunk, offset, chunk.length - offset)).bytesWritten
    },
    commit: () => handle.close(),
    abort: () => handle.close(),
  }
}

/** The fs error code of a foreign error (`ENOSPC`, `EACCES`), when it has one. */
function errnoOf(error: unknown): string | undefined {
  const code = error !== null && typeof error === 'object' ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined
}

/** A foreign error of the rejects file wrapped once, naming the file; a ParquetryError (a storage sink's) passes through. */
function rejectsFileError(error: unknown, what: string, path: string | undefined): ParquetryError {
  const errno = errnoOf(error)
  return wrapError(error, 'STORAGE_FAILED', `${what} rejects file${path ? ` ${path}` : ''}`, { ...(path ? { path } : {}), ...(errno ? { errno } : {}) })
}

const encoder = new TextEncoder()

/**
 * An NDJSON file of rejects, one object per line:
 * `{"source","line","index","path","reason","problems":[{"column","value","reason"}],"raw"}`.
 *
 * Every failure of the file (a full disk, a folder that cannot be made, a
 * sink that refuses) is a `ParquetryError` `STORAGE_FAILED` naming the file,
 * with the fs error as `cause` and its code as `details.errno`; a storage
 * sink's own ParquetryError passes through unchanged.
 */
export class RejectsFile {
  readonly path: string
  readonly #sink: ByteSink
  /** Set once a write failed or the file was aborted: closing then discards instead of publishing. */
  #broken = false

  private constructor(sink: ByteSink) {
    this.path = sink.path
    this.#sink = sink
  }

  /**
   * Creates (or truncates) the file — a local path's directory is made — or opens the target's sink.
   *
   * @throws ParquetryError `STORAGE_FAILED` naming the file when it cannot be made.
   */
  static async create(target: RejectsTarget): Promise<RejectsFile> {
    try {
      return new RejectsFile(typeof target === 'string' ? await localSink(target) : await target())
    } catch (error) {
      throw rejectsFileError(error, 'cannot create', typeof target === 'string' ? target : undefined)
    }
  }

  /**
   * Appends rejects.
   *
   * @throws ParquetryError `STORAGE_FAILED` naming the file (a full disk: `details.errno` `'ENOSPC'`); the file is then broken, and {@link close} discards it.
   */
  async write(rejects: readonly Reject[]): Promise<void> {
    if (rejects.length === 0) return
    if (this.#broken) throw new ParquetryError('STORAGE_FAILED', `cannot write rejects file ${this.path}: an earlier write to it failed`, { details: { path: this.path } })
    const text = rejects.map(rejectLine).join('\n')
    try {
      await this.#sink.write(encoder.encode(`${text}\n`))
    } catch (error) {
      this.#broken = true
      throw rejectsFileError(error, 'cannot write', this.path)
    }
  }

  /**
   * Finishes the file (publishes a sink). After a failed write it discards
   * what was written instead and throws nothing more: that write's error said it.
   *
   * @throws ParquetryError `STORAGE_FAILED` naming the file when it cannot be published.
   */
  async close(): Promise<void> {
    if (this.#broken) return this.abort()
    try {
      await this.#sink.commit()
    } catch (error) {
      this.#broken = true
      throw rejectsFileError(error, 'cannot finish', this.path)
    }
  }

  /** Discards the file (a sink publishes nothing; a local file is closed as far as it got). Never throws. */
  async abort(): Promise<void> {
    this.#broken = true
    await this.#sink.abort().catch(() => undefined)
  }
}
