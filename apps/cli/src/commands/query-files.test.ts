import { DuckDBInstance } from '@duckdb/node-api'
import { readParquetRows, useTempDir } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { cp, readdir, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../run-cli.js'
import { captureIo } from '../test-io.js'

const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))
const dir = useTempDir()
const tokenFirst = '{dataset}/year={yyyy}/month={mm}/{dataset}_{yyyymmdd}.parquet'

async function cli(...args: string[]) {
  const io = captureIo(dir.path)
  const code = await runCli(args, io)
  return { code, out: io.out(), err: io.err() }
}

const ndjson = (text: string) => text.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)

/** Rows per day of the files under a folder, each file read by hyparquet. */
async function perDay(folder: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const name of (await readdir(folder, { recursive: true })).filter((entry) => entry.endsWith('.parquet'))) {
    for (const row of await readParquetRows(join(folder, name))) {
      const day = new Date(Number(row['date_partition']) * 86_400_000).toISOString().slice(0, 10)
      counts[day] = (counts[day] ?? 0) + 1
    }
  }
  return counts
}

beforeAll(async () => {
  execFileSync(process.execPath, [generator, '--days', '3', '--out', dir.path])
  // Every ops dataset under a template whose first segment is a token (the partitioner README's
  // example), into an output folder whose name is glob syntax, beside the folder the glob matches.
  const datasets = Object.fromEntries(['query_perf', 'query_perf_weekly', 'index_advisor', 'optimization_summary'].map((name) => [name, { output: tokenFirst }]))
  await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ output: 'out[1]', datasets }))
  expect((await cli('export', '--historical')).code).toBe(0)
  await cp(join(dir.path, 'out[1]'), join(dir.path, 'out1'), { recursive: true })
  await cp(join(dir.path, 'out[1]/query_perf/year=2025/month=10/query_perf_20251002.parquet'), join(dir.path, 'out1/query_perf/year=2025/month=10/query_perf_20251009.parquet'))
})

describe('token-first templates in an output folder named out[1]', () => {
  it('query, report and describe read exactly the exported files, hive keys typed', async () => {
    const expected = await perDay(join(dir.path, 'out[1]/query_perf'))
    expect(Object.keys(expected).sort()).toEqual(['2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04'])
    const queried = ndjson((await cli('query', 'SELECT date_partition::VARCHAR AS day, count(*) AS n, typeof(year) AS y, typeof(month) AS m FROM query_performance GROUP BY ALL ORDER BY 1')).out)
    expect(queried).toEqual(Object.entries(expected).sort().map(([day, n]) => ({ day, n, y: 'INTEGER', m: 'INTEGER' })))
    const daily = JSON.parse((await cli('report', 'daily-summary', '--json')).out) as { date_partition: string; query_count: number }[]
    expect(Object.fromEntries(daily.map((row) => [row.date_partition, row.query_count]))).toEqual(expected)
    const weekly = JSON.parse((await cli('report', 'weekly-trend', '--end', '2025-10-04', '--json')).out) as { date_partition: string; queries: number }[]
    expect(Object.fromEntries(weekly.map((row) => [row.date_partition, row.queries]))).toEqual(expected)
    const described = JSON.parse((await cli('describe', 'query_perf', '--json')).out) as { files: number; columns: { name: string; type: string }[] }[]
    expect(described[0]?.files).toBe(4)
    expect(described[0]?.columns.slice(-2).map((column) => `${column.name} ${column.type}`).sort()).toEqual(['month INTEGER', 'year INTEGER'])
    const summary = Object.values(await perDay(join(dir.path, 'out[1]/optimization_summary'))).reduce((sum, n) => sum + n, 0)
    expect(ndjson((await cli('query', 'SELECT count(*) AS n FROM optimization_summary')).out)).toEqual([{ n: summary }])
  })
})

describe('a damaged file', () => {
  it('fails no query that does not read it; a query over its dataset warns on stderr, naming it, and runs over the rest', async () => {
    const expected = await perDay(join(dir.path, 'out[1]/query_perf'))
    const damaged = join(dir.path, 'out[1]/query_perf/year=2025/month=10/query_perf_20251002.parquet')
    await truncate(damaged, 100)
    const line = `[WARN] query:file_left_out dataset=query_perf file=${JSON.stringify(damaged)} reason="Invalid Input Error: No magic bytes found at end of file"\n`
    const warning = new RegExp(line.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))

    expect(await cli('query', 'SELECT 42 AS n')).toEqual({ code: 0, out: '{"n":42}\n', err: '' })
    const counted = await cli('query', 'SELECT count(*) AS n FROM query_performance')
    expect(counted.code).toBe(0)
    expect(ndjson(counted.out)).toEqual([{ n: Object.entries(expected).reduce((sum, [day, n]) => (day === '2025-10-02' ? sum : sum + n), 0) }])
    expect(counted.err).toMatch(warning)
    const daily = await cli('report', 'daily-summary', '--json')
    expect((JSON.parse(daily.out) as { date_partition: string }[]).map((row) => row.date_partition)).toEqual(['2025-10-04', '2025-10-03', '2025-10-01'])
    expect(daily.err).toMatch(warning)
    const described = await cli('describe', 'query_perf', '--json')
    expect((JSON.parse(described.out) as { files: number }[])[0]?.files).toBe(3)
    expect(described.err).toMatch(warning)
    const catalog = await cli('catalog', '--out', 'analytics.duckdb')
    expect(catalog.code).toBe(0)
    expect(catalog.err).toMatch(warning)
    const instance = await DuckDBInstance.create(join(dir.path, 'analytics.duckdb'))
    const connection = await instance.connect()
    try {
      expect((await connection.runAndReadAll("SELECT count(*)::INTEGER AS n FROM query_performance WHERE date_partition = '2025-10-02'")).getRowObjectsJson()).toEqual([{ n: 0 }])
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  })
})
