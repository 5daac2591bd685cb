import { ParquetryError } from '@parquetry/schema'

/** `table` or `schema.table`, plain identifiers only (no quotes, spaces or dots inside a part). */
const QUALIFIED_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/

/**
 * Checks a table name of the options (`table` or `schema.table`) and returns
 * it double-quoted part by part, ready to splice into SQL. Quoting keeps the
 * case as written. Throws `CONFIG_INVALID` for anything else, so that no
 * option ever reaches SQL unchecked.
 */
export function quoteQualifiedName(name: string, option: string): string {
  if (!QUALIFIED_NAME.test(name)) {
    throw new ParquetryError('CONFIG_INVALID', `distributed queue: ${option} must be an identifier or schema.identifier (letters, digits, _), got ${JSON.stringify(name)}`)
  }
  return name
    .split('.')
    .map((part) => `"${part}"`)
    .join('.')
}

/** The schema part of a qualified name, when there is one. */
export function schemaOf(name: string): string | undefined {
  const dot = name.indexOf('.')
  return dot === -1 ? undefined : name.slice(0, dot)
}

/**
 * `postgres://host:port/database` of a connection string, for logs: never the
 * user's password (nor the user, nor query parameters that may carry one).
 */
export function describeDatabase(connectionString: string): string {
  try {
    const url = new URL(connectionString)
    return `postgres://${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname || '/'}`
  } catch {
    return 'postgres://(not a URL)'
  }
}
