/**
 * Every error code Parquetry raises. Codes are stable: match on `error.code`,
 * never on the message.
 */
export type ParquetryErrorCode =
  | 'SCHEMA_INVALID'
  | 'VALUE_INVALID'
  | 'ROW_INVALID'
  | 'SOURCE_READ_FAILED'
  | 'PATH_INVALID'
  | 'STORAGE_FAILED'
  | 'CONFLICT'
  | 'LOCKED'
  | 'WRITE_FAILED'
  | 'VERIFY_FAILED'
  | 'QUERY_FAILED'
  | 'REJECTS_EXCEEDED'
  | 'CONFIG_INVALID'
  | 'USAGE'
  | 'ABORTED'

/** Options for {@link ParquetryError}. */
export interface ParquetryErrorOptions {
  /** The error this one wraps (a foreign fs, DuckDB or S3 error, for example). */
  cause?: unknown
  /** Structured details a caller can act on (column, value, line, path, ...). */
  details?: Record<string, unknown>
}

/**
 * The one error class of Parquetry. Foreign errors are wrapped once at the
 * package edge with a `code`; Parquetry's own errors are rethrown unchanged.
 */
export class ParquetryError extends Error {
  override readonly name = 'ParquetryError'
  readonly code: ParquetryErrorCode
  readonly details: Record<string, unknown>

  constructor(code: ParquetryErrorCode, message: string, options: ParquetryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options.details ?? {}
  }
}

/** True when `error` is a {@link ParquetryError}, optionally of the given code. */
export function isParquetryError(error: unknown, code?: ParquetryErrorCode): error is ParquetryError {
  return error instanceof ParquetryError && (code === undefined || error.code === code)
}

/**
 * Wraps a foreign error in a {@link ParquetryError} with `code`, keeping it as
 * `cause`. A ParquetryError passes through unchanged.
 */
export function wrapError(error: unknown, code: ParquetryErrorCode, message: string, details?: Record<string, unknown>): ParquetryError {
  if (error instanceof ParquetryError) return error
  const reason = error instanceof Error ? error.message : String(error)
  return new ParquetryError(code, `${message}: ${reason}`, { cause: error, ...(details ? { details } : {}) })
}

/** Renders a value for an error message: quoted, bounded, control characters escaped. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'undefined'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value
    return JSON.stringify(shown)
  }
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`
  try {
    const text = JSON.stringify(value)
    if (text === undefined) return String(value)
    return text.length > 80 ? `${text.slice(0, 77)}...` : text
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/** Socket and DNS failures that a later attempt may not meet. */
const TRANSIENT_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT'])
/** PostgreSQL SQLSTATEs of a server going away, starting, overloaded, or a transaction to run again. */
const TRANSIENT_SQLSTATE = /^(08...|57P0[123]|53300|53400|40001|40P01)$/
/** S3 answers that a retry may get past. */
const TRANSIENT_S3 = new Set(['SlowDown', 'RequestTimeout', 'ServiceUnavailable', 'InternalError', 'TimeoutError', 'RequestTimeTooSkewed', 'ThrottlingException'])

/**
 * True for a failure worth trying again later (what a scheduler retries):
 * another export holding the lock (`LOCKED`), a connection refused or reset,
 * PostgreSQL restarting or out of connections, an S3 5xx or 429, a timeout
 * of the network. False for everything that a rerun would meet again — bad
 * input, a rejects threshold, a config or schema error, a refused value —
 * and for `ABORTED`. Looks through `cause` chains and `details.transient`.
 */
export function isTransientError(error: unknown): boolean {
  if (error instanceof ParquetryError) {
    if (error.code === 'LOCKED') return true
    if (error.details['transient'] === true) return true
    if (['SCHEMA_INVALID', 'VALUE_INVALID', 'ROW_INVALID', 'REJECTS_EXCEEDED', 'CONFIG_INVALID', 'USAGE', 'ABORTED', 'PATH_INVALID'].includes(error.code)) return false
    const sqlState = error.details['sqlState']
    if (typeof sqlState === 'string' && TRANSIENT_SQLSTATE.test(sqlState)) return true
  }
  const seen = new Set<unknown>()
  for (let current: unknown = error; current !== null && typeof current === 'object' && !seen.has(current); current = (current as { cause?: unknown }).cause) {
    seen.add(current)
    const fields = current as { code?: unknown; name?: unknown; Code?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number }; errors?: unknown[] }
    if (typeof fields.code === 'string' && (TRANSIENT_ERRNO.has(fields.code) || TRANSIENT_SQLSTATE.test(fields.code))) return true
    const status = fields.$metadata?.httpStatusCode
    if (status !== undefined && (status >= 500 || status === 429)) return true
    const name = typeof fields.Code === 'string' ? fields.Code : fields.name
    if (typeof name === 'string' && TRANSIENT_S3.has(name)) return true
    // pg's words for a connection the server closed (it sets no code on these).
    if (typeof fields.message === 'string' && /Connection terminated|terminating connection|the database system is (starting up|shutting down)|server closed the connection/i.test(fields.message)) return true
    if (Array.isArray(fields.errors) && fields.errors.some((item) => isTransientError(item))) return true
  }
  return false
}
