import { DuckDBInstance } from '@duckdb/node-api'
import { duckDbQuery, useTempDir } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../run-cli.js'
import { captureIo } from '../test-io.js'
import { parseParamValue } from './query.js'

const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))
const dir = useTempDir()

async function cli(...args: string[]) {
  const io = captureIo(dir.path)
  const code = await runCli(args, io)
  return { code, out: io.out(), err: io.err() }
}

beforeAll(async () => {
  execFileSync(process.execPath, [generator, '--days', '3', '--out', dir.path])
  expect((await cli('export', '--historical')).code).toBe(0)
})

describe('parquetry query', () => {
  it('prints NDJSON when piped, CSV, JSON or a table on request, with bound parameters', async () => {
    const sql = 'SELECT date_partition::VARCHAR AS day, count(*) AS n FROM query_performance WHERE date_partition >= $from GROUP BY 1 ORDER BY 1'
    const ndjson = await cli('query', sql, '--param', 'from=2025-10-02')
    expect(ndjson.code).toBe(0)
    const rows = ndjson.out.trim().split('\n').map((line) => JSON.parse(line) as { day: string; n: number })
    expect(rows.map((row) => row.day)).toEqual(['2025-10-02', '2025-10-03', '2025-10-04'])
    const [check] = (await cli('query', "SELECT count(*) AS n FROM read_parquet($glob) WHERE date_partition = '2025-10-02'", '--param', `glob=${dir.path}/knowledge/optimize/parquet/query_perf/**/*.parquet`)).out.trim().split('\n').map((line) => JSON.parse(line) as { n: number })
    expect(rows[0]?.n).toBe(check?.n)
    const csv = await cli('query', sql, '--param', 'from=2025-10-03', '--format', 'csv')
    expect(csv.out.split('\n')[0]).toBe('day,n')
    expect(csv.out.split('\n')[1]).toMatch(/^2025-10-03,\d+$/)
    const json = await cli('query', 'SELECT 1 AS one, $s AS s', '--param', "s=x' OR 1=1 --", '--format', 'json')
    expect(JSON.parse(json.out)).toEqual([{ one: 1, s: "x' OR 1=1 --" }])
    const table = await cli('query', 'SELECT 1 AS one', '--format', 'table')
    expect(table.out).toBe('one\n---\n  1\n')
  })

  it('a BIGINT column is one JSON type in every row: numbers with every digit, or strings with --bigint-strings', async () => {
    const sql = 'SELECT * FROM (VALUES (5::BIGINT, 9007199254740993::BIGINT, 1.5::DOUBLE), (9007199254740993::BIGINT, 5::BIGINT, NULL), ((-9223372036854775808)::BIGINT, NULL, 2.0)) AS t(small, big, x)'
    const json = await cli('query', sql, '--format', 'json')
    expect(json.out).toBe('[{"small":5,"big":9007199254740993,"x":1.5},{"small":9007199254740993,"big":5,"x":null},{"small":-9223372036854775808,"big":null,"x":2}]\n')
    const ndjson = await cli('query', sql, '--format', 'ndjson')
    expect(ndjson.out.split('\n')[1]).toBe('{"small":9007199254740993,"big":5,"x":null}')
    const strings = await cli('query', sql, '--json', '--bigint-strings')
    expect(JSON.parse(strings.out)).toEqual([
      { small: '5', big: '9007199254740993', x: 1.5 },
      { small: '9007199254740993', big: '5', x: null },
      { small: '-9223372036854775808', big: null, x: 2 },
    ])
    // A string value that looks like the marker stays a string.
    const text = await cli('query', "SELECT 'pqint123x42' AS s, 1::BIGINT AS n", '--json')
    expect(JSON.parse(text.out)).toEqual([{ s: 'pqint123x42', n: 1 }])
  })

  it('types parameters the way they read', () => {
    expect([parseParamValue('42'), parseParamValue('-1.5e3'), parseParamValue('true'), parseParamValue('null'), parseParamValue('2025-10-01'), parseParamValue('text:42')]).toEqual([42, -1500, true, null, '2025-10-01', '42'])
    expect(parseParamValue('9007199254740993')).toBe(9007199254740993n)
  })

  it('returns no rows for a dataset with no files, and exits 1 on bad SQL, 2 on bad usage', async () => {
    // A dataset with no files yet has a typed, empty view.
    await writeFile(
      join(dir.path, 'orders.config.json'),
      JSON.stringify({ datasets: { orders: { format: 'csv', input: 'orders', pattern: 'orders_{date}.csv', columns: [{ name: 'day', type: 'date', nullable: false }], dateColumn: 'day', output: 'orders/{date}.parquet' } } }),
    )
    const empty = await cli('query', 'SELECT * FROM orders', '--config', 'orders.config.json')
    expect(empty).toMatchObject({ code: 0, out: '' })
    expect(JSON.parse((await cli('query', 'SELECT typeof(day) AS t FROM (SELECT * FROM orders UNION ALL SELECT DATE \'2025-01-01\')', '--config', 'orders.config.json')).out)).toEqual({ t: 'DATE' })
    const bad = await cli('query', 'SELECT * FROM nope')
    expect(bad.code).toBe(1)
    expect(bad.err).toMatch(/parquetry query: query failed: Catalog Error: Table with name nope does not exist/)
    expect((await cli('query')).code).toBe(2)
    expect((await cli('query', 'SELECT 1', '--param', 'oops')).code).toBe(2)
  })

  it('--from/--to builds the views from the files of those days', async () => {
    const result = await cli('query', 'SELECT min(date_partition)::VARCHAR AS lo, max(date_partition)::VARCHAR AS hi FROM query_performance', '--from', '2025-10-02', '--to', '2025-10-02')
    expect(JSON.parse(result.out)).toEqual({ lo: '2025-10-02', hi: '2025-10-02' })
  })
})

describe('parquetry report, describe, verify, catalog', () => {
  it('reports print typed rows', async () => {
    const daily = (await cli('report', 'daily-summary', '--format', 'json')).out
    const rows = JSON.parse(daily) as { date_partition: string; query_count: number; avg_execution_ms: number; max_execution_ms: number }[]
    expect(rows.map((row) => row.date_partition)).toEqual(['2025-10-04', '2025-10-03', '2025-10-02', '2025-10-01'])
    // Each day against DuckDB's own count and extremes over the same files, typed as numbers.
    const glob = join(dir.path, 'knowledge/optimize/parquet/query_perf/**/*.parquet')
    const days = await duckDbQuery('SELECT date_partition::VARCHAR AS day, count(*)::INTEGER AS n, max(execution_time_ms) AS max FROM read_parquet($1) GROUP BY 1 ORDER BY 1 DESC', [glob])
    expect(rows.map((row) => [row.date_partition, row.query_count, row.max_execution_ms])).toEqual(days.map((day) => [day['day'], day['n'], day['max']]))
    for (const row of rows) expect([row.date_partition, row.avg_execution_ms <= row.max_execution_ms]).toEqual([row.date_partition, true])
    // The three queries of the sample slower than 400 ms, slowest first (the generator is seeded: these are fixed).
    const slowest = [
      { timestamp: '2025-10-01 01:33:45', query_hash: '516f78', execution_time_ms: 461, date_partition: '2025-10-01' },
      { timestamp: '2025-10-03 00:50:23', query_hash: '516f78', execution_time_ms: 441.6, date_partition: '2025-10-03' },
      { timestamp: '2025-10-03 16:15:52', query_hash: 'd89192', execution_time_ms: 419.3, date_partition: '2025-10-03' },
    ]
    const slow = JSON.parse((await cli('report', 'slow-queries', '--threshold', '400', '--limit', '3', '--json')).out) as Record<string, unknown>[]
    expect(slow).toEqual(slowest.map((row) => ({ ...row, query_type: 'SELECT', table_name: 'embeddings', index_used: null })))
    // --limit cuts: above 300 ms there are more, and the three slowest are the same.
    const [over300] = await duckDbQuery('SELECT count(*)::INTEGER AS n FROM read_parquet($1) WHERE execution_time_ms > 300', [glob])
    expect(over300?.['n']).toBeGreaterThan(3)
    const limited = JSON.parse((await cli('report', 'slow-queries', '--threshold', '300', '--limit', '3', '--json')).out) as { query_hash: string; execution_time_ms: number }[]
    expect(limited.map((row) => [row.query_hash, row.execution_time_ms])).toEqual(slowest.map((row) => [row.query_hash, row.execution_time_ms]))
    const weekly = JSON.parse((await cli('report', 'weekly-trend', '--end', '2025-10-03', '--json')).out) as { date_partition: string }[]
    expect(weekly.map((row) => row.date_partition)).toEqual(['2025-10-01', '2025-10-02', '2025-10-03'])
    expect((await cli('report', 'nope')).code).toBe(2)
  })

  it('describe shows the DuckDB schema; verify checks every file', async () => {
    const described = JSON.parse((await cli('describe', 'optimization_summary', '--json')).out) as { view: string; files: number; columns: { name: string; type: string }[] }[]
    expect(described[0]).toMatchObject({ view: 'optimization_summary', files: 3 })
    expect(described[0]?.columns.find((column) => column.name === 'metadata')?.type).toBe('JSON')
    expect((await cli('describe', 'nope')).code).toBe(2)
    const verified = await cli('verify')
    expect(verified.code).toBe(0)
    expect(verified.out).toMatch(/^✓ (\d+) of \1 files verified\n$/)
    const missing = await cli('verify', 'query_perf', '--date', '2025-11-01')
    expect(missing.code).toBe(1)
    // What failed goes to stderr, with the summary of the failed check.
    expect(missing.err).toContain('query_perf/year=2025/month=11/query_perf_20251101.parquet: missing')
    expect(missing.err).toMatch(/✗ \d+ of \d+ files verified, 1 missing\n$/)
    expect(missing.out).toBe('')
  })

  it('catalog writes a DuckDB file another client opens with no setup', async () => {
    const result = await cli('catalog', '--out', 'analytics.duckdb')
    expect(result.code).toBe(0)
    const instance = await DuckDBInstance.create(join(dir.path, 'analytics.duckdb'))
    const connection = await instance.connect()
    try {
      const count = await connection.runAndReadAll('SELECT count(*) AS n FROM query_performance')
      const daily = (await cli('report', 'daily-summary', '--json')).out
      const total = (JSON.parse(daily) as { query_count: number }[]).reduce((sum, row) => sum + row.query_count, 0)
      expect(count.getRowObjects()).toEqual([{ n: BigInt(total) }])
      const macro = await connection.runAndReadAll('SELECT avg_query_time(100000) IS NOT NULL AS ok')
      expect(macro.getRowObjects()).toEqual([{ ok: true }])
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  })
})
