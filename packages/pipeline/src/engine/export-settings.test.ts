import { isParquetryError, parseTimestampText } from '@parquetry/schema'
import { openFileObject } from '@parquetry/storage'
import { duckDbQuery, readParquetRows, useTempDir } from '@parquetry/testing'
import { readFooter } from '@parquetry/writer'
import { readdirSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openProject } from '../project.js'
import type { ExportEvent, ExportResult } from './types.js'

// Settings of a config that reach the files only through a whole export: each read back from the Parquet written.
const dir = useTempDir({ each: true })
const out = (path = '') => join(dir.path, 'out', path)

const columns = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'at', type: 'timestamp', nullable: false },
  { name: 'amount', type: 'int32' },
  { name: 'note', type: 'string' },
]

/** A CSV dataset of the config: `in/<name>/<name>_{yyyymmdd}.csv` → `out/<name>/date={date}/<name>_{yyyymmdd}.parquet`. */
function csvDataset(name: string, extra: Record<string, unknown> = {}) {
  return { format: 'csv', input: `in/${name}`, pattern: `${name}_{yyyymmdd}.csv`, output: '{dataset}/date={date}/{dataset}_{yyyymmdd}.parquet', columns, dateColumn: 'at', ...extra }
}

async function writeProject(config: Record<string, unknown>, inputs: Record<string, string[]>): Promise<void> {
  await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ output: 'out', ...config }))
  for (const [path, rows] of Object.entries(inputs)) {
    await mkdir(join(dir.path, path, '..'), { recursive: true })
    await writeFile(join(dir.path, path), `id,at,amount,note\n${rows.join('\n')}\n`)
  }
}

async function exportProject(options: Parameters<Awaited<ReturnType<typeof openProject>>['export']>[0] = {}): Promise<ExportResult> {
  const project = await openProject({ cwd: dir.path })
  try {
    return await project.export({ selection: { kind: 'historical' }, ...options })
  } finally {
    await project.close()
  }
}

/** Every row of a written file as `[id, at (ISO, UTC), amount, note]`, read with hyparquet. */
async function rowsOf(path: string): Promise<unknown[][]> {
  const rows = await readParquetRows(out(path))
  return rows.map((row) => [row['id'], new Date(Number((row['at'] as bigint) / 1000n)).toISOString(), row['amount'], row['note']])
}

/** Every file under the output (bookkeeping under `_parquetry/` left out). */
async function outputFiles(): Promise<string[]> {
  const entries = await readdir(out(), { recursive: true }).catch(() => [] as string[])
  return entries.filter((entry) => /\.[a-z]+$/.test(entry) && !entry.startsWith('_parquetry')).sort()
}

const micros = (text: string) => parseTimestampText(text) as bigint

describe('a non-UTC timezone through the export', () => {
  it('a row at 17:00Z in Asia/Bangkok (midnight there) lands in the next day’s file; one a second earlier stays', async () => {
    await writeProject({ timezone: 'Asia/Bangkok', datasets: { events: csvDataset('events') } }, {
      'in/events/events_20251001.csv': ['1,2025-09-30T17:00:00Z,10,first of Oct 1', '2,2025-10-01T16:59:59Z,20,last of Oct 1', '3,2025-10-01T17:00:00Z,30,first of Oct 2'],
      'in/events/events_20251002.csv': ['4,2025-10-02T03:00:00Z,40,Oct 2 10:00'],
    })
    const result = await exportProject()
    expect(result.ok).toBe(true)
    expect(result.datasets[0]?.files.map((file) => [file.path, file.status, file.rows])).toEqual([
      ['events/date=2025-10-01/events_20251001.parquet', 'written', 2],
      ['events/date=2025-10-02/events_20251002.parquet', 'written', 2],
    ])
    expect(await rowsOf('events/date=2025-10-01/events_20251001.parquet')).toEqual([
      [1n, '2025-09-30T17:00:00.000Z', 10, 'first of Oct 1'],
      [2n, '2025-10-01T16:59:59.000Z', 20, 'last of Oct 1'],
    ])
    expect(await rowsOf('events/date=2025-10-02/events_20251002.parquet')).toEqual([
      [3n, '2025-10-01T17:00:00.000Z', 30, 'first of Oct 2'],
      [4n, '2025-10-02T03:00:00.000Z', 40, 'Oct 2 10:00'],
    ])
    // DuckDB reads the same instants (UTC-adjusted), and the footer records the zone the dates were taken in.
    expect(await duckDbQuery('SELECT id, epoch_us("at") AS "at" FROM read_parquet($1) ORDER BY id', [out('events/**/*.parquet')])).toEqual([
      { id: 1n, at: micros('2025-09-30T17:00:00Z') },
      { id: 2n, at: micros('2025-10-01T16:59:59Z') },
      { id: 3n, at: micros('2025-10-01T17:00:00Z') },
      { id: 4n, at: micros('2025-10-02T03:00:00Z') },
    ])
    const object = await openFileObject(out('events/date=2025-10-02/events_20251002.parquet'))
    try {
      expect((await readFooter(object)).parquetry?.partitioning).toEqual({ template: '{dataset}/date={date}/{dataset}_{yyyymmdd}.parquet', dateColumn: 'at', timezone: 'Asia/Bangkok' })
    } finally {
      await object.close()
    }
  })
})

describe('enabled: false through the export', () => {
  it('a disabled dataset is not exported by default, and is when named', async () => {
    await writeProject({ datasets: { events: csvDataset('events'), archive: csvDataset('archive', { enabled: false }) } }, {
      'in/events/events_20251001.csv': ['1,2025-10-01T08:00:00Z,10,kept'],
      'in/archive/archive_20251001.csv': ['9,2025-10-01T09:00:00Z,90,archived'],
    })
    const result = await exportProject()
    expect(result.datasets.map((dataset) => dataset.dataset)).toEqual(['events'])
    expect(await outputFiles()).toEqual(['events/date=2025-10-01/events_20251001.parquet'])
    expect(await rowsOf('events/date=2025-10-01/events_20251001.parquet')).toEqual([[1n, '2025-10-01T08:00:00.000Z', 10, 'kept']])

    const named = await exportProject({ datasets: ['archive'] })
    expect(named.datasets.map((dataset) => [dataset.dataset, dataset.files.map((file) => file.status)])).toEqual([['archive', ['written']]])
    expect(await rowsOf('archive/date=2025-10-01/archive_20251001.parquet')).toEqual([[9n, '2025-10-01T09:00:00.000Z', 90, 'archived']])
  })
})

describe('rejects.maxCount through the export', () => {
  it('an input with more rejects than maxCount is not written (whatever their share); one within it is, with its rejects file', async () => {
    const good = (day: string, count: number) => Array.from({ length: count }, (_, index) => `${index + 1},2025-10-${day}T0${index % 10}:00:00Z,${index},ok`)
    await writeProject({ rejects: { maxCount: 1, maxRatio: 1 }, datasets: { events: csvDataset('events', { spread: 0 }) } }, {
      'in/events/events_20251001.csv': [...good('01', 5), '6,2025-10-01T10:00:00Z,six,bad amount'],
      'in/events/events_20251002.csv': [...good('02', 5), '6,2025-10-02T10:00:00Z,six,bad amount', '7,not a time,7,bad at'],
    })
    const result = await exportProject()
    expect(result.ok).toBe(false)
    const [events] = result.datasets
    expect(events?.rejects.map((entry) => [entry.input, entry.read, entry.rejected, entry.overThreshold])).toEqual([
      ['in/events/events_20251001.csv', 6, 1, false],
      ['in/events/events_20251002.csv', 7, 2, true],
    ])
    expect(events?.failures).toEqual([{ input: 'in/events/events_20251002.csv', code: 'REJECTS_EXCEEDED', message: 'in/events/events_20251002.csv: 2 rejected records exceed the limit of 1' }])
    expect(events?.files.map((file) => [file.date, file.status, file.rows, file.reason])).toEqual([
      ['2025-10-01', 'written', 5, undefined],
      ['2025-10-02', 'failed', 5, 'rejected rows in in/events/events_20251002.csv are over the threshold; not written'],
    ])
    expect(await outputFiles()).toEqual(['_rejects/events/events_20251001.csv.rejects.ndjson', '_rejects/events/events_20251002.csv.rejects.ndjson', 'events/date=2025-10-01/events_20251001.parquet'])
    expect((await rowsOf('events/date=2025-10-01/events_20251001.parquet')).map((row) => row[0])).toEqual([1n, 2n, 3n, 4n, 5n])
    const rejected = (await readFile(out('_rejects/events/events_20251002.csv.rejects.ndjson'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { line: number; reason: string })
    expect(rejected.map((reject) => [reject.line, reject.reason])).toEqual([
      [7, 'column amount: "six": expected an integer'],
      [8, 'column at: "not a time": expected an ISO 8601 timestamp such as 2025-10-28T00:15:23Z'],
    ])
  })
})

describe('an abort in the middle of the second dataset', () => {
  it("keeps the first dataset's files and the second's finished one, discards the one being written, and leaves no temporary file or lock", async () => {
    const day = (name: string, dd: string, ids: number[]) => ({ [`in/${name}/${name}_202510${dd}.csv`]: ids.map((id) => `${id},2025-10-${dd}T12:00:00Z,${id},${name}`) })
    // One row per row group: the rows of a date in progress are in its temporary file already.
    await writeProject({ rowGroupSize: 1, datasets: { first: csvDataset('first', { spread: 0 }), second: csvDataset('second') } }, {
      ...day('first', '01', [1, 2]),
      ...day('first', '02', [3]),
      ...day('second', '01', [11, 12]),
      ...day('second', '02', [13, 14]),
      ...day('second', '03', [15]),
    })
    const controller = new AbortController()
    const events: string[] = []
    let inProgress: string[] = []
    const onEvent = (event: ExportEvent) => {
      if (event.type === 'file' || event.type === 'input') events.push(`${event.type}:${event.type === 'file' ? event.file.path : event.identity}`)
      // The second dataset's last input is about to be read, its 2nd still open (the 3rd may feed it): stopped there.
      if (event.type === 'input' && event.identity === 'in/second/second_20251003.csv') {
        inProgress = readdirSync(out(), { recursive: true, encoding: 'utf8' }).filter((entry) => entry.endsWith('.parquetry-tmp'))
        controller.abort()
      }
    }
    const error = await exportProject({ signal: controller.signal, onEvent }).catch((failure: unknown) => failure)
    expect(isParquetryError(error, 'ABORTED')).toBe(true)
    expect(events).toEqual([
      'input:in/first/first_20251001.csv',
      'file:first/date=2025-10-01/first_20251001.parquet',
      'input:in/first/first_20251002.csv',
      'file:first/date=2025-10-02/first_20251002.parquet',
      'input:in/second/second_20251001.csv',
      'input:in/second/second_20251002.csv',
      'file:second/date=2025-10-01/second_20251001.parquet',
      'input:in/second/second_20251003.csv',
    ])
    expect(inProgress).toEqual([expect.stringMatching(/^second\/date=2025-10-02\/\.second_20251002\.parquet\.[\w-]+\.[0-9a-f]{12}\.parquetry-tmp$/)])
    expect(await outputFiles()).toEqual(['first/date=2025-10-01/first_20251001.parquet', 'first/date=2025-10-02/first_20251002.parquet', 'second/date=2025-10-01/second_20251001.parquet'])
    expect((await rowsOf('first/date=2025-10-01/first_20251001.parquet')).map((row) => row[0])).toEqual([1n, 2n])
    expect((await rowsOf('first/date=2025-10-02/first_20251002.parquet')).map((row) => row[0])).toEqual([3n])
    expect((await rowsOf('second/date=2025-10-01/second_20251001.parquet')).map((row) => row[0])).toEqual([11n, 12n])
    // No temporary file anywhere under the output (bookkeeping included), and the second dataset's lock is released.
    const everything = await readdir(out(), { recursive: true })
    expect(everything.filter((entry) => entry.includes('tmp') || entry.endsWith('.lock'))).toEqual([])

    // The next run finishes the second dataset and leaves the rest as it is.
    const next = await exportProject()
    expect(next.datasets.map((dataset) => [dataset.dataset, dataset.files.map((file) => `${file.date}:${file.status}`)])).toEqual([
      ['first', ['2025-10-01:skipped', '2025-10-02:skipped']],
      ['second', ['2025-10-01:skipped', '2025-10-02:written', '2025-10-03:written']],
    ])
    expect((await rowsOf('second/date=2025-10-02/second_20251002.parquet')).map((row) => row[0])).toEqual([13n, 14n])
  })
})

describe('files with several row groups through the whole pipeline', () => {
  it('rowGroupSize 2: five rows in three row groups, every value read back by DuckDB and hyparquet; verify passes; a rerun skips', async () => {
    const rows = ['1,2025-10-01T00:00:00Z,10,a', '2,2025-10-01T01:00:00Z,,b', '3,2025-10-01T02:00:00Z,30,', '4,2025-10-01T03:00:00Z,40,d', '5,2025-10-01T04:00:00Z,50,e']
    await writeProject({ rowGroupSize: 2, datasets: { events: csvDataset('events') } }, { 'in/events/events_20251001.csv': rows })
    const result = await exportProject()
    expect(result.datasets[0]?.files.map((file) => [file.status, file.rows])).toEqual([['written', 5]])
    const path = 'events/date=2025-10-01/events_20251001.parquet'
    expect(await duckDbQuery('SELECT row_group_id AS id, any_value(row_group_num_rows) AS n FROM parquet_metadata($1) GROUP BY 1 ORDER BY 1', [out(path)])).toEqual([
      { id: 0n, n: 2n },
      { id: 1n, n: 2n },
      { id: 2n, n: 1n },
    ])
    const expected = [
      [1n, '2025-10-01T00:00:00.000Z', 10, 'a'],
      [2n, '2025-10-01T01:00:00.000Z', null, 'b'],
      // An empty CSV field is an empty string, not null (a number column's is null).
      [3n, '2025-10-01T02:00:00.000Z', 30, ''],
      [4n, '2025-10-01T03:00:00.000Z', 40, 'd'],
      [5n, '2025-10-01T04:00:00.000Z', 50, 'e'],
    ]
    expect(await rowsOf(path)).toEqual(expected)
    const viaDuckDb = await duckDbQuery('SELECT id, epoch_us("at") AS "at", amount, note FROM read_parquet($1) ORDER BY id', [out(path)])
    expect(viaDuckDb.map((row) => [row['id'], new Date(Number((row['at'] as bigint) / 1000n)).toISOString(), row['amount'], row['note']])).toEqual(expected)
    // Row group statistics let DuckDB prune: only the last group holds id 5.
    expect(await duckDbQuery('SELECT note FROM read_parquet($1) WHERE id = 5', [out(path)])).toEqual([{ note: 'e' }])

    const project = await openProject({ cwd: dir.path })
    try {
      const report = await project.verify()
      expect(report.files.map((file) => [file.path, file.status])).toEqual([[path, 'ok']])
    } finally {
      await project.close()
    }
    const again = await exportProject()
    expect(again.datasets[0]?.files.map((file) => [file.status, file.reason])).toEqual([['skipped', 'already exists, skipping']])
  })
})
