import { duckDbQuery } from '@parquetry/testing'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openProject } from '../project.js'
import { opsProject } from './test-project.js'
import type { ExportResult } from './types.js'

// Inputs and settings that change between runs: no row may end up stored twice, or nowhere.
const { dir, daily, exportWith } = opsProject(6)
const out = () => join(dir.path, 'knowledge/optimize/parquet')
const all = () => join(out(), 'query_perf/**/*.parquet')



const statusOf = (result: ExportResult) => Object.fromEntries(result.datasets.flatMap((dataset) => dataset.files.map((file) => [file.date, file.status])))

async function inputRows(): Promise<number> {
  let rows = 0
  for (const day of ['01', '02', '03', '04', '05', '06']) {
    const lines = (await readFile(daily(day), 'utf8')).trim().split('\n').slice(1)
    rows += lines.filter((line) => line.split(',').length === 11 && !line.includes(',fast,')).length
  }
  return rows
}

/** Rows stored, and rows stored in a file whose date is not the row's date in `zone`. */
async function stored(zone: string): Promise<{ rows: number; misplaced: number }> {
  const [row] = await duckDbQuery(
    `SELECT count(*)::INTEGER AS rows,
            count(*) FILTER (WHERE strftime(timezone('${zone}', timestamp::TIMESTAMPTZ)::DATE, '%Y%m%d') <> regexp_extract(filename, '(\\d{8})\\.parquet$', 1))::INTEGER AS misplaced
     FROM read_parquet($1, filename = true)`,
    [all()],
  )
  return { rows: Number(row?.['rows']), misplaced: Number(row?.['misplaced']) }
}

async function setTimezone(zone: string): Promise<void> {
  await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ timezone: zone, datasets: { query_perf: {} } }))
}

describe('changed settings and inputs', () => {
  it('a time zone change makes every file stale: --historical rebuilds them, no row stored twice; a partial run is refused', async () => {
    await setTimezone('UTC')
    expect((await exportWith()).ok).toBe(true)
    const rows = await inputRows()
    expect(await stored('UTC')).toEqual({ rows, misplaced: 0 })

    await setTimezone('America/Los_Angeles')
    // Rebuilding one date alone would put the rows that move into both files, or into none.
    const partial = await exportWith({ selection: { kind: 'dates', from: '2025-10-03', to: '2025-10-03' } })
    expect(partial.ok).toBe(false)
    expect(partial.datasets[0]?.files.find((file) => file.date === '2025-10-03')).toMatchObject({
      status: 'failed',
      reason: 'its files were partitioned by other rules (time zone UTC → America/Los_Angeles), so rows move between dates: rebuild every date at once with `parquetry export query_perf --historical`; not rewritten',
    })
    const project = await openProject({ cwd: dir.path })
    const verified = await project.verify({ datasets: ['query_perf'] })
    await project.close()
    expect(verified.ok).toBe(false)
    expect(verified.files.filter((file) => file.status === 'mismatch').map((file) => file.reason)).toContain(
      'query_perf/year=2025/month=10/query_perf_20251003.parquet: partitioned by time zone UTC; the config says America/Los_Angeles (rebuild with parquetry export query_perf --historical)',
    )

    const rebuilt = await exportWith()
    expect(rebuilt.ok).toBe(true)
    // Every date of the new zone is written; the 7th (UTC) gets no row in Los Angeles: its file is removed.
    const zoned = ['2025-09-30', '2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04', '2025-10-05', '2025-10-06']
    expect(statusOf(rebuilt)).toEqual({ ...Object.fromEntries(zoned.map((date) => [date, 'written'])), '2025-10-07': 'removed' })
    expect(await stored('America/Los_Angeles')).toEqual({ rows, misplaced: 0 })
    // And now it is up to date.
    expect(statusOf(await exportWith())).toEqual(Object.fromEntries(zoned.map((date) => [date, 'skipped'])))
  })

  it('a row that moves to another date is stored once: every file listing the changed input is rewritten, even outside --date', async () => {
    expect((await exportWith()).ok).toBe(true)
    const rows = await inputRows()
    const text = await readFile(daily('03'), 'utf8')
    const [header, first, ...rest] = text.split('\n')
    const moved = (first as string).replace(/^2025-10-03T\d\d/, '2025-10-04T12')
    await writeFile(daily('03'), [header, moved, ...rest].join('\n'))
    const hash = (first as string).split(',')[1] as string

    const result = await exportWith({ selection: { kind: 'dates', from: '2025-10-04', to: '2025-10-04' } })
    expect(result.ok).toBe(true)
    expect(statusOf(result)).toMatchObject({ '2025-10-03': 'written', '2025-10-04': 'written' })
    const where = await duckDbQuery("SELECT regexp_extract(filename, '(\\d{8})\\.parquet$', 1) AS day FROM read_parquet($1, filename = true) WHERE query_hash = $2 AND timestamp = $3::TIMESTAMP", [
      all(),
      hash,
      moved.split(',')[0]?.replace('Z', ''),
    ])
    expect(where.map((row) => row['day'])).toEqual(['20251004'])
    expect(await stored('UTC')).toEqual({ rows, misplaced: 0 })
  })

  it('a date the changed input no longer feeds loses its file, and the removal is reported', async () => {
    // The 6th's input is the only one with rows of the 7th (a run past midnight).
    expect((await exportWith()).ok).toBe(true)
    const seventh = (await exportWith()).datasets[0]?.files.find((file) => file.date === '2025-10-07')
    expect(seventh?.status).toBe('skipped')
    const lines = (await readFile(daily('06'), 'utf8')).split('\n')
    await writeFile(daily('06'), lines.filter((line) => !line.startsWith('2025-10-07')).join('\n'))
    const result = await exportWith({ selection: { kind: 'dates', from: '2025-10-06', to: '2025-10-06' } })
    expect(result.ok).toBe(true)
    expect(statusOf(result)).toMatchObject({ '2025-10-06': 'written', '2025-10-07': 'removed' })
    expect(await stored('UTC')).toEqual({ rows: await inputRows(), misplaced: 0 })
  })

  it('after a time zone change, a run of a date that has no file yet is refused too', async () => {
    await setTimezone('UTC')
    expect((await exportWith()).ok).toBe(true)
    const rows = await inputRows()
    await setTimezone('Etc/GMT+12')
    // 2025-09-30 has no file; in the new zone the 1st's early rows fall on it, and they are in the 1st's file.
    const result = await exportWith({ selection: { kind: 'dates', from: '2025-09-30', to: '2025-09-30' } })
    expect(result.ok).toBe(false)
    expect(result.written).toBe(0)
    expect(result.datasets[0]?.failures).toEqual([{ code: 'CONFIG_INVALID', message: expect.stringContaining('time zone UTC → Etc/GMT+12') }])
    expect(await stored('UTC')).toEqual({ rows, misplaced: 0 })
    expect((await exportWith()).ok).toBe(true)
    expect(await stored('Etc/GMT+12')).toEqual({ rows, misplaced: 0 })
  })

  it('after a template change, partial runs are refused; --historical rebuilds in the new layout and removes the old files', async () => {
    await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ datasets: { query_perf: {} } }))
    expect((await exportWith()).ok).toBe(true)
    const rows = await inputRows()
    const template = 'perf/{yyyy}/{mm}/{dd}/query_perf.parquet'
    await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ datasets: { query_perf: { output: template } } }))
    const partial = await exportWith({ selection: { kind: 'dates', from: '2025-10-03', to: '2025-10-03' } })
    expect(partial.ok).toBe(false)
    expect(partial.written).toBe(0)
    expect(partial.datasets[0]?.failures[0]?.message).toContain(`template query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet → ${template}`)
    const rebuilt = await exportWith()
    expect(rebuilt.ok).toBe(true)
    const removed = rebuilt.datasets[0]?.files.filter((file) => file.status === 'removed') ?? []
    expect(removed.map((file) => file.path)).toEqual(['01', '02', '03', '04', '05', '06', '07'].map((day) => `query_perf/year=2025/month=10/query_perf_202510${day}.parquet`))
    expect(removed.length).toBe(rebuilt.written)
    const [count] = await duckDbQuery('SELECT count(*)::INTEGER AS n FROM read_parquet($1)', [join(out(), '**/*.parquet')])
    expect(count?.['n']).toBe(rows)
    const project = await openProject({ cwd: dir.path })
    expect((await project.verify()).ok).toBe(true)
    await project.close()
  })

  it('a row far from its input\'s date is exported by a run of its own date (the storage remembers which input reaches it)', async () => {
    expect((await exportWith()).ok).toBe(true)
    const text = await readFile(daily('02'), 'utf8')
    const [header, first, ...rest] = text.split('\n')
    const far = (first as string).replace(/^2025-10-02T\d\d/, '2025-10-05T12')
    await writeFile(daily('02'), [header, far, ...rest].join('\n'))
    const hash = (first as string).split(',')[1] as string
    // The 2nd's own run: its row of the 5th is outside, and said to be.
    const own = await exportWith({ selection: { kind: 'dates', from: '2025-10-02', to: '2025-10-02' } })
    expect(own.datasets[0]?.outsideDates['2025-10-05']).toBeGreaterThan(0)
    // The run of the 5th alone finds it (the 2nd's input is four days away).
    const fifth = await exportWith({ selection: { kind: 'dates', from: '2025-10-05', to: '2025-10-05' } })
    expect(fifth.ok).toBe(true)
    const found = await duckDbQuery("SELECT regexp_extract(filename, '(\\d{8})\\.parquet$', 1) AS day FROM read_parquet($1, filename = true) WHERE query_hash = $2 AND timestamp = $3::TIMESTAMP", [
      all(),
      hash,
      far.split(',')[0]?.replace('Z', ''),
    ])
    expect(found.map((row) => row['day'])).toEqual(['20251005'])
    expect(await stored('UTC')).toEqual({ rows: await inputRows(), misplaced: 0 })
  })

  it('after a time zone change a partial run reads nothing: an undated input writes no date either', async () => {
    await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ timezone: 'UTC', datasets: { optimization_summary: {} } }))
    const project = await openProject({ cwd: dir.path })
    await project.export({ datasets: ['optimization_summary'], selection: { kind: 'historical' } })
    await project.close()
    const count = async () => Number((await duckDbQuery('SELECT count(*)::INTEGER AS n FROM read_parquet($1)', [join(out(), 'optimization_summary/**/*.parquet')]))[0]?.['n'])
    const before = await count()
    await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ timezone: 'Etc/GMT+12', datasets: { optimization_summary: {} } }))
    const again = await openProject({ cwd: dir.path })
    const result = await again.export({ datasets: ['optimization_summary'], selection: { kind: 'dates', from: '2025-09-30', to: '2025-09-30' } })
    await again.close()
    expect(result.ok).toBe(false)
    expect(result.written).toBe(0)
    expect(await count()).toBe(before)
  })

  it('a rebuild under another partitioning is refused while files hold rows of an input that is gone', async () => {
    expect((await exportWith()).ok).toBe(true)
    const rows = await inputRows()
    const { rm } = await import('node:fs/promises')
    await rm(daily('03'))
    await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ datasets: { query_perf: { output: 'query_perf/y={yyyy}/query_perf_{yyyymmdd}.parquet' } } }))
    const result = await exportWith()
    expect(result.ok).toBe(false)
    expect(result.written).toBe(0)
    expect(result.datasets[0]?.failures[0]?.message).toContain('hold rows of g/reports/query_perf_daily_20251003.csv, which is gone: rebuilding would lose them')
    const [count] = await duckDbQuery('SELECT count(*)::INTEGER AS n FROM read_parquet($1)', [join(out(), 'query_perf/**/*.parquet')])
    expect(count?.['n']).toBe(rows)
  })

  it("latest mode after a full export reads no input again, and reports no row that its date's file already holds", async () => {
    const project = await openProject({ cwd: dir.path })
    try {
      expect((await project.export({ datasets: ['query_perf_weekly', 'query_perf'], selection: { kind: 'historical' } })).ok).toBe(true)
      const latest = await project.export({ datasets: ['query_perf_weekly', 'query_perf'] })
      expect(latest.written).toBe(0)
      for (const dataset of latest.datasets) expect({ dataset: dataset.dataset, inputs: dataset.inputs, outside: dataset.outsideDates }).toEqual({ dataset: dataset.dataset, inputs: [], outside: {} })
    } finally {
      await project.close()
    }
  })

  it('a damaged state object is only a hint: its malformed parts are ignored, and partial runs go on', async () => {
    expect((await exportWith()).ok).toBe(true)
    const path = join(out(), '_parquetry/datasets/query_perf.json')
    for (const damaged of ['{"far":{"g/reports/query_perf_daily_20251002.csv":"2025-10-05"}}', '{"partitioning":{}}', 'not json', '[]']) {
      await writeFile(path, damaged)
      const result = await exportWith({ selection: { kind: 'dates', from: '2025-10-03', to: '2025-10-03' } })
      expect({ damaged, ok: result.ok, error: result.datasets[0]?.error }).toEqual({ damaged, ok: true, error: undefined })
    }
  })
})
