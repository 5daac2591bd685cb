import type { Column, ColumnType, DatasetSchema } from './types.js'

const duckDbTypes: Record<ColumnType, string> = {
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  int16: 'SMALLINT',
  int32: 'INTEGER',
  int64: 'BIGINT',
  double: 'DOUBLE',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  json: 'JSON',
}

/** The DuckDB type a column reads back as (`TIMESTAMP`, `BIGINT`, ...). */
export function toDuckDbType(column: Pick<Column, 'type'>): string {
  return duckDbTypes[column.type]
}

/** Column names and DuckDB types of a dataset, in order, as DuckDB's DESCRIBE shows them. */
export function toDuckDbColumns(schema: DatasetSchema): { name: string; type: string; nullable: boolean }[] {
  return schema.columns.map((column) => ({ name: column.name, type: toDuckDbType(column), nullable: column.nullable }))
}

/** Quotes an identifier for DuckDB SQL (`"date"`), doubling embedded quotes. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** A `CREATE TABLE` statement for the dataset (no data), for tools that want DDL. */
export function toDuckDbDdl(schema: DatasetSchema, tableName: string = schema.name): string {
  const lines = schema.columns.map(
    (column) => `  ${quoteIdentifier(column.name)} ${toDuckDbType(column)}${column.nullable ? '' : ' NOT NULL'}`,
  )
  return `CREATE TABLE ${quoteIdentifier(tableName)} (\n${lines.join(',\n')}\n);`
}
