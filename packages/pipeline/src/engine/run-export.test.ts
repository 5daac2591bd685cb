import { duckDbDescribe, duckDbQuery, useTempDir } from '@parquetry/testing'
import { builtinSchemas, toDuckDbColumns } from '@parquetry/schema'
import { readFooter } from '@parquetry/writer'
import { openFileObject } from '@parquetry/storage'
import { execFileSync } from 'node:child_process'
import { appendFile, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { beforeEach, describe, expect, it } from 'vitest'
import { openProject } from '../project.js'
import type { ExportOptions } from './run-export.js'
import type { ExportResult } from './types.js'

const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))
const dir = useTempDir({ each: true })
const out = () => join(dir.path, 'knowledge/optimize/parquet')
const qp = (day: string) => `query_perf/year=2025/month=10/query_perf_202510${day}.parquet`

// Eight days of sample inputs (day 4 holds two corrupt lines) in the seed's layout, default config.
beforeEach(() => {
  execFileSync(process.execPath, [generator, '--days', '8', '--out', dir.path])
})

async function exportWith(options: Omit<Partial<ExportOptions>, 'datasets'> & { datasets?: string[] } = {}): Promise<ExportResult> {
  const project = await openProject({ cwd: dir.path })
  return project.export({ selection: { kind: 'historical' }, ...options })
}

async function listParquet(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true }).catch(() => [] as string[])
  return entries.filter((entry) => entry.endsWith('.parquet')).sort()
}

const statusesOf = (result: ExportResult) =>
  Object.fromEntries(result.datasets.map((dataset) => [dataset.dataset, dataset.files.map((file) => `${file.file}:${file.status}`)]))

describe('runExport on the sample month', () => {
  it("writes the seed's layout, schemas and every accepted row", async () => {
    const result = await exportWith()
    expect(result.ok).toBe(true)
    const files = await listParquet(out())
    expect(files.filter((file) => file.startsWith('query_perf/'))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((day) => qp(`0${day}`)))
    expect(files.filter((file) => file.startsWith('index_advisor/'))).toEqual(['index_advisor/year=2025/month=10/index_advisor_20251008.parquet'])
    expect(files.filter((file) => file.startsWith('optimization_summary/'))).toHaveLength(8)
    expect(files.filter((file) => file.startsWith('query_perf_weekly/'))).toEqual([
      'query_perf_weekly/year=2025/month=09/query_perf_weekly_20250929.parquet',
      'query_perf_weekly/year=2025/month=10/query_perf_weekly_20251006.parquet',
    ])

    // Schemas as DuckDB reads them.
    for (const dataset of ['query_perf', 'query_perf_weekly', 'index_advisor', 'optimization_summary']) {
      const described = await duckDbDescribe(join(out(), files.find((file) => file.startsWith(`${dataset}/`)) as string))
      // DuckDB adds the hive keys it finds in the path after the file's own columns.
      const columns = toDuckDbColumns(builtinSchemas[dataset]!).map((column) => ({ name: column.name, type: column.type }))
      expect(described.slice(0, columns.length)).toEqual(columns)
      // (DuckDB guesses their types: month=09 reads as VARCHAR, month=10 as BIGINT.)
      expect(described.slice(columns.length).map((column) => column.name).sort()).toEqual(['month', 'year'])
    }

    // Row counts: every data line of every daily CSV, less the two rejected ones.
    let csvLines = 0
    for (const name of (await readdir(join(dir.path, 'g/reports'))).filter((name) => name.startsWith('query_perf_daily_'))) {
      csvLines += (await readFile(join(dir.path, 'g/reports', name), 'utf8')).trim().split('\n').length - 1
    }
    const [count] = await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1)', [`${out()}/query_perf/**/*.parquet`])
    expect(count?.['n']).toBe(BigInt(csvLines - 2))
    const written = result.datasets.find((dataset) => dataset.dataset === 'query_perf')?.files ?? []
    expect(written.reduce((sum, file) => sum + file.rows, 0)).toBe(csvLines - 2)
    for (const file of written) {
      const [rows] = await duckDbQuery('SELECT count(*) AS n, min(date_partition)::VARCHAR AS lo, max(date_partition)::VARCHAR AS hi FROM read_parquet($1)', [join(out(), file.path)])
      expect(rows).toEqual({ n: BigInt(file.rows), lo: file.date, hi: file.date })
    }

    // Rows past midnight go to the next day's file, which lists every input that may feed it,
    // the rows each gave it, and the dates each feeds (so an unchanged rerun reads none of them).
    const object = await openFileObject(join(out(), qp('02')))
    const footer = await readFooter(object)
    await object.close()
    const sources = footer.parquetry?.sources ?? []
    expect(sources.map((source) => [source.identity, source.rows! > 0, source.dates])).toEqual([
      ['g/reports/query_perf_daily_20251001.csv', true, ['2025-10-01', '2025-10-02']],
      ['g/reports/query_perf_daily_20251002.csv', true, ['2025-10-02', '2025-10-03']],
      ['g/reports/query_perf_daily_20251003.csv', false, ['2025-10-03', '2025-10-04']],
    ])
    expect(sources.reduce((sum, source) => sum + (source.rows ?? 0), 0)).toBe(footer.numRows)
    expect(sources.map((source) => [source.identity, source.checksum])).toEqual(sources.map((source) => [source.identity, expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]))

    // The index advisor rows carry the report's timestamp and the renamed fields.
    const [advice] = await duckDbQuery("SELECT strftime(timestamp, '%Y-%m-%dT%H:%M:%SZ') AS ts, table_name, recommended_index, priority FROM read_parquet($1) LIMIT 1", [`${out()}/index_advisor/**/*.parquet`])
    expect(advice).toMatchObject({ ts: '2025-10-08T04:00:00Z', priority: 'high' })
    expect(String(advice?.['recommended_index'])).toMatch(/^idx_/)
  })

  it('compresses query_perf by at least 80% against the CSV', async () => {
    const result = await exportWith({ datasets: ['query_perf'] })
    const files = result.datasets[0]?.files ?? []
    const full = files.filter((file) => file.rows > 1000)
    expect(full.length).toBe(8)
    for (const file of full) expect(file.ratio).toBeGreaterThanOrEqual(80)
    const totalSource = full.reduce((sum, file) => sum + file.sourceBytes, 0)
    const totalBytes = full.reduce((sum, file) => sum + (file.bytes ?? 0), 0)
    expect(1 - totalBytes / totalSource).toBeGreaterThanOrEqual(0.8)
  })

  it('a second run writes nothing and says already exists, skipping; --force rewrites', async () => {
    await exportWith()
    const before = await stat(join(out(), qp('03')))
    const again = await exportWith()
    expect(again).toMatchObject({ ok: true, written: 0 })
    expect(again.skipped).toBe(again.datasets.reduce((sum, dataset) => sum + dataset.files.length, 0))
    expect(again.datasets[0]?.files[0]?.reason).toBe('already exists, skipping')
    // Decided from digests and footers: no input was parsed.
    expect(again.datasets.map((dataset) => dataset.inputs)).toEqual([[], [], [], []])
    expect((await stat(join(out(), qp('03')))).mtimeMs).toBe(before.mtimeMs)
    const forced = await exportWith({ datasets: ['query_perf'], force: true })
    expect(forced.written).toBe(9)
  })

  it('a touched but unchanged source is skipped; a changed one is rewritten', async () => {
    await exportWith({ datasets: ['query_perf'] })
    const input = join(dir.path, 'g/reports/query_perf_daily_20251005.csv')
    const later = new Date(Date.now() + 60_000)
    await utimes(input, later, later)
    const touched = await exportWith({ datasets: ['query_perf'], selection: { kind: 'dates', from: '2025-10-05', to: '2025-10-05' } })
    expect(statusesOf(touched)).toEqual({ query_perf: ['query_perf_20251005.parquet:skipped'] })

    await appendFile(input, '2025-10-05T12:00:00Z,abcdef,SELECT,1.5,10,1,false,users,PRIMARY,1.0,0.1\n')
    const [before] = await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1)', [join(out(), qp('05'))])
    const changed = await exportWith({ datasets: ['query_perf'] })
    // The changed file feeds the 5th and the 6th (its rows past midnight): both rewritten, the rest skipped.
    expect(changed.datasets[0]?.files.filter((file) => file.status === 'written').map((file) => file.file)).toEqual(['query_perf_20251005.parquet', 'query_perf_20251006.parquet'])
    const [after] = await duckDbQuery("SELECT count(*) AS n, count(*) FILTER (WHERE query_hash = 'abcdef') AS added FROM read_parquet($1)", [join(out(), qp('05'))])
    expect(after).toEqual({ n: (before?.['n'] as bigint) + 1n, added: 1n })
  })

  it('--dry-run finds the inputs and the files it would write, and writes nothing', async () => {
    const result = await exportWith({ dryRun: true })
    expect(result.dryRun).toBe(true)
    expect(await listParquet(dir.path)).toEqual([])
    expect((await readdir(out()).catch(() => [])).length).toBe(0)
    expect(result.datasets[0]?.inputs[0]).toEqual({ identity: 'g/reports/query_perf_daily_20251001.csv', bytes: expect.any(Number) })
    expect(result.datasets[0]?.files.map((file) => file.status)).toEqual(Array(9).fill('would-write'))
  })

  it('reports a missing input and goes on; a missing input folder is a clear error for that dataset only', async () => {
    await rm(join(dir.path, 'g/reports/query_perf_daily_20251003.csv'))
    const result = await exportWith({ datasets: ['query_perf', 'index_advisor'], selection: { kind: 'dates', from: '2025-10-02', to: '2025-10-04' } })
    expect(result.ok).toBe(true)
    expect(result.datasets[0]?.missing).toEqual(['no g/reports/query_perf_daily_{yyyymmdd}.csv input for 2025-10-03'])
    // The 3rd still gets the rows past midnight from the 2nd's file.
    expect(statusesOf(result)['query_perf']).toEqual(['query_perf_20251002.parquet:written', 'query_perf_20251003.parquet:written', 'query_perf_20251004.parquet:written'])
    expect(statusesOf(result)['index_advisor']).toEqual([])
    expect(result.datasets[1]?.rowsOutsideDates).toBe(8)

    await rm(join(dir.path, 'knowledge/optimize'), { recursive: true })
    const broken = await exportWith({ datasets: ['index_advisor', 'query_perf'] })
    expect(broken.ok).toBe(false)
    expect(broken.datasets[0]?.error).toEqual({ code: 'SOURCE_READ_FAILED', message: `input folder knowledge/optimize does not exist (${join(dir.path, 'knowledge/optimize')})` })
    expect(broken.datasets[1]?.error).toBeUndefined()
  })

  it('rejects corrupt rows with their line numbers, and refuses a file over the threshold', async () => {
    const result = await exportWith({ datasets: ['query_perf'] })
    const rejects = result.datasets[0]?.rejects ?? []
    expect(rejects.map((entry) => [entry.input, entry.rejected, entry.overThreshold])).toEqual([['g/reports/query_perf_daily_20251004.csv', 2, false]])
    expect(rejects[0]?.examples.map((reject) => [reject.location.line, reject.reason])).toEqual([
      [102, 'column execution_time_ms: "fast": expected a number'],
      [702, '5 fields, expected 11'],
    ])
    const lines = (await readFile(rejects[0]?.rejectsFile as string, 'utf8')).trim().split('\n')
    expect(lines.map((line) => (JSON.parse(line) as { line: number }).line)).toEqual([102, 702])

    // Corrupt 5% of another file: its rows are not written, and the run fails.
    const input = join(dir.path, 'g/reports/query_perf_daily_20251006.csv')
    const text = (await readFile(input, 'utf8')).split('\n')
    for (let index = 10; index < text.length - 1; index += 20) text[index] = `${text[index]},extra`
    await writeFile(input, text.join('\n'))
    await rm(out(), { recursive: true })
    const failing = await exportWith({ datasets: ['query_perf'] })
    expect(failing.ok).toBe(false)
    const failed = failing.datasets[0]?.files.filter((file) => file.status === 'failed')
    expect(failed?.map((file) => file.file)).toEqual(['query_perf_20251006.parquet', 'query_perf_20251007.parquet'])
    expect(failed?.[0]?.reason).toBe('rejected rows in g/reports/query_perf_daily_20251006.csv are over the threshold; not written')
    expect(await listParquet(join(out(), 'query_perf'))).not.toContain(qp('06'))
  })

  it('writes bloom filters on the columns the schema marks, and none with bloomFilters: false', async () => {
    const blooms = async () =>
      duckDbQuery('SELECT DISTINCT path_in_schema AS c FROM parquet_metadata($1) WHERE bloom_filter_offset IS NOT NULL ORDER BY 1', [join(out(), qp('03'))])
    await exportWith({ datasets: ['query_perf'] })
    expect(await blooms()).toEqual([{ c: 'query_hash' }, { c: 'table_name' }])
    const [hash] = await duckDbQuery('SELECT query_hash AS h FROM read_parquet($1) LIMIT 1', [join(out(), qp('03'))])
    expect(await duckDbQuery('SELECT bool_or(bloom_filter_excludes) AS excludes FROM parquet_bloom_probe($1, $2, $3)', [join(out(), qp('03')), 'query_hash', hash?.['h'] as string])).toEqual([{ excludes: false }])
    await exportWith({ datasets: ['query_perf'], force: true, bloomFilters: false, pageIndex: false })
    expect(await blooms()).toEqual([])
  })

  it('exports the latest input when no date is given', async () => {
    const result = await exportWith({ selection: { kind: 'latest' } })
    expect(statusesOf(result)).toEqual({
      query_perf: ['query_perf_20251008.parquet:written'],
      query_perf_weekly: ['query_perf_weekly_20251006.parquet:written'],
      index_advisor: ['index_advisor_20251008.parquet:written'],
      optimization_summary: Array.from({ length: 8 }, (_, index) => `optimization_summary_2025100${index + 1}.parquet:written`),
    })
  })
})

describe("the seed's SQL, unchanged, over the output tree", () => {
  it('Phase 4 validation query and Test 2 queries run in DuckDB', async () => {
    await exportWith()
    // The seed's SQL uses paths relative to the project folder: DuckDB runs there, in its own process.
    const statements = [
      `SELECT
  date_partition,
  COUNT(*) as query_count,
  AVG(execution_time_ms) as avg_execution_ms,
  MAX(execution_time_ms) as max_execution_ms
FROM read_parquet('knowledge/optimize/parquet/query_perf/**/*.parquet')
GROUP BY date_partition
ORDER BY date_partition DESC
LIMIT 30;`,
      `SELECT * FROM 'knowledge/optimize/parquet/query_perf/**/*.parquet' LIMIT 10;`,
      `DESCRIBE SELECT * FROM 'knowledge/optimize/parquet/query_perf/**/*.parquet';`,
      `SELECT
  date_partition,
  COUNT(*) as queries,
  ROUND(AVG(execution_time_ms), 2) as avg_ms
FROM read_parquet('knowledge/optimize/parquet/query_perf/**/*.parquet')
GROUP BY date_partition
ORDER BY date_partition DESC;`,
    ]
    const [validation, sample, described, analytical] = seedSql(statements)
    expect(validation).toHaveLength(9)
    expect(validation?.[0]?.['date_partition']).toBe('2025-10-09')
    expect(sample).toHaveLength(10)
    expect(described?.slice(0, 12).map((row) => `${row['column_name']} ${row['column_type']}`)).toEqual(
      toDuckDbColumns(builtinSchemas['query_perf']!).map((column) => `${column.name} ${column.type}`),
    )
    expect(analytical?.map((row) => row['queries'])).toEqual(validation?.map((row) => row['query_count']))
  })

  it("the seed's last-7-days query (CURRENT_DATE) returns the sample's last week, today read from DuckDB in the same transaction", async () => {
    // A sample that ends today, whatever today is: the generator's --start is the clock here.
    await rm(join(dir.path, 'g'), { recursive: true })
    await rm(join(dir.path, 'knowledge'), { recursive: true })
    const start = new Date(Date.now() - 9 * 86_400_000).toISOString().slice(0, 10)
    execFileSync(process.execPath, [generator, '--days', '9', '--start', start, '--out', dir.path])
    expect((await exportWith({ datasets: ['query_perf'] })).ok).toBe(true)
    // Both read one clock: CURRENT_DATE is the transaction's start, in the zone set here (not the machine's),
    // and the files' dates are UTC dates (the config's default zone).
    const [weekly, [today]] = seedSql(
      [
        `SELECT
  date_partition,
  COUNT(*) as queries,
  AVG(execution_time_ms) as avg_ms
FROM read_parquet('knowledge/optimize/parquet/query_perf/**/*.parquet')
WHERE date_partition >= CURRENT_DATE - INTERVAL '7 days'
GROUP BY date_partition
ORDER BY date_partition;`,
        'SELECT CURRENT_DATE::VARCHAR AS today',
      ],
      { timezone: 'UTC' },
    )
    const from = String(today?.['today'])
    const expected = await duckDbQuery(
      "SELECT date_partition::VARCHAR AS date_partition, count(*) AS queries FROM read_parquet($1) WHERE date_partition >= $2::DATE - INTERVAL '7 days' GROUP BY 1 ORDER BY 1",
      [`${out()}/query_perf/**/*.parquet`, from],
    )
    // Its last week: the seven days before today and today (rows past midnight of the sample's last day),
    // up to the sample's last date (today may have begun after the sample was made).
    const [{ last } = {}] = await duckDbQuery('SELECT max(date_partition)::VARCHAR AS last FROM read_parquet($1)', [`${out()}/query_perf/**/*.parquet`])
    const days = Array.from({ length: 8 }, (_, index) => new Date(Date.parse(`${from}T00:00:00Z`) - (7 - index) * 86_400_000).toISOString().slice(0, 10))
    expect(expected.map((row) => row['date_partition'])).toEqual(days.filter((date) => date >= start && date <= String(last)))
    expect(expected.length).toBeGreaterThanOrEqual(7)
    expect(weekly?.map((row) => [row['date_partition'], row['queries']])).toEqual(expected.map((row) => [row['date_partition'], String(row['queries'])]))
  })
})

/**
 * Runs SQL as the seed gives it in a DuckDB of its own, in the project folder
 * (its paths are relative to it): one transaction, so every CURRENT_DATE reads
 * one clock; `timezone` sets DuckDB's TimeZone first. Rows as JSON values.
 */
function seedSql(statements: string[], options: { timezone?: string } = {}): Record<string, unknown>[][] {
  const script = `
      const { DuckDBInstance } = await import(process.argv[2])
      const connection = await (await DuckDBInstance.create(':memory:')).connect()
      const settings = JSON.parse(process.argv[3])
      if (settings.timezone) await connection.run("SET TimeZone = '" + settings.timezone.replaceAll("'", "''") + "'")
      await connection.run('BEGIN TRANSACTION')
      const results = []
      for (const sql of JSON.parse(process.argv[1])) results.push((await connection.runAndReadAll(sql)).getRowObjectsJson())
      await connection.run('COMMIT')
      process.stdout.write(JSON.stringify(results))`
  const duckdb = pathToFileURL(createRequire(import.meta.url).resolve('@duckdb/node-api')).href
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(statements), duckdb, JSON.stringify(options)], { cwd: dir.path, encoding: 'utf8' })
  return JSON.parse(output) as Record<string, unknown>[][]
}
