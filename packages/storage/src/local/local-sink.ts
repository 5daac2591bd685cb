import { ParquetryError, wrapError } from '@parquetry/schema'
import { link, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises'
import { unlinkSync } from 'node:fs'
import { dirname } from 'node:path'
import type { CommitOptions, ObjectInfo, Sink, WriteCondition } from '../types.js'
import { localEtag, openFileObject } from './file-object.js'
import { tempPathFor } from './temp-files.js'

// Temp files of sinks still open, removed if the process exits normally
// mid-write; a kill -9 leaves them for the next run's stale cleanup.
const openTempFiles = new Set<string>()
let exitHookInstalled = false

function trackTempFile(path: string): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true
    process.once('exit', () => {
      for (const temp of openTempFiles) {
        try {
          unlinkSync(temp)
        } catch {
          // already gone
        }
      }
    })
  }
  openTempFiles.add(path)
}

async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle | undefined
  try {
    handle = await open(directory, 'r')
    await handle.sync()
  } catch (error) {
    // Some filesystems cannot fsync a directory; the rename is still atomic there.
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw error
  } finally {
    await handle?.close()
  }
}

/** A {@link Sink} writing to a temp file beside the final file: fsync, verify, rename, fsync the directory. */
export class LocalSink implements Sink {
  readonly path: string
  #bytesWritten = 0
  #state: 'open' | 'committing' | 'committed' | 'aborted' = 'open'
  readonly #finalPath: string
  readonly #tempPath: string
  readonly #handle: FileHandle
  readonly #expect: WriteCondition | undefined

  private constructor(path: string, finalPath: string, tempPath: string, handle: FileHandle, expect: WriteCondition | undefined) {
    this.path = path
    this.#finalPath = finalPath
    this.#tempPath = tempPath
    this.#handle = handle
    this.#expect = expect
  }

  /** Opens a temp file for `finalPath` (its directory must exist). */
  static async create(path: string, finalPath: string, expect?: WriteCondition): Promise<LocalSink> {
    const tempPath = tempPathFor(finalPath)
    const handle = await open(tempPath, 'wx')
    trackTempFile(tempPath)
    return new LocalSink(path, finalPath, tempPath, handle, expect)
  }

  // A local directory has no compare-and-swap rename: the condition is checked
  // just before the rename, which catches a writer that finished while this one ran.
  async #checkExpected(): Promise<void> {
    if (this.#expect === undefined) return
    const current = await stat(this.#finalPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    })
    const expected = this.#expect
    const holds = expected === 'absent' ? current === undefined : current !== undefined && localEtag(current) === expected.etag
    if (!holds) {
      throw new ParquetryError('CONFLICT', `${this.path}: ${expected === 'absent' ? 'another writer created it' : current ? 'another writer replaced it' : 'another writer removed it'} since it was read; nothing was published`, {
        details: { path: this.path },
      })
    }
  }

  /**
   * Publishes only if nothing is at the final path, atomically: a hard link
   * fails with EEXIST when another writer got there first. Returns false on a
   * filesystem without hard links (the check-then-rename path is taken).
   */
  async #linkIfAbsent(): Promise<boolean> {
    try {
      await link(this.#tempPath, this.#finalPath)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'EEXIST') {
        throw new ParquetryError('CONFLICT', `${this.path}: another writer created it since it was read; nothing was published`, { details: { path: this.path } })
      }
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS' || code === 'EMLINK') return false
      throw error
    }
    await unlink(this.#tempPath)
    return true
  }

  get bytesWritten(): number {
    return this.#bytesWritten
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#state !== 'open') throw new ParquetryError('STORAGE_FAILED', `write to ${this.path} after it was ${this.#state}`)
    let offset = 0
    try {
      while (offset < chunk.length) {
        const { bytesWritten } = await this.#handle.write(chunk, offset, chunk.length - offset)
        offset += bytesWritten
      }
    } catch (error) {
      await this.abort()
      throw wrapError(error, 'STORAGE_FAILED', `writing ${this.#finalPath}`)
    }
    this.#bytesWritten += chunk.length
  }

  async commit(options: CommitOptions = {}): Promise<ObjectInfo> {
    if (this.#state !== 'open') throw new ParquetryError('STORAGE_FAILED', `commit of ${this.path} after it was ${this.#state}`)
    this.#state = 'committing'
    try {
      await this.#handle.sync()
      await this.#handle.close()
      if (options.verify) {
        const object = await openFileObject(this.#tempPath)
        try {
          await options.verify(object)
        } finally {
          await object.close()
        }
      }
      if (!(this.#expect === 'absent' && (await this.#linkIfAbsent()))) {
        await this.#checkExpected()
        await rename(this.#tempPath, this.#finalPath)
      }
      openTempFiles.delete(this.#tempPath)
      await syncDirectory(dirname(this.#finalPath))
      this.#state = 'committed'
      const info = await stat(this.#finalPath)
      return { path: this.path, size: info.size, modifiedAt: info.mtime, etag: localEtag(info) }
    } catch (error) {
      this.#state = 'open'
      await this.abort()
      throw wrapError(error, 'STORAGE_FAILED', `committing ${this.#finalPath}`)
    }
  }

  async abort(): Promise<void> {
    if (this.#state === 'committed' || this.#state === 'aborted') return
    this.#state = 'aborted'
    await this.#handle.close().catch(() => undefined)
    await unlink(this.#tempPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw wrapError(error, 'STORAGE_FAILED', `removing ${this.#tempPath}`)
    })
    openTempFiles.delete(this.#tempPath)
  }
}
