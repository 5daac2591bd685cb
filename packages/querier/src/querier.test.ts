import { DuckDBInstance } from '@duckdb/node-api'
import { queryPerfSchema, indexAdvisorSchema, optimizationSummarySchema, pageviewsSchema, queryPerfWeeklySchema, parseTimestampText, type Row } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { useTempDir } from '@parquetry/testing'
import { writeParquet } from '@parquetry/writer'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeCatalog } from './catalog.js'
import type { DatasetLayout } from './datasets.js'
import { listLayoutFiles } from './files.js'
import { Querier } from './querier.js'
import { dailySummary, slowQueries, weeklyTrend } from './reports.js'

const dir = useTempDir()

// The ops preset's layouts (in the CLI they come from @parquetry/pipeline's definitions).
const layouts: DatasetLayout[] = [
  { name: 'query_perf', view: 'query_performance', schema: queryPerfSchema, template: 'query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet' },
  { name: 'query_perf_weekly', view: 'query_perf_weekly', schema: queryPerfWeeklySchema, template: 'query_perf_weekly/year={yyyy}/month={mm}/query_perf_weekly_{yyyymmdd}.parquet' },
  { name: 'index_advisor', view: 'index_recommendations', schema: indexAdvisorSchema, template: 'index_advisor/year={yyyy}/month={mm}/index_advisor_{yyyymmdd}.parquet' },
  { name: 'optimization_summary', view: 'optimization_summary', schema: optimizationSummarySchema, template: 'optimization_summary/year={yyyy}/month={mm}/optimization_summary_{yyyymmdd}.parquet' },
  { name: 'pageviews', view: 'pageviews', schema: pageviewsSchema, template: 'pageviews/project={project_slug}/date={date}/pageviews_{yyyymmdd}.parquet' },
]

// Known data: on day d (1..5 of October 2025), 10 queries with execution times d, 2d, ..., 10d ms.
function dayRows(day: number): Row[] {
  const date = `2025-10-0${day}`
  return Array.from({ length: 10 }, (_, index) => ({
    timestamp: (parseTimestampText(`${date}T0${index}:00:00Z`) as bigint),
    query_hash: `h${index}`,
    query_type: index % 2 === 0 ? 'SELECT' : 'UPDATE',
    execution_time_ms: day * (index + 1),
    rows_examined: BigInt(index * 100),
    rows_returned: 1n,
    cache_hit: false,
    table_name: 'embeddings',
    index_used: index === 9 ? null : 'idx_namespace',
    cpu_time_ms: null,
    io_wait_ms: null,
    date_partition: date,
  }))
}

beforeAll(async () => {
  const storage = createLocalStorage({ root: dir.path })
  for (let day = 1; day <= 5; day++) {
    await writeParquet({ schema: queryPerfSchema, rows: dayRows(day), sink: await storage.createSink(`query_perf/year=2025/month=10/query_perf_2025100${day}.parquet`) })
  }
  await writeParquet({
    schema: indexAdvisorSchema,
    rows: [{ timestamp: parseTimestampText('2025-10-05T04:00:00Z') as bigint, table_name: 'embeddings', recommended_index: 'idx_v', query_pattern: null, estimated_speedup: 3.5, estimated_cost: null, priority: 'high', status: null, date_partition: '2025-10-05' }],
    sink: await storage.createSink('index_advisor/year=2025/month=10/index_advisor_20251005.parquet'),
  })
})

describe('Querier', () => {
  it('makes one view per dataset, seed names first, empty typed views where there are no files', async () => {
    const querier = await Querier.create({ root: dir.path, layouts })
    try {
      expect(querier.views.map((view) => [view.dataset, view.view, view.files])).toEqual([
        ['query_perf', 'query_performance', 5],
        ['query_perf_weekly', 'query_perf_weekly', 0],
        ['index_advisor', 'index_recommendations', 1],
        ['optimization_summary', 'optimization_summary', 0],
        ['pageviews', 'pageviews', 0],
      ])
      expect((await querier.query('SELECT count(*) AS n, sum(execution_time_ms) AS total FROM query_performance')).rows).toEqual([{ n: 50, total: 825 }])
      expect((await querier.query('SELECT count(*) AS n FROM optimization_summary')).rows).toEqual([{ n: 0 }])
      expect((await querier.query("SELECT recommended_index, priority FROM index_recommendations")).rows).toEqual([{ recommended_index: 'idx_v', priority: 'high' }])
      const described = await querier.describe('query_perf')
      expect(described.slice(0, 12).map((column) => `${column.name} ${column.type}`)).toEqual(queryPerfSchema.columns.map((column, index) => `${column.name} ${['TIMESTAMP', 'VARCHAR', 'VARCHAR', 'DOUBLE', 'BIGINT', 'BIGINT', 'BOOLEAN', 'VARCHAR', 'VARCHAR', 'DOUBLE', 'DOUBLE', 'DATE'][index]}`))
      expect(described.slice(12).map((column) => `${column.name} ${column.type}`).sort()).toEqual(['month INTEGER', 'year INTEGER'])
      expect((await querier.describe('optimization_summary')).map((column) => column.name)).toEqual(['timestamp', 'event_type', 'metric_name', 'metric_value', 'metadata', 'date_partition', 'year', 'month'])
    } finally {
      querier.close()
    }
  })

  it('prunes by hive keys and binds parameters, never interpolating them', async () => {
    const querier = await Querier.create({ root: dir.path, layouts })
    try {
      expect((await querier.query('SELECT count(*) AS n FROM query_performance WHERE year = $year AND month = $month AND date_partition = $day::DATE', { year: 2025, month: 10, day: '2025-10-03' })).rows).toEqual([{ n: 10 }])
      const hostile = "x' OR '1'='1"
      expect((await querier.query('SELECT count(*) AS n FROM query_performance WHERE query_hash = $1', [hostile])).rows).toEqual([{ n: 0 }])
      await expect(querier.query('SELECT * FROM nope')).rejects.toMatchObject({ code: 'QUERY_FAILED' })
    } finally {
      querier.close()
    }
  })

  it('runs the macros; avg_query_time counts back from the newest date of the data, whatever the clock says', async () => {
    const querier = await Querier.create({ root: dir.path, layouts })
    try {
      const { rows: days } = await querier.query<{ first: string; last: string; n: number }>('SELECT min(date_partition)::VARCHAR AS first, max(date_partition)::VARCHAR AS last, count(DISTINCT date_partition)::INTEGER AS n FROM query_performance')
      expect(days).toEqual([{ first: '2025-10-01', last: '2025-10-05', n: 5 }])
      // 5 days back from the newest date: every row; 1 day: the newest date's rows only; 0: none.
      expect((await querier.query('SELECT avg_query_time(5) AS avg')).rows).toEqual([{ avg: 16.5 }])
      const newest = await querier.query("SELECT AVG(execution_time_ms) AS avg FROM query_performance WHERE date_partition = DATE '2025-10-05'")
      expect((await querier.query('SELECT avg_query_time(1) AS avg')).rows).toEqual(newest.rows)
      expect((await querier.query('SELECT avg_query_time($days) AS avg', { days: 4 })).rows).not.toEqual([{ avg: 16.5 }])
      expect((await querier.query('SELECT avg_query_time(0) AS avg')).rows).toEqual([{ avg: null }])
      // Strictly slower than 45 ms: only the 50 ms query of day 5.
      expect((await querier.query('SELECT query_hash, execution_time_ms FROM slow_queries(45)')).rows).toEqual([{ query_hash: 'h9', execution_time_ms: 50 }])
    } finally {
      querier.close()
    }
  })
})

describe('reports', () => {
  it('daily-summary, slow-queries and weekly-trend return exact rows', async () => {
    const querier = await Querier.create({ root: dir.path, layouts })
    try {
      expect(await dailySummary(querier)).toEqual([5, 4, 3, 2, 1].map((day) => ({ date_partition: `2025-10-0${day}`, query_count: 10, avg_execution_ms: 5.5 * day, max_execution_ms: 10 * day })))
      expect(await dailySummary(querier, { limit: 2 })).toHaveLength(2)
      expect(await slowQueries(querier, { thresholdMs: 40, limit: 3 })).toEqual([
        { timestamp: '2025-10-05 09:00:00', query_hash: 'h9', query_type: 'UPDATE', execution_time_ms: 50, table_name: 'embeddings', index_used: null, date_partition: '2025-10-05' },
        { timestamp: '2025-10-05 08:00:00', query_hash: 'h8', query_type: 'SELECT', execution_time_ms: 45, table_name: 'embeddings', index_used: 'idx_namespace', date_partition: '2025-10-05' },
      ])
      expect(await weeklyTrend(querier, { endDate: '2025-10-04' })).toEqual([1, 2, 3, 4].map((day) => ({ date_partition: `2025-10-0${day}`, queries: 10, avg_ms: 5.5 * day })))
      expect(await weeklyTrend(querier, { endDate: '2024-01-01' })).toEqual([])
    } finally {
      querier.close()
    }
  })
})

describe('date ranges and catalogs', () => {
  it('lists the files of a range from the layout, and views restricted to it', async () => {
    const found = await listLayoutFiles(createLocalStorage({ root: dir.path }), layouts[0]!, { range: { from: '2025-09-30', to: '2025-10-02' } })
    expect(found.files.map((file) => file.path)).toEqual([1, 2].map((day) => `query_perf/year=2025/month=10/query_perf_2025100${day}.parquet`))
    const querier = await Querier.create({ root: dir.path, layouts, range: { from: '2025-10-02', to: '2025-10-03' } })
    try {
      expect(querier.views[0]?.files).toBe(2)
      expect((await querier.query('SELECT min(date_partition)::VARCHAR AS lo, max(date_partition)::VARCHAR AS hi, count(*) AS n FROM query_performance')).rows).toEqual([{ lo: '2025-10-02', hi: '2025-10-03', n: 20 }])
    } finally {
      querier.close()
    }
  })

  it('writes a catalog any DuckDB client opens with the views and macros', async () => {
    const path = join(dir.path, 'analytics.duckdb')
    const { views } = await writeCatalog({ root: dir.path, layouts, path })
    expect(views.map((view) => view.view)).toContain('query_performance')
    const instance = await DuckDBInstance.create(path)
    const connection = await instance.connect()
    try {
      const reader = await connection.runAndReadAll('SELECT count(*) AS n FROM query_performance')
      expect(reader.getRowObjects()).toEqual([{ n: 50n }])
      const slow = await connection.runAndReadAll('SELECT count(*) AS n FROM slow_queries(45.0)')
      expect(slow.getRowObjects()).toEqual([{ n: 1n }])
      const empty = await connection.runAndReadAll('SELECT count(*) AS n FROM pageviews')
      expect(empty.getRowObjects()).toEqual([{ n: 0n }])
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  })
})

