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
