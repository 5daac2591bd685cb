import type { CliIo } from '../io.js'
import { formatTable } from '../output/table.js'

/** Seed 000's Phase 4 validation query, over a glob bound as $1. */
export const validationSql = `SELECT
  date_partition,
  COUNT(*) as query_count,
  AVG(execution_time_ms) as avg_execution_ms,
  MAX(execution_time_ms) as max_execution_ms
FROM read_parquet($1)
GROUP BY date_partition
ORDER BY date_partition DESC
LIMIT 30`

/** Runs the seed's validation query over `<root>/query_perf/**\/*.parquet` with DuckDB and returns its rows. */
export async function runValidationQuery(root: string): Promise<{ date_partition: string; query_count: number; avg_execution_ms: number; max_execution_ms: number }[]> {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    let reader
    try {
      reader = await connection.runAndReadAll(validationSql, [`${root}/query_perf/**/*.parquet`])
    } catch (error) {
      if (/No files found/i.test((error as Error).message)) return []
      throw error
    }
    return reader.getRowObjectsJson().map((row) => ({
      date_partition: String(row['date_partition']),
      query_count: Number(row['query_count']),
      avg_execution_ms: Math.round(Number(row['avg_execution_ms']) * 100) / 100,
      max_execution_ms: Number(row['max_execution_ms']),
    }))
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

/** Prints the validation query's result as a table. */
export async function printValidationQuery(io: CliIo, root: string): Promise<void> {
  const rows = await runValidationQuery(root)
  io.stdout.write(`\nThe seed's validation query over ${root}/query_perf:\n${rows.length > 0 ? formatTable(rows) : '(no query_perf files)\n'}`)
}
