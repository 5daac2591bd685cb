import { quoteIdentifier, toDuckDbType, type DatasetSchema } from '@parquetry/schema'

/** A SQL string literal (`'it''s'`). */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}

/** Hive keys in a template (`year`, `month`, `date`, ...), typed for DuckDB so every file agrees. */
export function hiveTypes(template: string): Record<string, string> {
  const types: Record<string, string> = {}
  for (const [, key, value] of template.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=\{([a-z]+)\}/g)) {
    types[key as string] = value === 'date' ? 'DATE' : value === 'yyyy' || value === 'mm' || value === 'dd' || value === 'yyyymmdd' || value === 'yyyyww' ? 'INTEGER' : 'VARCHAR'
  }
  return types
}

/**
 * `read_parquet(...)` over files (a glob or an explicit list), with hive
 * partitioning on and the hive keys typed from the template.
 */
export function readParquetSql(files: string | readonly string[], template: string): string {
  const source = typeof files === 'string' ? quoteLiteral(files) : `[${files.map(quoteLiteral).join(', ')}]`
  const types = Object.entries(hiveTypes(template))
  const typed = types.length > 0 ? `, hive_types = {${types.map(([key, type]) => `${quoteLiteral(key)}: ${type}`).join(', ')}}` : ''
  return `read_parquet(${source}, hive_partitioning = true${typed})`
}

/** A typed relation with the schema's columns and no rows: the view of a dataset that has no files yet. */
export function emptyRelationSql(schema: DatasetSchema, template: string): string {
  const columns = schema.columns.map((column) => `CAST(NULL AS ${toDuckDbType(column)}) AS ${quoteIdentifier(column.name)}`)
  for (const [key, type] of Object.entries(hiveTypes(template))) {
    if (!schema.columns.some((column) => column.name === key)) columns.push(`CAST(NULL AS ${type}) AS ${quoteIdentifier(key)}`)
  }
  return `SELECT ${columns.join(', ')} WHERE false`
}
