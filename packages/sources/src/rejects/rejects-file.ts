import { wrapError } from '@parquetry/schema'
import { mkdir, open, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Reject } from './rejects.js'

function jsonValue(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

/**
 * An NDJSON file of rejects, one object per line:
 * `{"source","line","index","path","reason","problems":[{"column","value","reason"}],"raw"}`.
 */
export class RejectsFile {
  readonly path: string
  readonly #handle: FileHandle

  private constructor(path: string, handle: FileHandle) {
    this.path = path
    this.#handle = handle
  }

  /** Creates (or truncates) the file, making its directory. */
  static async create(path: string): Promise<RejectsFile> {
    try {
      await mkdir(dirname(path), { recursive: true })
      return new RejectsFile(path, await open(path, 'w'))
    } catch (error) {
      throw wrapError(error, 'STORAGE_FAILED', `cannot write rejects file ${path}`)
    }
  }

  /** Appends rejects. */
  async write(rejects: readonly Reject[]): Promise<void> {
    if (rejects.length === 0) return
    const text = rejects
      .map((reject) => JSON.stringify({ ...reject.location, reason: reject.reason, ...(reject.problems ? { problems: reject.problems } : {}), ...(reject.raw !== undefined ? { raw: reject.raw } : {}) }, jsonValue))
      .join('\n')
    await this.#handle.write(`${text}\n`)
  }

  async close(): Promise<void> {
    await this.#handle.close()
  }
}
