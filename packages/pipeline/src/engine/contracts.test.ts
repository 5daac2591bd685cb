import { defineSchema, ParquetryError } from '@parquetry/schema'
import { readCsv } from '@parquetry/sources'
import { createLocalStorage } from '@parquetry/storage'
import { duckDbQuery } from '@parquetry/testing'
import { readFooter } from '@parquetry/writer'
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openProject } from '../project.js'
import { opsProject } from './test-project.js'
import { fileInputs } from '../inputs/file-inputs.js'
import type { DatasetDefinition } from './definition.js'
import { runExport } from './run-export.js'
import { delegateStorage } from './test-storage.js'
import type { ExportResult } from './types.js'

// Cases where a run must not lose rows, store them twice, or say it succeeded when it did not.
const { dir, daily, exportWith } = opsProject(8)
const out = () => join(dir.path, 'knowledge/optimize/parquet')
const qp = (day: string) => `query_perf/year=2025/month=10/query_perf_202510${day}.parquet`
const row = (timestamp: string, hash: string) => `${timestamp},${hash},SELECT,1.5,10,1,false,users,PRIMARY,1.0,0.1\n`



const byDate = (result: ExportResult) => Object.fromEntries(result.datasets.flatMap((dataset) => dataset.files.map((file) => [file.date, `${file.status}:${file.rows}`])))

async function hashes(day: string): Promise<string[]> {
  const rows = await duckDbQuery('SELECT query_hash FROM read_parquet($1) ORDER BY 1', [join(out(), qp(day))])
  return rows.map((entry) => String(entry['query_hash']))
}

describe('export contracts', () => {
  it('a date that needs an input that cannot be read is not written, in whichever pass it comes up', async () => {
    await appendFile(daily('02'), row('2025-10-01T12:00:00Z', 'aaaaaa'))
    expect((await exportWith()).ok).toBe(true)
    expect(await hashes('01')).toContain('aaaaaa')
    // The 2nd becomes unreadable, and a changed 7th brings a row of the 1st: the 1st must keep the 2nd's row.
    const bytes = await readFile(daily('02'))
    bytes[200] = 0xff
    await writeFile(daily('02'), bytes)
    await appendFile(daily('07'), row('2025-10-01T13:00:00Z', 'bbbbbb'))
    const result = await exportWith()
    expect(result.ok).toBe(false)
    expect(byDate(result)['2025-10-01']).toMatch(/^failed:/)
    expect(await hashes('01')).toContain('aaaaaa')
    expect(result.datasets[0]?.failures.map((failure) => failure.input)).toEqual(['g/reports/query_perf_daily_20251002.csv'])
  })

  it('an input whose every row is rejected fails the run and the dates it may feed, every time', async () => {
    const lines = (await readFile(daily('08'), 'utf8')).trim().split('\n')
    await writeFile(daily('09'), `${[lines[0], ...lines.slice(1).map((line) => `${line.replaceAll('2025-10-08', '2025-10-09')},extra`)].join('\n')}\n`)
    for (let run = 0; run < 2; run++) {
      const result = await exportWith()
      expect(result.ok).toBe(false)
      expect(result.datasets[0]?.failures).toEqual([{ input: 'g/reports/query_perf_daily_20251009.csv', code: 'REJECTS_EXCEEDED', message: expect.stringContaining('of 1513 records rejected (100.00%)') }])
      expect(byDate(result)['2025-10-09']).toMatch(/^failed:/)
    }
  })

  it('--force keeps the dates an undated input no longer feeds, and replaces the ones it does', async () => {
    await exportWith({ datasets: ['optimization_summary', 'index_advisor'] })
    const log = join(dir.path, 'knowledge/optimize/optimization_summary.txt')
    const lastDay = (await readFile(log, 'utf8')).split('\n').filter((line) => line.includes('2025-10-08'))
    await writeFile(log, `${lastDay.join('\n')}\n[2025-10-09T04:00:00Z] [INFO] optimizer_start run_id=99\n`)
    const advisor = join(dir.path, 'knowledge/optimize/index_advisor_report.json')
    const report = JSON.parse(await readFile(advisor, 'utf8')) as { timestamp: string }
    await writeFile(advisor, JSON.stringify({ ...report, timestamp: '2025-10-09T04:00:00Z' }))
    const forced = await exportWith({ datasets: ['optimization_summary', 'index_advisor'], force: true })
    expect(forced.ok).toBe(true)
    const statuses = forced.datasets.flatMap((dataset) => dataset.files.map((file) => `${dataset.dataset} ${file.date} ${file.status}`))
    expect(statuses.filter((entry) => entry.endsWith('removed'))).toEqual([])
    expect(statuses).toContain('optimization_summary 2025-10-01 skipped')
    expect(statuses).toContain('optimization_summary 2025-10-08 written')
    expect(statuses).toContain('index_advisor 2025-10-08 skipped')
    expect(statuses).toContain('index_advisor 2025-10-09 written')
  })

  it('an undated input that now gives a date fewer rows (rotated mid-day) does not shrink it, unless forced', async () => {
    await exportWith({ datasets: ['optimization_summary'] })
    const log = join(dir.path, 'knowledge/optimize/optimization_summary.txt')
    const lastDay = (await readFile(log, 'utf8')).split('\n').filter((line) => line.includes('2025-10-08'))
    expect(lastDay.length).toBeGreaterThan(2)
    await writeFile(log, `${lastDay.slice(2).join('\n')}\n[2025-10-09T04:00:00Z] [INFO] optimizer_start run_id=99\n`)
    const result = await exportWith({ datasets: ['optimization_summary'] })
    expect(result.ok).toBe(false)
    const eighth = result.datasets[0]?.files.find((file) => file.date === '2025-10-08')
    expect(eighth?.status).toBe('failed')
    expect(eighth?.reason).toBe(
      `knowledge/optimize/optimization_summary.txt now gives it ${lastDay.length - 2} rows where its earlier version gave ${lastDay.length} (rotated or truncated?); rewriting would lose them (export with --force to replace them); not rewritten`,
    )
    const [kept] = await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1)', [join(out(), 'optimization_summary/year=2025/month=10/optimization_summary_20251008.parquet')])
    expect(kept?.['n']).toBe(BigInt(lastDay.length))
    expect(byDate(result)['2025-10-09']).toBe('written:1')
    const forced = await exportWith({ datasets: ['optimization_summary'], force: true })
    expect(byDate(forced)['2025-10-08']).toBe(`written:${lastDay.length - 2}`)
  })

  it('a storage error while reading a footer fails the dataset instead of taking the file for unreadable', async () => {
    await exportWith()
    const local = createLocalStorage({ root: out() })
    const flaky = delegateStorage(local, {
      open: async (path) => {
        if (path === qp('03')) throw new ParquetryError('STORAGE_FAILED', `${path}: 503 Slow Down`)
        return local.open(path)
      },
    })
    const project = await openProject({ cwd: dir.path })
    await appendFile(daily('03'), row('2025-10-03T12:00:00Z', 'cccccc'))
    const result = await runExport({ datasets: project.select(['query_perf']), storage: flaky, selection: { kind: 'historical' } })
    expect(result.ok).toBe(false)
    expect(result.datasets[0]?.error).toEqual({ code: 'STORAGE_FAILED', message: `${qp('03')}: 503 Slow Down` })
    expect(await hashes('03')).not.toContain('cccccc')
  })

  it('a file of a date split by column values that went missing is made again; verify reports it until then', async () => {
    await mkdir(join(dir.path, 'data'))
    await writeFile(join(dir.path, 'data/orders_20251028.csv'), 'id,currency,day\n1,EUR,2025-10-28\n2,USD,2025-10-28\n3,USD,2025-10-28\n')
    const orders: DatasetDefinition = {
      name: 'orders',
      schema: defineSchema({ name: 'orders', columns: [{ name: 'id', type: 'int64', nullable: false }, { name: 'currency', type: 'string', nullable: false }, { name: 'day', type: 'date', nullable: false }] }),
      inputs: fileInputs({ dir: join(dir.path, 'data'), base: dir.path, pattern: 'orders_{yyyymmdd}.csv', read: (source) => readCsv({ ...source, columns: ['id', 'currency', 'day'] }) }),
      partition: { template: 'orders/currency={currency}/date={date}/part.parquet', dateColumn: 'day' },
    }
    const storage = createLocalStorage({ root: join(dir.path, 'lake') })
    await runExport({ datasets: [orders], storage, selection: { kind: 'historical' } })
    const object = await storage.open('orders/currency=EUR/date=2025-10-28/part.parquet')
    expect((await readFooter(object)).parquetry?.files).toEqual(['orders/currency=EUR/date=2025-10-28/part.parquet', 'orders/currency=USD/date=2025-10-28/part.parquet'])
    await object.close()
    await rm(join(dir.path, 'lake/orders/currency=USD'), { recursive: true })
    const { verifyDatasets } = await import('../verify/verify.js')
    expect((await verifyDatasets({ storage, datasets: [orders] })).missing).toEqual([{ dataset: 'orders', date: '2025-10-28', path: 'orders/currency=USD/date=2025-10-28/part.parquet' }])
    const again = await runExport({ datasets: [orders], storage, selection: { kind: 'historical' } })
    expect(again.datasets[0]?.files.map((file) => `${file.path}:${file.status}:${file.rows}`)).toEqual([
      'orders/currency=EUR/date=2025-10-28/part.parquet:written:1',
      'orders/currency=USD/date=2025-10-28/part.parquet:written:2',
    ])
    expect((await verifyDatasets({ storage, datasets: [orders] })).ok).toBe(true)
  })

  it('rows whose column values differ only where one value ends and the next begins go to different files', async () => {
    await mkdir(join(dir.path, 'data'))
    const pairs: [string, string][] = [['x\u0000y', 'z'], ['x', 'y\u0000z']]
    const dataset: DatasetDefinition = {
      name: 'pairs',
      schema: defineSchema({ name: 'pairs', columns: [{ name: 'a', type: 'string', nullable: false }, { name: 'b', type: 'string', nullable: false }, { name: 'day', type: 'date', nullable: false }] }),
      inputs: {
        description: 'pairs',
        list: async () => ({
          inputs: [{ identity: 'pairs', name: 'pairs', dates: [], digest: async () => 'v1', open: () => (async function* () { yield pairs.map(([a, b], index) => ({ kind: 'record' as const, values: { a, b, day: '2025-10-28' }, location: { source: 'pairs', index } })) })() }],
          problems: [],
        }),
      },
      partition: { template: 'pairs/a={a}/b={b}/{date}.parquet', dateColumn: 'day' },
    }
    const result = await runExport({ datasets: [dataset], storage: createLocalStorage({ root: join(dir.path, 'lake') }), selection: { kind: 'historical' } })
    expect(result.datasets[0]?.files.map((file) => `${file.path}:${file.rows}`)).toEqual(['pairs/a=x%00y/b=z/2025-10-28.parquet:1', 'pairs/a=x/b=y%00z/2025-10-28.parquet:1'])
  })

  it('refuses two datasets that would write the same paths', async () => {
    const project = await openProject({ cwd: dir.path })
    const [queryPerf] = project.select(['query_perf'])
    const twin = { ...(queryPerf as DatasetDefinition), name: 'query_perf_copy' }
    await expect(runExport({ datasets: [queryPerf as DatasetDefinition, twin], storage: project.storage })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('datasets query_perf and query_perf_copy would write the same paths'),
    })
  })
})
