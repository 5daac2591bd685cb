import { builtinSchemas, indexAdvisorSchema, optimizationSummarySchema, pageviewsSchema, queryPerfSchema, queryPerfWeeklySchema, type DatasetSchema, type Row } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { duckDbDescribe, duckDbQuery, useTempDir } from '@parquetry/testing'
import { describe, expect, it } from 'vitest'
import { writeParquet } from './parquet-file-writer.js'

// The column names and DuckDB types exactly as seed 000 (query_perf, index_advisor,
// optimization_summary) and seed 003 (pageviews: int16 is SMALLINT, date32 is DATE) list them.
const seedColumns: Record<string, [string, string][]> = {
  query_perf: [
    ['timestamp', 'TIMESTAMP'], ['query_hash', 'VARCHAR'], ['query_type', 'VARCHAR'], ['execution_time_ms', 'DOUBLE'],
    ['rows_examined', 'BIGINT'], ['rows_returned', 'BIGINT'], ['cache_hit', 'BOOLEAN'], ['table_name', 'VARCHAR'],
    ['index_used', 'VARCHAR'], ['cpu_time_ms', 'DOUBLE'], ['io_wait_ms', 'DOUBLE'], ['date_partition', 'DATE'],
  ],
  query_perf_weekly: [
    ['timestamp', 'TIMESTAMP'], ['query_hash', 'VARCHAR'], ['query_type', 'VARCHAR'], ['execution_time_ms', 'DOUBLE'],
    ['rows_examined', 'BIGINT'], ['rows_returned', 'BIGINT'], ['cache_hit', 'BOOLEAN'], ['table_name', 'VARCHAR'],
    ['index_used', 'VARCHAR'], ['cpu_time_ms', 'DOUBLE'], ['io_wait_ms', 'DOUBLE'], ['date_partition', 'DATE'],
  ],
  index_advisor: [
    ['timestamp', 'TIMESTAMP'], ['table_name', 'VARCHAR'], ['recommended_index', 'VARCHAR'], ['query_pattern', 'VARCHAR'],
    ['estimated_speedup', 'DOUBLE'], ['estimated_cost', 'DOUBLE'], ['priority', 'VARCHAR'], ['status', 'VARCHAR'],
    ['date_partition', 'DATE'],
  ],
  optimization_summary: [
    ['timestamp', 'TIMESTAMP'], ['event_type', 'VARCHAR'], ['metric_name', 'VARCHAR'], ['metric_value', 'DOUBLE'],
    ['metadata', 'JSON'], ['date_partition', 'DATE'],
  ],
  pageviews: [
    ['id', 'BIGINT'], ['project_id', 'INTEGER'], ['project_slug', 'VARCHAR'], ['version_id', 'INTEGER'],
    ['version_slug', 'VARCHAR'], ['path', 'VARCHAR'], ['full_path', 'VARCHAR'], ['view_count', 'INTEGER'],
    ['date', 'DATE'], ['status', 'SMALLINT'],
  ],
}

const queryPerfRow: Row = {
  timestamp: 1761610523000000n, query_hash: 'a1b2c3', query_type: 'SELECT', execution_time_ms: 45.2, rows_examined: 1234n,
  rows_returned: 10n, cache_hit: false, table_name: 'embeddings', index_used: 'idx_namespace', cpu_time_ms: null, io_wait_ms: null,
  date_partition: '2025-10-28',
}

const samples: [DatasetSchema, Row][] = [
  [queryPerfWeeklySchema, queryPerfRow],
  [queryPerfSchema, {
    timestamp: 1761610523000000n, query_hash: 'a1b2c3', query_type: 'SELECT', execution_time_ms: 45.2, rows_examined: 1234n,
    rows_returned: 10n, cache_hit: false, table_name: 'embeddings', index_used: 'idx_namespace', cpu_time_ms: null, io_wait_ms: null,
    date_partition: '2025-10-28',
  }],
  [indexAdvisorSchema, {
    timestamp: 1761624000000000n, table_name: 'embeddings', recommended_index: 'idx_embedding_vector',
    query_pattern: 'WHERE namespace = ? AND vector LIKE ?', estimated_speedup: 3.5, estimated_cost: null, priority: 'high', status: null,
    date_partition: '2025-10-28',
  }],
  [optimizationSummarySchema, {
    timestamp: 1761624000000000n, event_type: 'index_created', metric_name: 'speedup', metric_value: 3.5,
    metadata: '{"table":"embeddings"}', date_partition: '2025-10-28',
  }],
  [pageviewsSchema, {
    id: 9007199254740993n, project_id: 42, project_slug: 'pip', version_id: null, version_slug: null, path: '/index.html',
    full_path: null, view_count: 17, date: '2026-01-15', status: 200,
  }],
]

const dir = useTempDir()

describe('built-in schemas', () => {
  it('cover exactly the seed datasets', () => {
    expect(Object.keys(builtinSchemas).sort()).toEqual(Object.keys(seedColumns).sort())
  })

  it.each(samples)('%s writes a file DuckDB reads with the seed column names and types', async (schema, row) => {
    const storage = createLocalStorage({ root: dir.path })
    await writeParquet({ schema, rows: [row], sink: await storage.createSink(`${schema.name}.parquet`) })
    const path = storage.resolvePath(`${schema.name}.parquet`)
    const described = await duckDbDescribe(path)
    expect(described.map((column) => [column.name, column.type])).toEqual(seedColumns[schema.name])
    const [read] = await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1)', [path])
    expect(read).toEqual({ n: 1n })
  })
})
