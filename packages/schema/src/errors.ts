import type { ValueProblem } from './row-parser.js'

/** Details any error may carry, whatever its code. */
export interface CommonErrorDetails {
  /** A later attempt may pass, though the code alone would not say so (read by {@link isTransientError}). */
  readonly transient?: boolean
}

/** One problem a zod check found (a config file, a schema definition): where, and what. */
export interface ErrorIssue {
  /** Keys from the root to the offending value: `['datasets', 'orders', 'columns', 2, 'type']`. */
  readonly path: readonly PropertyKey[]
  readonly message: string
  readonly code?: string
}

/** `SCHEMA_INVALID`: a schema definition that does not hold. */
export interface SchemaInvalidDetails extends CommonErrorDetails {
  readonly issues?: readonly ErrorIssue[]
}

/** `VALUE_INVALID`: one value that does not fit its column. */
export interface ValueInvalidDetails extends CommonErrorDetails {
  readonly column?: string
  /** The value as it arrived. */
  readonly value?: unknown
  readonly reason?: string
}

/** `ROW_INVALID`: a row that does not fit the schema, or that the writer refused. */
export interface RowInvalidDetails extends CommonErrorDetails {
  /** Every bad value of the row (`parseRow`). */
  readonly problems?: readonly ValueProblem[]
  readonly column?: string
  readonly value?: unknown
  /** Index of the row in what the writer was given, from 1. */
  readonly row?: number
  /** Line of the input it came from. */
  readonly line?: number
  /** The input it came from, as named in messages. */
  readonly source?: string
}

/** `SOURCE_READ_FAILED`: an input that could not be read, or read whole. */
export interface SourceReadFailedDetails extends CommonErrorDetails {
  /** The input, as named in messages (a file name, an input identity). */
  readonly source?: string
  /** A path: the folder listed, or the JSON path of the records (`$.recommendations`). */
  readonly path?: string
  readonly line?: number
  readonly byteOffset?: number
  /** The offending byte (invalid UTF-8). */
  readonly byte?: number
  readonly encoding?: string
  /** The nesting limit a JSON value passed. */
  readonly maxDepth?: number
  readonly column?: string
  /** PostgreSQL type oid and name of a column that cannot be read as its schema type. */
  readonly oid?: number
  readonly postgresType?: string
  readonly columnType?: string
  readonly missingColumns?: readonly string[]
  readonly unknownColumns?: readonly string[]
  /** The header as read. */
  readonly header?: readonly string[]
  /** The fs error code (`ENOENT`, `EACCES`). */
  readonly errno?: string
  /** PostgreSQL's SQLSTATE (`42P01`). */
  readonly sqlState?: string
  /** Set when a catalog found nothing named like an input (its folder missing or without one): a scheduler waits, a run fails. */
  readonly noInput?: true
}

/** `PATH_INVALID`: a path that would escape its root, or that names the wrong kind of thing. */
export interface PathInvalidDetails extends CommonErrorDetails {
  readonly path?: string
  /** A symbolic link on the way, and where it leads. */
  readonly link?: string
  readonly target?: string
}

/** `STORAGE_FAILED`: a read, write, list or delete of stored bytes that failed. */
export interface StorageFailedDetails extends CommonErrorDetails {
  /** The path (relative to the storage root, or a local file) concerned. */
  readonly path?: string
  /** The S3 key concerned. */
  readonly key?: string
  /** The fs error code (`ENOSPC`, `EACCES`). */
  readonly errno?: string
}

/** `CONFLICT`: another writer changed the object between read and publish. */
export interface ConflictDetails extends CommonErrorDetails {
  readonly path?: string
  readonly key?: string
}

/** Who holds a lock, as its lock file says. */
export interface LockHolderDetails {
  readonly pid: number
  readonly host: string
  /** When it took the lock (ISO). */
  readonly since: string
  readonly instance?: string
}

/** `LOCKED`: another export holds the dataset's lock (or this one lost it). */
export interface LockedDetails extends CommonErrorDetails {
  readonly dataset?: string
  /** The lock's path in the storage. */
  readonly path?: string
  readonly holder?: LockHolderDetails
}

/** `WRITE_FAILED`: a Parquet file that could not be written. */
export interface WriteFailedDetails extends CommonErrorDetails {
  readonly path?: string
}

/** One problem found reading a written file back. */
export interface VerifyProblemDetails {
  readonly rowGroup?: number
  readonly column?: string
  readonly reason: string
}

/** `VERIFY_FAILED`: a file that does not read back as written. */
export interface VerifyFailedDetails extends CommonErrorDetails {
  /** The file, as named in the message. */
  readonly where?: string
  readonly problems?: readonly VerifyProblemDetails[]
}

/** `QUERY_FAILED`: a DuckDB (or job queue) query that failed. */
export interface QueryFailedDetails extends CommonErrorDetails {
  readonly sqlState?: string
}

/** `REJECTS_EXCEEDED`: more rejected records than the policy allows. */
export interface RejectsExceededDetails extends CommonErrorDetails {
  readonly rejected?: number
  readonly read?: number
}

/** `CONFIG_INVALID`: a config file or a dataset definition that does not hold. */
export interface ConfigInvalidDetails extends CommonErrorDetails {
  /** Every problem zod found in a config file. */
  readonly issues?: readonly ErrorIssue[]
  /** The dataset whose definition is wrong. */
  readonly dataset?: string
  /** The field of it that is wrong, as a dotted path (`partition.template`). */
  readonly field?: string
}

/**
 * The details each code carries, by code: what `error.details` holds once
 * {@link isParquetryError} has narrowed the code. Every field is optional (a
 * site sets what it knows); `transient` may come with any code.
 */
export interface ParquetryErrorDetails {
  SCHEMA_INVALID: SchemaInvalidDetails
  VALUE_INVALID: ValueInvalidDetails
  ROW_INVALID: RowInvalidDetails
  SOURCE_READ_FAILED: SourceReadFailedDetails
  PATH_INVALID: PathInvalidDetails
  STORAGE_FAILED: StorageFailedDetails
  CONFLICT: ConflictDetails
  LOCKED: LockedDetails
  WRITE_FAILED: WriteFailedDetails
  VERIFY_FAILED: VerifyFailedDetails
  QUERY_FAILED: QueryFailedDetails
  REJECTS_EXCEEDED: RejectsExceededDetails
  CONFIG_INVALID: ConfigInvalidDetails
  USAGE: CommonErrorDetails
  ABORTED: CommonErrorDetails
}

/**
 * Every error code Parquetry raises. Codes are stable: match on `error.code`,
 * never on the message.
 */
export type ParquetryErrorCode = keyof ParquetryErrorDetails

/** Options for {@link ParquetryError}. */
export interface ParquetryErrorOptions<C extends ParquetryErrorCode = ParquetryErrorCode> {
  /** The error this one wraps (a foreign fs, DuckDB or S3 error, for example). */
  cause?: unknown
  /** Structured details a caller can act on: see {@link ParquetryErrorDetails} for each code's. */
  details?: ParquetryErrorDetails[C]
}

// The brand every ParquetryError carries, from any copy of this package: two
// installed copies (a CLI and a library each with their own) share the
// `Symbol.for` registry, not their classes.
const BRAND = Symbol.for('parquetry.error')

function hasBrand(value: unknown): value is ParquetryError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true && typeof (value as { code?: unknown }).code === 'string'
}

/**
 * The one error class of Parquetry. Foreign errors are wrapped once at the
 * package edge with a `code`; Parquetry's own errors are rethrown unchanged.
 * `details` is typed by `code` ({@link ParquetryErrorDetails}).
 *
 * Every instance carries the brand `Symbol.for('parquetry.error')`, so
 * {@link isParquetryError} — and `instanceof ParquetryError` — recognise an
 * error made by another installed copy of `@parquetry/schema` too.
 */
export class ParquetryError<C extends ParquetryErrorCode = ParquetryErrorCode> extends Error {
  override readonly name = 'ParquetryError'
  readonly code: C
  readonly details: ParquetryErrorDetails[C]

  constructor(code: C, message: string, options: ParquetryErrorOptions<C> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    this.details = options.details ?? ({} as ParquetryErrorDetails[C])
  }

  /** `instanceof ParquetryError` holds for an error of any copy of the package (by its brand); a subclass checks its prototype chain as usual. */
  static override [Symbol.hasInstance](value: unknown): value is ParquetryError {
    if (this !== ParquetryError) return Function.prototype[Symbol.hasInstance].call(this, value)
    return hasBrand(value)
  }
}

// On the prototype, not on each instance: it does not show in logs, JSON or deep equality.
Object.defineProperty(ParquetryError.prototype, BRAND, { value: true })

/**
 * True when `error` is a ParquetryError — of this copy of the package or of
 * another (it checks the brand, not the class) — and, when `code` is given,
 * of that code; `error.details` is then typed for it.
 */
export function isParquetryError(error: unknown): error is ParquetryError
export function isParquetryError<C extends ParquetryErrorCode>(error: unknown, code: C): error is ParquetryError<C>
export function isParquetryError(error: unknown, code?: ParquetryErrorCode): error is ParquetryError {
  return hasBrand(error) && (code === undefined || error.code === code)
}

/**
 * Wraps a foreign error in a {@link ParquetryError} with `code`, keeping it as
 * `cause` and its message after `message`. A ParquetryError (of any copy of
 * the package) passes through unchanged, so an error is wrapped once.
 */
export function wrapError<C extends ParquetryErrorCode>(error: unknown, code: C, message: string, details?: ParquetryErrorDetails[C]): ParquetryError {
  if (isParquetryError(error)) return error
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
  if (isParquetryError(error)) {
    if (error.code === 'LOCKED') return true
    if (error.details.transient === true) return true
    if (['SCHEMA_INVALID', 'VALUE_INVALID', 'ROW_INVALID', 'REJECTS_EXCEEDED', 'CONFIG_INVALID', 'USAGE', 'ABORTED', 'PATH_INVALID'].includes(error.code)) return false
    const sqlState = (error.details as { sqlState?: unknown }).sqlState
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
