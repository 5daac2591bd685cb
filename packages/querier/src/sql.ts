import { createLayout } from '@parquetry/partitioner'
import { ParquetryError, quoteIdentifier, toDuckDbType, type DatasetSchema } from '@parquetry/schema'
import type { DatasetLayout } from './datasets.js'

/** A SQL string literal (`'it''s'`). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

const integerTokens = new Set(['yyyy', 'mm', 'dd', 'yyyymmdd', 'yyyyww'])

/**
 * The hive keys of a layout (`year`, `month`, `date`, `currency`, ...) and
 * their DuckDB types, so every file agrees: `{date}` is a DATE, the other
 * date tokens INTEGERs, `{dataset}` VARCHAR, a `{column}` the column's type.
 */
export function hiveTypes(layout: DatasetLayout): Record<string, string> {
  const types: Record<string, string> = {}
  const compiled = createLayout({ template: layout.template, dataset: layout.name, columns: layout.schema.columns })
  for (const token of compiled.tokens) {
    if (!token.hiveKey) continue
    const column = layout.schema.columns.find((candidate) => candidate.name === token.name)
    types[token.hiveKey] =
      token.kind === 'column' && column ? toDuckDbType(column) : token.name === 'date' ? 'DATE' : integerTokens.has(token.name) ? 'INTEGER' : 'VARCHAR'
  }
  return types
}

const globCharacters = /[*?[{]/

/**
 * A file path as DuckDB must be given it to read exactly that file: DuckDB
 * takes every path it reads as a glob (`*`, `?`, `[`, and `**`), so each of
 * `* ? [ {` becomes a one-character class (`data[1]` → `data[[]1]`), which
 * matches only itself. A path without them is returned unchanged. (`{` is
 * not a glob character in DuckDB 1.5; it is escaped all the same, so that a
 * later brace expansion cannot widen a path.)
 *
 * @throws ParquetryError `PATH_INVALID` for a path holding both a backslash
 *   and a glob character outside Windows: once DuckDB globs a path it takes
 *   `\` for a separator, so no spelling of it names only that file.
 */
export function escapeGlob(path: string): string {
  if (!globCharacters.test(path)) return path
  if (path.includes('\\') && process.platform !== 'win32') {
    throw new ParquetryError('PATH_INVALID', `DuckDB cannot read ${JSON.stringify(path)} exactly: a path holding both a backslash and * ? [ or { is read as a glob with \\ as a separator; rename the folder`, { details: { path } })
  }
  return path.replace(/[*?[{]/g, '[$&]')
}

/**
 * `read_parquet(...)` over files, each read literally (see
 * {@link escapeGlob}: a path is never taken as a glob), with hive
 * partitioning on and the hive keys typed from the layout.
 */
export function readParquetSql(files: string | readonly string[], layout: DatasetLayout): string {
  const paths = typeof files === 'string' ? [files] : files
  const source = `[${paths.map((path) => quoteLiteral(escapeGlob(path))).join(', ')}]`
  const types = Object.entries(hiveTypes(layout))
  const typed = types.length > 0 ? `, hive_types = {${types.map(([key, type]) => `${quoteLiteral(key)}: ${type}`).join(', ')}}` : ''
  return `read_parquet(${source}, hive_partitioning = true${typed})`
}

/** A typed relation with the schema's columns (and hive keys) and no rows: the view of a dataset that has no files yet. */
export function emptyRelationSql(layout: DatasetLayout): string {
  const schema: DatasetSchema = layout.schema
  const columns = schema.columns.map((column) => `CAST(NULL AS ${toDuckDbType(column)}) AS ${quoteIdentifier(column.name)}`)
  for (const [key, type] of Object.entries(hiveTypes(layout))) {
    if (!schema.columns.some((column) => column.name === key)) columns.push(`CAST(NULL AS ${type}) AS ${quoteIdentifier(key)}`)
  }
  return `SELECT ${columns.join(', ')} WHERE false`
}
