import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import { isWriterGone, processInstance } from '../process-alive.js'

/**
 * Where unfinished writes live, under the storage prefix:
 * `_parquetry/tmp/<host>/<pid>-<instance>-<random>/<path>`, and beside such a key a
 * `<key>.upload` marker naming an open multipart upload. Listings hide this
 * area; `cleanup()` removes what a dead writer left there.
 */
export const INTERNAL_FOLDER = '_parquetry/'
const TEMP_FOLDER = `${INTERNAL_FOLDER}tmp/`
export const UPLOAD_MARKER_SUFFIX = '.parquetry-upload'

const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'host'

/** A fresh temp key for `path`, unique to this process and call. */
export function tempKeyFor(prefix: string, path: string): string {
  return `${prefix}${TEMP_FOLDER}${host}/${process.pid}-${processInstance}-${randomBytes(6).toString('hex')}/${path}`
}

/** The temp area's key prefix. */
export function tempArea(prefix: string): string {
  return `${prefix}${TEMP_FOLDER}`
}

/**
 * Whether a temp key was left by a writer that is gone: one of this host and
 * pid namespace whose pid is not alive, or any writer's key older than
 * `staleAfterMs` (another host's or container's process cannot be asked).
 * This process's own keys are never stale.
 */
export function isStaleTempKey(prefix: string, key: string, modifiedAt: Date | undefined, staleAfterMs: number, now = Date.now()): boolean {
  const rest = key.slice(tempArea(prefix).length)
  const match = /^([^/]+)\/(\d+)-(?:([0-9a-f]{8})-)?[0-9a-f]{12}\//.exec(rest)
  if (!match) return modifiedAt !== undefined && now - modifiedAt.getTime() > staleAfterMs
  const pid = Number(match[2])
  const instance = match[3]
  if (match[1] === host && pid === process.pid && instance === processInstance) return false
  if (match[1] === host && isWriterGone(pid, instance)) return true
  return modifiedAt !== undefined && now - modifiedAt.getTime() > staleAfterMs
}
