import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api'

let instance: Promise<DuckDBInstance> | undefined

async function connect() {
  instance ??= DuckDBInstance.create(':memory:')
  return (await instance).connect()
}

/**
 * Runs SQL in an in-memory DuckDB and returns the rows as objects of DuckDB's
 * own JS values (BIGINT as bigint, DATE/TIMESTAMP as DuckDB value objects).
 * `params` are bound ($1, $2, ...), never interpolated.
 */
export async function duckDbQuery(sql: string, params?: DuckDBValue[]): Promise<Record<string, DuckDBValue>[]> {
  const connection = await connect()
  try {
    const reader = await connection.runAndReadAll(sql, params)
    return reader.getRowObjects()
  } finally {
    connection.closeSync()
  }
}

/** One column of DuckDB's DESCRIBE. */
export interface DescribedColumn {
  name: string
  type: string
}

/** DuckDB's DESCRIBE of a Parquet file (or glob). */
export async function duckDbDescribe(path: string): Promise<DescribedColumn[]> {
  const rows = await duckDbQuery('DESCRIBE SELECT * FROM read_parquet($1)', [path])
  return rows.map((row) => ({ name: String(row['column_name']), type: String(row['column_type']) }))
}
