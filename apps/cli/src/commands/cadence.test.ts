import { useTempDir } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { cp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../run-cli.js'
import { captureIo, runIn } from '../test-io.js'

// verify and status judge each dataset by its cadence: daily files, weekly
// files, files that follow their inputs. The bundled sample, exported whole,
// verifies clean over its month.
const example = fileURLToPath(new URL('../../../../examples/ops/', import.meta.url))
const dir = useTempDir()
const cli = (...args: string[]) => runIn(dir.path, {}, args)

beforeAll(async () => {
  // The bundled sample's inputs (October 2025), as the README's quick start exports them.
  await cp(join(example, 'g/reports'), join(dir.path, 'g/reports'), { recursive: true })
  for (const name of ['index_advisor_report.json', 'optimization_summary.txt']) await cp(join(example, 'knowledge/optimize', name), join(dir.path, 'knowledge/optimize', name))
  const exported = await cli('export', '--historical')
  expect(exported.code).toBe(0)
}, 120_000)

describe('cadence', () => {
  it('right after a --historical export, verify over the month is clean: weekly and per-input datasets are not checked as daily', async () => {
    const { code, out, err } = await cli('verify', '--from', '2025-10-01', '--to', '2025-10-31')
    expect(err).toBe('')
    expect(out).toBe('✓ 66 of 66 files verified\n')
    expect(code).toBe(0)
  })

  it('status as of the day after the data: every due file there, exit 0; per-input datasets have no calendar', async () => {
    const { code, out } = await cli('status', '--as-of', '2025-11-01')
    const rows = out.split('\n').slice(2, 6).map((line) => line.split(/\s{2,}/).slice(0, 3))
    expect(rows).toEqual([
      ['query_perf', '2025-10-31', '2025-10-31 ok'],
      ['query_perf_weekly', '2025-10-27', 'week 2025-W43 ok'],
      ['index_advisor', '2025-10-30', 'per input'],
      ['optimization_summary', '2025-10-30', 'per input'],
    ])
    expect(code).toBe(0)
  })

  it('explains Parquet bigger than its input for files of a few rows, with both sizes', async () => {
    const { out } = await cli('status', 'optimization_summary', '--as-of', '2025-11-01')
    const notes = out.split('\n').filter((line) => line.startsWith('note:') || line.startsWith('  '))
    expect(notes[0]).toMatch(/^note: optimization_summary: \d+ KB of input became \d+ KB of Parquet in 30 files of 4\.6 rows on average\.$/)
    expect(notes.slice(1).join(' ')).toContain('Every Parquet file carries its schema, column statistics, page index and footer (1-3 KB) whatever its')
    expect(notes.slice(1).join(' ')).toContain('`parquetry compact`')
  })

  it('a week with no file is reported as that week; a missing day of a daily dataset as that day', async () => {
    const weekly = join(dir.path, 'knowledge/optimize/parquet/query_perf_weekly/year=2025/month=10/query_perf_weekly_20251013.parquet')
    const daily = join(dir.path, 'knowledge/optimize/parquet/query_perf/year=2025/month=10/query_perf_20251015.parquet')
    const weeklyBytes = execFileSync('cat', [weekly])
    const dailyBytes = execFileSync('cat', [daily])
    await rm(weekly)
    await rm(daily)
    try {
      const { code, out, err } = await cli('verify', '--from', '2025-10-01', '--to', '2025-10-31')
      expect(out).toBe('')
      expect(err.split('\n')).toEqual([
        '✗ query_perf/year=2025/month=10/query_perf_20251015.parquet: missing (query_perf, 2025-10-15)',
        "✗ query_perf_weekly: no file in week 2025-W42 (2025-10-13 to 2025-10-19; its Monday's would be query_perf_weekly/year=2025/month=10/query_perf_weekly_20251013.parquet): missing",
        '✗ 64 of 64 files verified, 2 missing',
        '',
      ])
      expect(code).toBe(1)
      // A range that cuts a week (Oct 1 is a Wednesday) expects no file of that week.
      const cut = await cli('verify', 'query_perf_weekly', '--from', '2025-10-15', '--to', '2025-10-19')
      expect(cut.err).toBe('')
      expect(cut.out).toBe('- no files to verify of 2025-10-15 to 2025-10-19 under ./knowledge/optimize/parquet (parquetry export writes them)\n')
      expect(cut.code).toBe(0)
    } finally {
      await writeFile(weekly, weeklyBytes)
      await writeFile(daily, dailyBytes)
    }
  })

  it('a config can set a cadence; status then checks that', async () => {
    await writeFile(join(dir.path, 'weekly.json'), JSON.stringify({ output: 'knowledge/optimize/parquet', datasets: { query_perf: { cadence: 'weekly' } } }))
    const { code, out } = await cli('status', '--config', 'weekly.json', '--as-of', '2025-11-05', '--json')
    const report = JSON.parse(out) as { datasets: { cadence: string; due: { period: { label: string; from: string; to: string }; exists: boolean } }[] }
    expect(report.datasets[0]).toMatchObject({ cadence: 'weekly', due: { period: { label: 'week 2025-W44', from: '2025-10-27', to: '2025-11-02' }, exists: true } })
    expect(code).toBe(0)
  })

  it('report weekly-trend shows the week the data ends with, says which, and says why a window is empty', async () => {
    const io = captureIo(dir.path, false, { notes: true })
    const code = await runCli(['report', 'weekly-trend', '--format', 'csv'], io)
    expect(code).toBe(0)
    expect(io.out().split('\n').map((line) => line.split(',')[0])).toEqual(['date_partition', '2025-10-25', '2025-10-26', '2025-10-27', '2025-10-28', '2025-10-29', '2025-10-30', '2025-10-31', ''])
    expect(io.err().split('\n').at(-2)).toBe("parquetry: report weekly-trend: 2025-10-25 to 2025-10-31 (ending on query_perf's newest date)")
    const empty = captureIo(dir.path, false, { notes: true })
    expect(await runCli(['report', 'weekly-trend', '--end', '2026-01-10'], empty)).toBe(0)
    expect(empty.out()).toBe('')
    expect(empty.err().split('\n').slice(1)).toEqual([
      'parquetry: report weekly-trend: 2026-01-04 to 2026-01-10 (by --end)',
      "parquetry: report weekly-trend: no rows between 2026-01-04 and 2026-01-10: query_perf's 31 files span 2025-10-01 to 2025-10-31 (--end picks another window)",
      '',
    ])
    // --quiet leaves the notes out.
    expect((await cli('report', 'weekly-trend', '--end', '2026-01-10')).err).toBe('')
  })

  it('demo and describe show the same DuckDB types (month and year INTEGER, not BIGINT)', async () => {
    const described = JSON.parse((await cli('describe', 'query_perf', '--json')).out) as { columns: { name: string; type: string }[] }[]
    const demo = JSON.parse((await cli('demo', '--json', '--days', '1', '--rows', '3', '--out', 'demo')).out) as { schema: { column_name: string; column_type: string }[] }
    const types = demo.schema.map((column) => `${column.column_name} ${column.column_type}`)
    expect(types).toEqual(described[0]?.columns.map((column) => `${column.name} ${column.type}`))
    expect(types.slice(-3)).toEqual(['date_partition DATE', 'month INTEGER', 'year INTEGER'])
  })
})
