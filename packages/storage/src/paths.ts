import { ParquetryError } from '@parquetry/schema'

/**
 * Checks and normalises a path relative to a storage root: `/`-separated,
 * no empty, `.` or `..` segments, no backslashes, NUL or control characters,
 * not absolute. Nothing accepted here can escape the root.
 *
 * @throws ParquetryError `PATH_INVALID` naming the path and the reason.
 */
export function normalizeObjectPath(path: string): string {
  const fail = (reason: string): never => {
    throw new ParquetryError('PATH_INVALID', `invalid storage path ${JSON.stringify(path)}: ${reason}`, { details: { path } })
  }
  if (typeof path !== 'string' || path.length === 0) fail('empty')
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) fail('control characters are not allowed')
  if (path.includes('\\')) fail('backslashes are not allowed')
  if (path.startsWith('/')) fail('must be relative to the storage root')
  const segments = path.split('/')
  if (segments.at(-1) === '') segments.pop()
  for (const segment of segments) {
    if (segment === '') fail('empty segment')
    if (segment === '.' || segment === '..') fail(`segment ${segment} is not allowed`)
  }
  return segments.join('/')
}

/** Normalises an optional listing prefix; `''` means the whole root. */
export function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '' || prefix === '/') return ''
  return normalizeObjectPath(prefix.replace(/\/+$/, ''))
}
