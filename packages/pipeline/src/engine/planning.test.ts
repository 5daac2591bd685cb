import { defineSchema } from '@parquetry/schema'
import { readCsv } from '@parquetry/sources'
import { createLocalStorage, type Storage } from '@parquetry/storage'
import { duckDbQuery, useTempDir } from '@parquetry/testing'
import { readFooter } from '@parquetry/writer'
import { execFileSync } from 'node:child_process'
import { appendFile, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeEach, describe, expect, it } from 'vitest'
import { openProject, type Project } from '../project.js'
import { fileInputs } from '../inputs/file-inputs.js'
import type { DatasetDefinition } from './definition.js'
import { runExport } from './run-export.js'
import { delegateStorage } from './test-storage.js'
import type { ExportEvent, ExportResult } from './types.js'

const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))
const dir = useTempDir({ each: true })
const out = () => join(dir.path, 'knowledge/optimize/parquet')
const qp = (day: string) => `query_perf/year=2025/month=10/query_perf_202510${day}.parquet`
const reports = () => join(dir.path, 'g/reports')

beforeEach(() => {
  execFileSync(process.execPath, [generator, '--days', '8', '--out', dir.path])
})

async function project(): Promise<Project> {
  return openProject({ cwd: dir.path })
}

async function exportAll(options: Parameters<Project['export']>[0] = {}): Promise<ExportResult> {
  return (await project()).export({ selection: { kind: 'historical' }, ...options })
}

const statuses = (result: ExportResult, dataset = 'query_perf') =>
  (result.datasets.find((entry) => entry.dataset === dataset)?.files ?? []).map((file) => `${file.file}:${file.status}`)

async function count(path: string, where = 'true'): Promise<bigint> {
  const [row] = await duckDbQuery(`SELECT count(*) AS n FROM read_parquet($1) WHERE ${where}`, [path])
  return row?.['n'] as bigint
}

/** A real storage that counts the writes and removals asked of it. */
function countingStorage(inner: Storage): Storage & { writes: number; removes: number } {
  const counts = { writes: 0, removes: 0 }
  const storage = delegateStorage(inner, {
    createSink: (path, options) => {
      counts.writes++
      return inner.createSink(path, options)
    },
    remove: (path) => {
      counts.removes++
      return inner.remove(path)
    },
  })
  return Object.defineProperties(storage, { writes: { get: () => counts.writes }, removes: { get: () => counts.removes } }) as Storage & { writes: number; removes: number }
}

describe('skips decided before parsing', () => {
  it('an unchanged rerun parses no row and asks the storage for no write, no temp file, no removal', async () => {
    await exportAll()
    const opened = await project()
    const storage = countingStorage(createLocalStorage({ root: out() }))
    const events: ExportEvent[] = []
    const again = await runExport({ datasets: opened.select(), storage, selection: { kind: 'historical' }, onEvent: (event) => events.push(event) })
    expect(again.ok).toBe(true)
    expect(again.written).toBe(0)
    expect(again.skipped).toBe(20)
    expect(again.datasets.flatMap((dataset) => dataset.inputs)).toEqual([])
    expect(events.filter((event) => event.type === 'progress' && event.phase === 'read')).toEqual([])
    expect({ writes: storage.writes, removes: storage.removes }).toEqual({ writes: 0, removes: 0 })
    // The counter counts: a forced run asks for a write per file, one for day 4's rejects and one for its lock.
    const forced = await runExport({ datasets: opened.select(['query_perf']), storage, selection: { kind: 'historical' }, force: true })
    expect(forced.written).toBe(9)
    expect(storage.writes).toBe(forced.written + 2)
    const temps = (await readdir(out(), { recursive: true })).filter((name) => name.includes('parquetry-tmp'))
    expect(temps).toEqual([])
  })

  it('finishes each date as soon as no input left can feed it', async () => {
    const events: ExportEvent[] = []
    await exportAll({ datasets: ['query_perf'], onEvent: (event) => events.push(event) })
    const order = events.filter((event) => event.type === 'input' || event.type === 'file').map((event) => (event.type === 'input' ? `read ${event.identity.slice(-12, -4)}` : `wrote ${event.file.date}`))
    // The 1st is written once the 2nd's file (which may hold rows of the 1st) has been read, long before the 8th is.
    expect(order.indexOf('wrote 2025-10-01')).toBeGreaterThan(order.indexOf('read 20251002'))
    expect(order.indexOf('wrote 2025-10-01')).toBeLessThan(order.indexOf('read 20251004'))
    expect(order.at(-1)).toBe('wrote 2025-10-09')
  })

  it('a row far from the date its file is named for is placed in its own date, by a second pass when that date was already written', async () => {
    const stray = '2025-10-01T12:00:00Z,deadbe,SELECT,1.5,10,1,false,users,PRIMARY,1.0,0.1\n'
    await appendFile(join(reports(), 'query_perf_daily_20251005.csv'), stray)
    const first = await exportAll({ datasets: ['query_perf'] })
    expect(first.ok).toBe(true)
    expect(await count(join(out(), qp('01')), "query_hash = 'deadbe'")).toBe(1n)
    const object = await createLocalStorage({ root: out() }).open(qp('01'))
    const footer = await readFooter(object)
    await object.close()
    expect(footer.parquetry?.sources.find((source) => source.identity.endsWith('20251005.csv'))).toMatchObject({ rows: 1 })
    // Known now: nothing is read again.
    const again = await exportAll({ datasets: ['query_perf'] })
    expect(again.written).toBe(0)
    expect(again.datasets[0]?.inputs).toEqual([])

    // The same after the fact: a changed file gains a row of an old date.
    await appendFile(join(reports(), 'query_perf_daily_20251007.csv'), stray.replace('deadbe', 'beefed'))
    const before = await count(join(out(), qp('01')))
    const changed = await exportAll({ datasets: ['query_perf'] })
    expect(changed.ok).toBe(true)
    expect(statuses(changed).filter((entry) => entry.endsWith(':written'))).toEqual(['query_perf_20251001.parquet:written', 'query_perf_20251007.parquet:written', 'query_perf_20251008.parquet:written'])
    expect(await count(join(out(), qp('01')))).toBe(before + 1n)
  })

  it("an undated report overwritten with a new day's report adds that day and keeps the earlier days", async () => {
    const advisor = join(dir.path, 'knowledge/optimize/index_advisor_report.json')
    await exportAll({ datasets: ['index_advisor'] })
    const first = join(out(), 'index_advisor/year=2025/month=10/index_advisor_20251008.parquet')
    const mtime = (await stat(first)).mtimeMs
    const report = JSON.parse(await readFile(advisor, 'utf8')) as { timestamp: string; recommendations: unknown[] }
    await writeFile(advisor, JSON.stringify({ ...report, timestamp: '2025-10-09T04:00:00Z', recommendations: report.recommendations.slice(0, 2) }))
    const next = await exportAll({ datasets: ['index_advisor'] })
    expect(next.ok).toBe(true)
    expect(statuses(next, 'index_advisor')).toEqual(['index_advisor_20251008.parquet:skipped', 'index_advisor_20251009.parquet:written'])
    expect((await stat(first)).mtimeMs).toBe(mtime)
    expect(await count(join(out(), 'index_advisor/**/*.parquet'))).toBe(BigInt(report.recommendations.length + 2))
    const again = await exportAll({ datasets: ['index_advisor'] })
    expect(again.datasets[0]?.inputs).toEqual([])
    expect(again.written).toBe(0)
  })

  it('an event log that is rotated keeps the days it no longer holds; one that grows rewrites only what it feeds', async () => {
    const log = join(dir.path, 'knowledge/optimize/optimization_summary.txt')
    await exportAll({ datasets: ['optimization_summary'] })
    const text = await readFile(log, 'utf8')
    const lastDay = text.split('\n').filter((line) => line.includes('2025-10-08'))
    await writeFile(log, `${lastDay.join('\n')}\n[2025-10-09T04:00:00Z] [INFO] optimizer_start run_id=99\nOptimizer finished: nothing to do\n`)
    const rotated = await exportAll({ datasets: ['optimization_summary'] })
    expect(rotated.ok).toBe(true)
    const files = statuses(rotated, 'optimization_summary')
    expect(files.filter((entry) => entry.endsWith(':written'))).toEqual(['optimization_summary_20251008.parquet:written', 'optimization_summary_20251009.parquet:written'])
    expect(files.filter((entry) => entry.endsWith(':skipped'))).toHaveLength(7)
    // The free-text line is skipped and reported, never a reject.
    expect(rotated.datasets[0]?.rejects.map((entry) => [entry.rejected, entry.skipped, entry.skips[0]?.location.line])).toEqual([[0, 1, lastDay.length + 2]])
    expect(await count(join(out(), 'optimization_summary/**/*.parquet'), "date_partition = DATE '2025-10-01'")).toBeGreaterThan(0n)
  })

  it('a partition that no longer gets rows is removed, so no row is stored twice', async () => {
    await mkdirp(join(dir.path, 'data'))
    const csv = (currency: string) => `id,currency,day\n1,EUR,2025-10-28\n2,${currency},2025-10-28\n3,${currency},2025-10-28\n`
    await writeFile(join(dir.path, 'data/orders_20251028.csv'), csv('USD'))
    const schema = defineSchema({ name: 'orders', columns: [{ name: 'id', type: 'int64', nullable: false }, { name: 'currency', type: 'string', nullable: false }, { name: 'day', type: 'date', nullable: false }] })
    const orders: DatasetDefinition = {
      name: 'orders',
      schema,
      inputs: fileInputs({ dir: join(dir.path, 'data'), base: dir.path, pattern: 'orders_{yyyymmdd}.csv', read: (source) => readCsv({ ...source, columns: ['id', 'currency', 'day'] }) }),
      partition: { template: 'orders/currency={currency}/date={date}/part.parquet', dateColumn: 'day' },
    }
    const storage = createLocalStorage({ root: join(dir.path, 'lake') })
    const first = await runExport({ datasets: [orders], storage, selection: { kind: 'historical' } })
    expect(first.datasets[0]?.files.map((file) => [file.path, file.status, file.rows])).toEqual([
      ['orders/currency=EUR/date=2025-10-28/part.parquet', 'written', 1],
      ['orders/currency=USD/date=2025-10-28/part.parquet', 'written', 2],
    ])
    await writeFile(join(dir.path, 'data/orders_20251028.csv'), csv('EUR'))
    const second = await runExport({ datasets: [orders], storage, selection: { kind: 'historical' } })
    expect(second.datasets[0]?.files.map((file) => [file.path, file.status, file.rows])).toEqual([
      ['orders/currency=EUR/date=2025-10-28/part.parquet', 'written', 3],
      ['orders/currency=USD/date=2025-10-28/part.parquet', 'removed', 2],
    ])
    expect(await count(join(dir.path, 'lake/orders/**/*.parquet'))).toBe(3n)
  })

  it('refuses to rewrite a date whose file holds rows of an input that is gone', async () => {
    await exportAll({ datasets: ['query_perf'] })
    const kept = await readFile(join(out(), qp('02')))
    await rm(join(reports(), 'query_perf_daily_20251001.csv'))
    await appendFile(join(reports(), 'query_perf_daily_20251002.csv'), '2025-10-02T12:00:00Z,abcdef,SELECT,1.5,10,1,false,users,PRIMARY,1.0,0.1\n')
    const result = await exportAll({ datasets: ['query_perf'] })
    expect(result.ok).toBe(false)
    const second = result.datasets[0]?.files.find((file) => file.date === '2025-10-02')
    expect(second).toMatchObject({ status: 'failed' })
    expect(second?.reason).toBe(
      'its file holds rows of g/reports/query_perf_daily_20251001.csv, which is gone; rewriting would lose them (restore it to rewrite); not rewritten',
    )
    expect(Buffer.compare(await readFile(join(out(), qp('02'))), kept)).toBe(0)
    // The 1st is kept as it is; the 3rd (fed by the changed 2nd) is rewritten.
    expect(statuses(result)).toContain('query_perf_20251001.parquet:skipped')
    expect(statuses(result)).toContain('query_perf_20251003.parquet:written')
  })

  it('an input that cannot be read fails the dates it feeds and the others are written', async () => {
    const broken = join(reports(), 'query_perf_daily_20251004.csv')
    const bytes = await readFile(broken)
    const original = bytes[200] as number
    bytes[200] = 0xff
    await writeFile(broken, bytes)
    const result = await exportAll({ datasets: ['query_perf'] })
    expect(result.ok).toBe(false)
    expect(result.datasets[0]?.failures).toEqual([
      { input: 'g/reports/query_perf_daily_20251004.csv', code: 'SOURCE_READ_FAILED', message: expect.stringMatching(/^g\/reports\/query_perf_daily_20251004\.csv: invalid UTF-8 byte 0xFF at line 2/) },
    ])
    // It fails the date it is named for (and any its rows reached, or whose files hold its rows):
    // the days around it, which it only might feed, are written without it.
    const written = statuses(result).filter((entry) => entry.endsWith(':written'))
    expect(written).toEqual(['01', '02', '03', '05', '06', '07', '08', '09'].map((day) => `query_perf_202510${day}.parquet:written`))
    expect(statuses(result)).toContain('query_perf_20251004.parquet:failed')
    expect(result.datasets[0]?.inputs.map((input) => input.identity.slice(-12, -4))).toEqual(['20251001', '20251002', '20251003', '20251004', '20251005', '20251006', '20251007', '20251008'])
    // Once fixed, it is read again, and the 5th gets its rows past midnight.
    bytes[200] = original
    await writeFile(broken, bytes)
    const fixed = await exportAll({ datasets: ['query_perf'] })
    expect(fixed.ok).toBe(true)
    expect(statuses(fixed).filter((entry) => entry.endsWith(':written'))).toEqual(['04', '05'].map((day) => `query_perf_202510${day}.parquet:written`))
    const [rows] = await duckDbQuery('SELECT count(*)::INTEGER AS n FROM read_parquet($1)', [join(out(), 'query_perf/**/*.parquet')])
    const lines = await Promise.all((await readdir(reports())).filter((name) => name.startsWith('query_perf_daily')).map(async (name) => (await readFile(join(reports(), name), 'utf8')).trim().split('\n').slice(1)))
    expect(rows?.['n']).toBe(lines.flat().filter((line) => line.split(',').length === 11 && !line.includes(',fast,')).length)
  })
})

async function mkdirp(path: string): Promise<void> {
  const { mkdir } = await import('node:fs/promises')
  await mkdir(path, { recursive: true })
}
