// Test data shared by the querier's tests (not exported by the package).
import { createLayout } from '@parquetry/partitioner'
import { indexAdvisorSchema, parseTimestampText, queryPerfSchema, type Row } from '@parquetry/schema'
import type { Storage } from '@parquetry/storage'
import { writeParquet } from '@parquetry/writer'
import type { DatasetLayout } from './datasets.js'

/** The seed's query_perf layout, and index_advisor beside it. */
export function opsLayouts(template = '{dataset}/year={yyyy}/month={mm}/{dataset}_{yyyymmdd}.parquet'): DatasetLayout[] {
  return [
    { name: 'query_perf', view: 'query_performance', schema: queryPerfSchema, template },
    { name: 'index_advisor', view: 'index_recommendations', schema: indexAdvisorSchema, template },
  ]
}

/**
 * `count` query_perf rows of a date: execution times 1, 2, …, count ms (so
 * a day's sum is count·(count+1)/2), query_hash `marker`, query_type
 * alternating SELECT / UPDATE.
 */
export function queryPerfRows(date: string, count: number, marker = 'h'): Row[] {
  return Array.from({ length: count }, (_, index) => ({
    timestamp: parseTimestampText(`${date}T${String(index % 24).padStart(2, '0')}:00:00Z`) as bigint,
    query_hash: marker,
    query_type: index % 2 === 0 ? 'SELECT' : 'UPDATE',
    execution_time_ms: index + 1,
    rows_examined: BigInt(index),
    rows_returned: 1n,
    cache_hit: false,
    table_name: 'embeddings',
    index_used: null,
    cpu_time_ms: null,
    io_wait_ms: null,
    date_partition: date,
  }))
}

/** One index_advisor row of a date. */
export function indexAdvisorRows(date: string): Row[] {
  return [{ timestamp: parseTimestampText(`${date}T04:00:00Z`) as bigint, table_name: 'embeddings', recommended_index: 'idx_v', query_pattern: null, estimated_speedup: 3.5, estimated_cost: null, priority: 'high', status: null, date_partition: date }]
}

/** Writes rows of one date where the layout puts them (one file per value of its column tokens); returns the paths. */
export async function writeDate(storage: Storage, layout: DatasetLayout, date: string, rows: readonly Row[], options: { rowGroupSize?: number } = {}): Promise<string[]> {
  const compiled = createLayout({ template: layout.template, dataset: layout.name, columns: layout.schema.columns })
  const files = new Map<string, Row[]>()
  for (const row of rows) {
    const path = compiled.render(date, row)
    const list = files.get(path) ?? []
    list.push(row)
    files.set(path, list)
  }
  for (const [path, fileRows] of files) {
    await writeParquet({ schema: layout.schema, rows: fileRows, sink: await storage.createSink(path), ...(options.rowGroupSize ? { rowGroupSize: options.rowGroupSize } : {}) })
  }
  return [...files.keys()]
}
