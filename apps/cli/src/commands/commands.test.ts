import { useTempDir } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { captureIo } from '../test-io.js'
import { runCli } from '../run-cli.js'

const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))
const dir = useTempDir({ each: true })


async function cli(...args: string[]) {
  const io = captureIo(dir.path)
  const code = await runCli(args, io)
  return { code, out: io.out(), err: io.err() }
}

const logLine = /^\[\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\] \[INFO\] export:parquet file=(query_perf_\d{8}\.parquet) rows=(\d+) compressed_kb=(\d+) ratio=(-?\d+\.\d)%( input_bytes=\d+ bytes=\d+)?$/

beforeEach(() => {
  execFileSync(process.execPath, [generator, '--days', '3', '--out', dir.path])
})

describe('parquetry export', () => {
  it('--dry-run lists what it found and would create, in the seed words, and writes nothing', async () => {
    const { code, out } = await cli('export', 'query_perf', 'index_advisor', '--date', '2025-10-02', '--dry-run')
    expect(code).toBe(0)
    expect(out.split('\n')).toEqual([
      expect.stringMatching(/^✓ Found query_perf_daily_20251001\.csv \(\d+ KB\)$/),
      expect.stringMatching(/^✓ Found query_perf_daily_20251002\.csv \(\d+ KB\)$/),
      expect.stringMatching(/^✓ Found query_perf_daily_20251003\.csv \(\d+ KB\)$/),
      expect.stringMatching(/^→ Would create query_perf_20251002\.parquet \([\d,]+ rows\)$/),
      expect.stringMatching(/^✓ Found index_advisor_report\.json \(\d+ KB\)$/),
      'DRY RUN - no files written',
      '',
    ])
    expect(await readdir(join(dir.path, 'knowledge/optimize'))).not.toContain('parquet')
  })

  it('logs each file in the seed format, then skips on a rerun; --json gives one result', async () => {
    const first = await cli('export', 'query_perf', '--historical')
    expect(first.code).toBe(0)
    const lines = first.out.trim().split('\n')
    for (const line of lines.slice(0, -1)) expect(line).toMatch(logLine)
    expect(lines.at(-1)).toMatch(/^✓ Export complete \(4 new files\) in \d+\.\d s$/)
    // The corrupt lines of day 4 are not in a 3-day sample; stderr is quiet.
    expect(first.err).toBe('')

    const second = await cli('export', 'query_perf', '--historical')
    expect(second.code).toBe(0)
    expect(second.out).toMatch(/\[INFO\] export:parquet file=query_perf_20251001\.parquet already exists, skipping\n/)
    expect(second.out.trim().split('\n').at(-1)).toMatch(/^✓ Export complete \(0 new files, 4 skipped\) in \d+\.\d s$/)

    const json = await cli('export', 'query_perf', '--historical', '--json')
    const result = JSON.parse(json.out) as { ok: boolean; written: number; skipped: number; datasets: { files: { status: string }[] }[] }
    expect(result).toMatchObject({ ok: true, written: 0, skipped: 4 })
    expect(json.out.trim().split('\n')).toHaveLength(1)
  })

  it('an event log is free-form: a free-text line is reported as skipped and the events are exported', async () => {
    const log = [
      '[2025-10-03T04:00:00Z] [INFO] optimizer_start run_id=7',
      '[2025-10-03T04:00:01Z] [INFO] index_created table=embeddings metric=speedup value=3.5',
      'Optimizer: 3 candidate indexes, 1 created',
      '[2025-10-03T04:00:02Z] [INFO] vacuum metric=dead_tuples value=1200',
      '[2025-10-03T04:00:03Z] [INFO] analyze metric=rows value=12',
      '[2025-10-03T04:00:04Z] [INFO] optimizer_end metric=elapsed_s value=4',
    ]
    await writeFile(join(dir.path, 'knowledge/optimize/optimization_summary.txt'), `${log.join('\n')}\n`)
    const { code, out, err } = await cli('export', 'optimization_summary')
    expect(code).toBe(0)
    expect(out).toMatch(/\[INFO\] export:parquet file=optimization_summary_20251003\.parquet rows=5 /)
    expect(err).toMatch(/\[INFO\] export:parquet dataset=optimization_summary input=knowledge\/optimize\/optimization_summary\.txt skipped_lines=1\n  knowledge\/optimize\/optimization_summary\.txt:3: not an event line: "Optimizer: 3 candidate indexes, 1 created"\n/)
    expect(err).not.toContain('rejected=')
  })

  it('says how many rows fell outside the selected dates, which dates, and how to export them', async () => {
    const { code, err } = await cli('export', 'query_perf', '--date', '2025-10-02')
    expect(code).toBe(0)
    // The neighbouring days' files are read for the 2nd: their own rows are left for their own export.
    expect(err).toMatch(/\[WARN\] export:parquet dataset=query_perf rows_outside_dates=\d+ dates=2025-10-01,2025-10-03,2025-10-04 export_them_with="parquetry export query_perf --from 2025-10-01 --to 2025-10-04"\n/)
  })

  it('in latest-input mode, the newest input\'s rows of other dates are reported with the command that exports them', async () => {
    // The newest input is the 3rd's; its run past midnight put rows on the 4th.
    const { code, err, out } = await cli('export', 'query_perf')
    expect(code).toBe(0)
    expect(out).toMatch(/file=query_perf_20251003\.parquet rows=\d+/)
    expect(err).toMatch(/\[WARN\] export:parquet dataset=query_perf rows_outside_dates=\d+ dates=2025-10-02,2025-10-04 export_them_with="parquetry export query_perf --from 2025-10-02 --to 2025-10-04"\n/)
    const json = JSON.parse((await cli('export', 'query_perf', '--json', '--force')).out) as { datasets: { outsideDates: Record<string, number>; rowsOutsideDates: number }[] }
    expect(Object.keys(json.datasets[0]?.outsideDates ?? {}).sort()).toEqual(['2025-10-02', '2025-10-04'])
    expect(json.datasets[0]?.outsideDates['2025-10-04']).toBeGreaterThan(0)
    // An unchanged rerun reads nothing, and still says which rows are not exported (from the footers).
    const rerun = await cli('export', 'query_perf', '--json')
    const again = JSON.parse(rerun.out) as { written: number; datasets: { outsideDates: Record<string, number>; rowsOutsideDates: number; inputs: unknown[] }[] }
    expect(again.written).toBe(0)
    expect(again.datasets[0]?.inputs).toEqual([])
    expect(again.datasets[0]?.outsideDates).toEqual(json.datasets[0]?.outsideDates)
    // Once those dates are exported, nothing is left to report.
    expect((await cli('export', 'query_perf', '--from', '2025-10-02', '--to', '2025-10-04')).code).toBe(0)
    const done = JSON.parse((await cli('export', 'query_perf', '--json')).out) as { datasets: { outsideDates: Record<string, number> }[] }
    expect(done.datasets[0]?.outsideDates).toEqual({})
  })

  it('--summary prints the queries per day, read back, after the run', async () => {
    const { code, out } = await cli('export', 'query_perf', '--historical', '--summary')
    expect(code).toBe(0)
    expect(out).toMatch(/Queries per day, read back with DuckDB from .*query_perf:\ndate_partition\s+query_count\s+avg_execution_ms\s+max_execution_ms\n/)
    expect(out).toMatch(/\n2025-10-04\s+\d+/)
  })

  it('exits 1 when a dataset fails and 2 on usage errors', async () => {
    const missingRoot = await cli('export', 'query_perf', '--config', 'cfg.json')
    expect(missingRoot.code).toBe(1)
    expect(missingRoot.err).toContain('cannot read the config file')

    execFileSync('mv', [join(dir.path, 'g'), join(dir.path, 'h')])
    const failed = await cli('export', 'query_perf')
    expect(failed.code).toBe(1)
    expect(failed.err).toMatch(/\[ERROR\] export:parquet dataset=query_perf code=SOURCE_READ_FAILED error="input folder g\/reports does not exist/)

    for (const args of [['--date', '2025-10-32'], ['--from', '2025-10-01'], ['--date', '2025-10-01', '--historical'], ['--bogus'], ['nope']]) {
      const usage = await cli('export', ...args)
      expect(usage.code).toBe(2)
    }
    // A timeout stops the run: exit 1 with ABORTED, nothing half-written left behind. Its timer (the
    // only one of 1 ms) is made to expire at a known point, not by the wall clock: as soon as the export
    // has started, before any of its reads has completed.
    execFileSync('mv', [join(dir.path, 'h'), join(dir.path, 'g')])
    const realSetTimeout = globalThis.setTimeout
    let expired = 0
    const timers = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, ms?: number, ...rest: unknown[]) => {
      if (ms !== 1) return realSetTimeout(callback, ms, ...rest)
      expired++
      queueMicrotask(() => callback(...rest))
      return realSetTimeout(() => undefined, 0)
    }) as typeof setTimeout)
    const stopped = await cli('export', '--historical', '--timeout', '0.001').finally(() => timers.mockRestore())
    expect(expired).toBe(1)
    expect(stopped.code).toBe(1)
    expect(stopped.err).toContain('parquetry export: stopped by --timeout 0.001: the export ran longer than 0.001 s; files not yet complete were discarded (raise --timeout, or export fewer days at a time)')
    const leftovers = (await readdir(dir.path, { recursive: true })).filter((entry) => entry.endsWith('.parquet') || entry.includes('parquetry-tmp'))
    expect(leftovers).toEqual([])

    const json = await cli('export', '--date', 'x', '--json')
    expect(JSON.parse(json.out)).toEqual({ error: '--date "x": expected a real date as YYYY-MM-DD', code: 'USAGE' })
  })
})

describe('parquetry status, schema, init', () => {
  it("status shows each dataset and fails when a daily dataset's yesterday is missing", async () => {
    await cli('export', '--historical')
    const status = await cli('status', '--json', '--as-of', '2026-03-10')
    const report = JSON.parse(status.out) as { ok: boolean; datasets: { dataset: string; files: number; cadence: string; due: { period: { label: string }; exists: boolean } | null }[] }
    expect(report.datasets.map((dataset) => [dataset.dataset, dataset.cadence, dataset.due?.period.label ?? null, dataset.due?.exists ?? null])).toEqual([
      ['query_perf', 'daily', '2026-03-09', false],
      ['query_perf_weekly', 'weekly', 'week 2026-W10', false],
      ['index_advisor', 'input', null, null],
      ['optimization_summary', 'input', null, null],
    ])
    expect(report.datasets[0]?.files).toBe(4)
    expect(status.code).toBe(1)
    const text = await cli('status', 'query_perf', '--as-of', '2026-03-10')
    const [header, rule, row] = text.out.split('\n')
    expect(header).toMatch(/^dataset\s+last_date\s+due\s+files\s+size\s+rows\s+avg_ratio$/)
    expect(rule).toMatch(/^-+( +-+){6}$/)
    expect(row).toMatch(/^query_perf\s+2025-10-04\s+2026-03-09 MISSING\s+4\s/)
    expect(text.err).toBe("parquetry status: query_perf: yesterday's file query_perf/year=2026/month=03/query_perf_20260309.parquet is missing; the newest is of 2025-10-04\n")
  })

  it('schema prints parquet_schema.json and DuckDB DDL', async () => {
    const json = await cli('schema')
    const document = JSON.parse(json.out) as { datasets: Record<string, { columns: { name: string; duckdb_type: string }[] }> }
    expect(Object.keys(document.datasets)).toEqual(['query_perf', 'query_perf_weekly', 'index_advisor', 'optimization_summary'])
    // A built-in schema the config does not export is there by name.
    expect(Object.keys((JSON.parse((await cli('schema', 'pageviews')).out) as typeof document).datasets)).toEqual(['pageviews'])
    expect(document.datasets['optimization_summary']?.columns.map((column) => `${column.name} ${column.duckdb_type}`)).toEqual([
      'timestamp TIMESTAMP', 'event_type VARCHAR', 'metric_name VARCHAR', 'metric_value DOUBLE', 'metadata JSON', 'date_partition DATE',
    ])
    const ddl = await cli('schema', 'index_advisor', '--format', 'duckdb')
    expect(ddl.out).toContain('CREATE TABLE "index_advisor" (\n  "timestamp" TIMESTAMP NOT NULL,')
    expect((await cli('schema', 'nope')).code).toBe(2)
  })

  it('init writes a starter config once, and --dir puts it elsewhere', async () => {
    expect((await cli('init')).code).toBe(0)
    const written = JSON.parse(await readFile(join(dir.path, 'parquetry.config.json'), 'utf8')) as { output: string }
    expect(written.output).toBe('knowledge/optimize/parquet')
    const again = await cli('init')
    expect(again.code).toBe(1)
    expect(again.err).toContain('already exists (use --force to overwrite)')
    expect((await cli('init', '--force')).code).toBe(0)
    expect((await cli('init', '--dir', 'sub/dir')).code).toBe(0)
    expect((await readdir(join(dir.path, 'sub/dir'))).sort()).toEqual(['parquetry.config.json', 'parquetry.config.schema.json'])
    // "$schema" names the schema written beside it, which accepts the config it describes.
    const config = JSON.parse(await readFile(join(dir.path, 'sub/dir/parquetry.config.json'), 'utf8')) as Record<string, unknown>
    expect(config['$schema']).toBe('./parquetry.config.schema.json')
    const schema = JSON.parse(await readFile(join(dir.path, 'sub/dir', config['$schema'] as string), 'utf8')) as { title: string; properties: Record<string, unknown> }
    expect(schema.title).toBe('Parquetry config (parquetry.config.json)')
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(Object.keys(config)))
  })
})
