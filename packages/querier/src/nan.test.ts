import { createLocalStorage } from '@parquetry/storage'
import { duckDbQuery, useTempDir } from '@parquetry/testing'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { Querier } from './querier.js'
import { opsLayouts, queryPerfRows, writeDate } from './test-data.js'

const dir = useTempDir()

// DuckDB skips a row group when its max says no row can pass a filter (duckdb/duckdb#25521):
// a max computed past a NaN would hide the NaN's row group. The writer writes no min/max for
// a float chunk holding a NaN, so nothing is skipped that a full scan would count.
it('a filter over a column holding a NaN counts what a full scan counts, through the querier and a plain read_parquet', async () => {
  const storage = createLocalStorage({ root: dir.path })
  const layouts = opsLayouts()
  // 30,000 rows in row groups of 10,000: execution times 1..100, a NaN in the first group,
  // and one time over 1000 in each of the other two.
  const rows = queryPerfRows('2025-10-28', 30_000).map((row, index) => ({
    ...row,
    execution_time_ms: index === 5 ? Number.NaN : index === 15_000 ? 1500 : index === 25_000 ? 2000 : (index % 100) + 1,
  }))
  const [path] = await writeDate(storage, layouts[0]!, '2025-10-28', rows, { rowGroupSize: 10_000 })
  const file = join(dir.path, path!)

  const stats = await duckDbQuery("SELECT row_group_id::INTEGER AS rowGroup, stats_max_value AS max FROM parquet_metadata($1) WHERE path_in_schema = 'execution_time_ms' ORDER BY 1", [file])
  expect(stats).toEqual([
    { rowGroup: 0, max: null },
    { rowGroup: 1, max: '1500.0' },
    { rowGroup: 2, max: '2000.0' },
  ])

  // DuckDB orders NaN above every number, so `> 1000` holds for the NaN row too: three rows,
  // of which two are numbers — as a scan that cannot skip anything (count_if) counts them.
  const [plain] = await duckDbQuery(
    'SELECT (SELECT count(*) FROM read_parquet($1) WHERE execution_time_ms > 1000)::INTEGER AS over, (SELECT count(*) FROM read_parquet($1) WHERE execution_time_ms > 1000 AND NOT isnan(execution_time_ms))::INTEGER AS numbers, (SELECT count_if(execution_time_ms > 1000) FROM read_parquet($1))::INTEGER AS scanned',
    [file],
  )
  expect(plain).toEqual({ over: 3, numbers: 2, scanned: 3 })

  const querier = await Querier.create({ storage, layouts })
  try {
    expect((await querier.query('SELECT count(*) AS over FROM query_performance WHERE execution_time_ms > 1000')).rows).toEqual([{ over: 3 }])
    expect((await querier.query('SELECT count(*) AS numbers FROM query_performance WHERE execution_time_ms > 1000 AND NOT isnan(execution_time_ms)')).rows).toEqual([{ numbers: 2 }])
    expect((await querier.query('SELECT count(*) AS n FROM slow_queries(1000)')).rows).toEqual([{ n: 3 }])
  } finally {
    querier.close()
  }
})
