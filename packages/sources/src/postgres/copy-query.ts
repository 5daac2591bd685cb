import { formatTimestamp, ParquetryError, type ColumnDefinition, type ColumnType } from '@parquetry/schema'
import type pg from 'pg'
import { bindCopyParameters, copyParameterType, parameterSetting, type CopyParameterType } from './bind-parameters.js'
import type { PgParam } from './options.js'
import { pgType } from './type-mapping.js'

/** What copy-rows.ts needs of a session. */
export interface CopyHost {
  readonly description: string
  readonly strictUtf8: boolean
  readonly client: pg.Client
  readonly redact: (text: string) => string
  run(sql: string, params: readonly PgParam[], what: string): Promise<pg.QueryResult | pg.QueryResult[]>
  beginCopy(name: string): void
  endCopy(completed: boolean): void
  destroy(reason: string): void
}

/** A query ready for COPY: its text with parameters bound, and its columns. */
export interface PreparedCopy {
  /** The query with `$n` replaced by transaction-local settings. */
  sql: string
  columns: { name: string; oid: number }[]
}

let statements = 0

const single = (result: pg.QueryResult | pg.QueryResult[]): pg.QueryResult => (Array.isArray(result) ? (result.at(-1) as pg.QueryResult) : result)

// The query inside parentheses: a trailing `;` goes, and a trailing `-- comment` must not swallow the `)`.
function enclosed(sql: string): string {
  return `(\n${sql.replace(/;[\s;]*$/, '')}\n)`
}

/**
 * Binds `params` for COPY: the server infers each parameter's type (PREPARE,
 * then pg_prepared_statements), the values are set as transaction-local
 * settings (bound, never in the SQL), and the text reads them back cast.
 * A bigint for a timestamp parameter is taken as µs since 1970 UTC.
 */
async function bindParameters(host: CopyHost, name: string, sql: string, params: readonly PgParam[]): Promise<string> {
  if (params.length === 0) return bindCopyParameters(sql, [])
  const statement = `parquetry_copy_${process.pid}_${++statements}`
  await host.run(`PREPARE ${statement} AS ${sql.replace(/;[\s;]*$/, '')}\n`, [], 'the query does not parse')
  let typeNames: string[]
  try {
    const result = single(await host.run('SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = $1', [statement], 'reading the parameter types failed'))
    typeNames = (result.rows[0] as { types: string[] } | undefined)?.types ?? []
  } finally {
    await host.run(`DEALLOCATE ${statement}`, [], 'DEALLOCATE failed')
  }
  if (typeNames.length !== params.length) {
    throw new ParquetryError('USAGE', `${name}: the query has ${typeNames.length} parameter${typeNames.length === 1 ? '' : 's'} and ${params.length} value${params.length === 1 ? ' was' : 's were'} given`)
  }
  const types: CopyParameterType[] = typeNames.map((typeName, index) => {
    const type = copyParameterType(typeName)
    if (!type) throw new ParquetryError('USAGE', `${name}: parameter $${index + 1} is of type ${typeName}, which COPY cannot bind; cast it in the query ($${index + 1}::text)`)
    return type
  })
  // A NULL has no setting (set_config would make it ''): its `$n` becomes NULL::type.
  const settings: { index: number; text: string }[] = []
  params.forEach((value, index) => {
    if (value === null) return
    const type = types[index]
    settings.push({ index: index + 1, text: typeof value === 'bigint' && (type === 'timestamptz' || type === 'timestamp') ? formatTimestamp(value) : String(value) })
  })
  if (settings.length > 0) {
    const setters = settings.map((setting, position) => `set_config('${parameterSetting(setting.index)}', $${position + 1}::text, true)`)
    await host.run(`SELECT ${setters.join(', ')}`, settings.map((setting) => setting.text), 'binding the parameters failed')
  }
  return bindCopyParameters(sql, types, { nulls: params.map((value) => value === null) })
}

const castFor: Record<ColumnType, string> = {
  string: 'text',
  boolean: 'boolean',
  int16: 'smallint',
  int32: 'integer',
  int64: 'bigint',
  double: 'float8',
  date: 'date',
  timestamp: 'timestamptz',
  json: 'jsonb',
}

async function typeName(host: CopyHost, oid: number): Promise<string> {
  try {
    const rows = single(await host.run('SELECT format_type($1::oid, NULL) AS name', [oid], 'naming a type failed')).rows as { name: string }[]
    return rows[0]?.name ?? `OID ${oid}`
  } catch {
    return `OID ${oid}`
  }
}

/**
 * Binds the parameters, describes `SELECT * FROM (sql) q LIMIT 0` and checks
 * its columns: every type must be one the decoder reads, no name may repeat,
 * and a column of `columns` must be able to take its values.
 *
 * @throws ParquetryError `SOURCE_READ_FAILED` naming the column, its
 *   PostgreSQL type and the fix (`cast it in the query`); `USAGE` for
 *   parameters that do not match the query.
 */
export async function prepareCopy(host: CopyHost, name: string, sql: string, params: readonly PgParam[], columns: readonly ColumnDefinition[] | undefined): Promise<PreparedCopy> {
  const bound = await bindParameters(host, name, sql, params)
  const described = single(await host.run(`SELECT * FROM ${enclosed(bound)} q LIMIT 0`, [], 'the query failed'))
  const fields = described.fields.map((field) => ({ name: field.name, oid: field.dataTypeID }))
  const seen = new Set<string>()
  for (const field of fields) {
    if (seen.has(field.name)) throw new ParquetryError('SOURCE_READ_FAILED', `${name}: the query returns two columns named ${field.name}; give one of them another name (AS)`)
    seen.add(field.name)
    const type = pgType(field.oid)
    if (!type) {
      throw new ParquetryError('SOURCE_READ_FAILED', `${name}: column ${field.name} is of PostgreSQL type ${await typeName(host, field.oid)}, which the reader does not decode; cast it in the query (${field.name}::text)`, {
        details: { column: field.name, oid: field.oid },
      })
    }
    const column = columns?.find((candidate) => candidate.name === field.name)
    if (column && !type.columns.includes(column.type)) {
      const lossy = type.name === 'numeric' ? ' (its values would lose digits)' : ''
      throw new ParquetryError(
        'SOURCE_READ_FAILED',
        `${name}: column ${field.name} is ${type.name} in PostgreSQL, which a ${column.type} column does not take${lossy}; cast it in the query (${field.name}::${castFor[column.type]})`,
        { details: { column: field.name, postgresType: type.name, columnType: column.type } },
      )
    }
  }
  return { sql: bound, columns: fields }
}

/** `COPY (sql) TO STDOUT (FORMAT binary)` of a prepared query. */
export function copyStatement(prepared: PreparedCopy): string {
  return `COPY ${enclosed(prepared.sql)} TO STDOUT (FORMAT binary)`
}
