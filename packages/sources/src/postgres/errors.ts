import { ParquetryError, type ParquetryErrorCode } from '@parquetry/schema'

interface PgErrorFields {
  message?: string
  code?: string
  detail?: string
  hint?: string
}

/**
 * Wraps a foreign (pg, socket) error once, at this package's edge, as
 * `code` (default `SOURCE_READ_FAILED`) with `context` before its reason:
 * `pageviews: COPY failed: terminating connection due to administrator
 * command`. PostgreSQL's detail and hint follow the reason; its SQLSTATE is
 * `details.sqlState`. Everything passes through `redact`, and a cause whose
 * text held a secret is replaced by a redacted copy. A ParquetryError passes
 * through unchanged.
 */
export function postgresFailure(error: unknown, context: string, redact: (text: string) => string, code: ParquetryErrorCode = 'SOURCE_READ_FAILED'): ParquetryError {
  if (error instanceof ParquetryError) return error
  const fields: PgErrorFields = error !== null && typeof error === 'object' ? (error as PgErrorFields) : {}
  const raw = error instanceof Error ? error.message : String(error)
  // AggregateError (every address of a host refused) has an empty message: name its errors.
  const reasons = raw || (error instanceof AggregateError ? error.errors.map((item: unknown) => (item instanceof Error ? item.message : String(item))).join('; ') : '') || 'unknown error'
  let reason = reasons
  if (fields.detail) reason += ` (${fields.detail})`
  if (fields.hint) reason += ` hint: ${fields.hint}`
  const redacted = redact(reason)
  const sqlState = typeof fields.code === 'string' && /^[0-9A-Z]{5}$/.test(fields.code) ? fields.code : undefined
  const cause = redacted === reason ? error : Object.assign(new Error(redact(raw)), sqlState ? { code: sqlState } : {})
  return new ParquetryError(code, `${context}: ${redacted}`, { cause, ...(sqlState ? { details: { sqlState } } : {}) })
}

/** `error` with `name: ` before its message when it does not name the source yet (errors of a session name the connection). */
export function namingSource(error: unknown, name: string): unknown {
  if (!(error instanceof ParquetryError) || error.message.startsWith(`${name}: `) || error.code === 'ABORTED' || error.code === 'USAGE') return error
  return new ParquetryError(error.code, `${name}: ${error.message}`, { cause: error.cause, details: error.details })
}
