import { isParquetryError, ParquetryError } from '@parquetry/schema'
import { isWriterGone, processInstance, type Storage } from '@parquetry/storage'
import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import { writeJson } from './state.js'

/** Where the lock of a dataset lives in its storage. */
export function lockPath(dataset: string): string {
  return `_parquetry/locks/${dataset}.lock`
}

/** Who holds a lock, as its object says. */
export interface LockHolder {
  pid: number
  host: string
  /** Host and pid namespace of the holder (`processInstance`): its pid means something only there. */
  instance: string
  /** When it took the lock (ISO). */
  since: string
  token: string
}

/** Options for {@link acquireLock}. */
export interface LockOptions {
  /** How long to wait for a live holder to finish before failing with `LOCKED`. Default 0: fail at once. */
  waitMs?: number
  /** A lock not refreshed for this long is stale: its holder died. Default 2 minutes. */
  staleAfterMs?: number
  /** How often the holder refreshes its lock. Default a quarter of `staleAfterMs`. */
  heartbeatMs?: number
  signal?: AbortSignal
  /** Called once when the lock is held by someone else and the call starts waiting. */
  onWait?: (holder: LockHolder | undefined) => void
  /** Called if the lock is lost while held (another process judged it stale and took it). */
  onLost?: (error: ParquetryError) => void
  /**
   * The clock, in milliseconds since the epoch, that the lock's decisions read: its `since`, how
   * long an existing lock has gone unrefreshed (against its storage's modification time), and the
   * `waitMs` deadline. Default `Date.now`; tests pass a fixed one instead of sleeping.
   */
  now?: () => number
}

/** A held lock: refreshed in the background until released. */
export interface HeldLock {
  readonly path: string
  release(): Promise<void>
}

const writeLock = (storage: Storage, path: string, holder: LockHolder, expect: 'absent' | { etag: string }) => writeJson(storage, path, holder, { expect })

async function readHolder(storage: Storage, path: string): Promise<LockHolder | undefined> {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(await storage.readBytes(path))) as Partial<LockHolder>
    return typeof parsed.pid === 'number' && typeof parsed.token === 'string' ? (parsed as LockHolder) : undefined
  } catch {
    return undefined
  }
}

function describeHolder(holder: LockHolder | undefined): string {
  return holder ? `pid ${holder.pid} on ${holder.host} since ${holder.since}` : 'another process'
}

const sleep = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })

/**
 * Takes the lock of one dataset in one storage, so that two exports of it
 * never run at once: an object `_parquetry/locks/<dataset>.lock` created with
 * a conditional write (`If-None-Match: *` on S3; an atomic hard link on a
 * local disk). The holder rewrites it every `heartbeatMs`; a lock not
 * rewritten for `staleAfterMs` (its holder was killed), or whose holder is a
 * dead process of this host and pid namespace, is taken over — with a
 * conditional write against the version seen, so only one taker wins.
 *
 * @throws ParquetryError `LOCKED` naming the holder when it is still held after `waitMs`; `ABORTED` when `signal` aborts.
 */
export async function acquireLock(storage: Storage, dataset: string, options: LockOptions = {}): Promise<HeldLock> {
  const path = lockPath(dataset)
  const staleAfterMs = options.staleAfterMs ?? 120_000
  const heartbeatMs = options.heartbeatMs ?? Math.max(1_000, Math.floor(staleAfterMs / 4))
  const now = options.now ?? Date.now
  const deadline = now() + (options.waitMs ?? 0)
  const holder: LockHolder = { pid: process.pid, host: hostname(), instance: processInstance, since: new Date(now()).toISOString(), token: randomBytes(8).toString('hex') }
  let etag: string | undefined
  let waiting = false
  for (;;) {
    if (options.signal?.aborted) throw new ParquetryError('ABORTED', `${dataset}: aborted while waiting for its lock`)
    try {
      etag = await writeLock(storage, path, holder, 'absent')
      break
    } catch (error) {
      if (!isParquetryError(error, 'CONFLICT')) throw error
    }
    const info = await storage.stat(path)
    if (info === undefined) continue
    const current = await readHolder(storage, path)
    const idle = now() - info.modifiedAt.getTime()
    const gone = current !== undefined && isWriterGone(current.pid, current.instance)
    if ((idle > staleAfterMs || gone) && info.etag !== undefined) {
      try {
        etag = await writeLock(storage, path, holder, { etag: info.etag })
        break
      } catch (error) {
        if (!isParquetryError(error, 'CONFLICT')) throw error
        continue
      }
    }
    if (now() >= deadline) {
      throw new ParquetryError('LOCKED', `${dataset} is being exported by ${describeHolder(current)} (lock ${storage.url}/${path}); try again when it has finished`, {
        details: { dataset, path, ...(current ? { holder: current } : {}) },
      })
    }
    if (!waiting) {
      waiting = true
      options.onWait?.(current)
    }
    await sleep(Math.min(1_000, Math.max(50, deadline - now())), options.signal)
  }

  let released = false
  let beating: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    beating = beating.then(async () => {
      if (released || etag === undefined) return
      try {
        etag = await writeLock(storage, path, holder, { etag })
      } catch (error) {
        if (released) return
        clearInterval(timer)
        const lost = new ParquetryError('LOCKED', `${dataset}: lost its lock ${path} (${(error as Error).message}); another export may be running`, { details: { dataset, path } })
        options.onLost?.(lost)
      }
    })
  }, heartbeatMs)
  timer.unref()
  return {
    path,
    async release() {
      if (released) return
      released = true
      clearInterval(timer)
      await beating
      // Only our own lock is removed: one taken over meanwhile is someone else's.
      const current = await readHolder(storage, path)
      if (current?.token === holder.token) await storage.remove(path)
    },
  }
}
