import { useTempDir } from '@parquetry/testing'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, resolveConfig, starterConfig } from './load.js'
import { configJsonSchema } from './schema.js'

const dir = useTempDir({ each: true })

describe('config', () => {
  it("defaults reproduce seed 000's paths, relative to the working directory", async () => {
    const config = await loadConfig({ cwd: dir.path })
    expect(config.path).toBeUndefined()
    expect(config.output).toBe(join(dir.path, 'knowledge/optimize/parquet'))
    expect(config.datasets.map((dataset) => [dataset.name, 'inputDir' in dataset ? dataset.inputDir : undefined, 'pattern' in dataset ? dataset.pattern : undefined, dataset.output])).toEqual([
      ['query_perf', join(dir.path, 'g/reports'), 'query_perf_daily_{yyyymmdd}.csv', 'query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet'],
      ['query_perf_weekly', join(dir.path, 'g/reports'), 'query_perf_weekly_{yyyyww}.csv', 'query_perf_weekly/year={yyyy}/month={mm}/query_perf_weekly_{yyyymmdd}.parquet'],
      ['index_advisor', join(dir.path, 'knowledge/optimize'), 'index_advisor_report.json', 'index_advisor/year={yyyy}/month={mm}/index_advisor_{yyyymmdd}.parquet'],
      ['optimization_summary', join(dir.path, 'knowledge/optimize'), 'optimization_summary.txt', 'optimization_summary/year={yyyy}/month={mm}/optimization_summary_{yyyymmdd}.parquet'],
    ])
    expect(config.rejects).toEqual({ maxRatio: 0.01, maxCount: undefined, dir: undefined })
    expect(config.sizeWarningBytes).toBe(5 * 1024 ** 3)
    expect([config.pageIndex, config.bloomFilters]).toEqual([true, true])
    expect(resolveConfig({ pageIndex: false, bloomFilters: false }, { baseDir: dir.path })).toMatchObject({ pageIndex: false, bloomFilters: false })
    expect(() => resolveConfig({ bloomFilters: ['path'] }, { baseDir: dir.path })).toThrow(/bloomFilters/)
  })

  it("resolves relative paths against the config file's folder", async () => {
    await mkdir(join(dir.path, 'ops'))
    await writeFile(join(dir.path, 'ops/custom.json'), JSON.stringify({ output: '../lake', timezone: 'Asia/Bangkok', datasets: { index_advisor: { enabled: false, input: 'advisor' }, query_perf: {} } }))
    const config = await loadConfig({ cwd: dir.path, path: 'ops/custom.json' })
    expect(config.output).toBe(join(dir.path, 'lake'))
    expect(config.timezone).toBe('Asia/Bangkok')
    expect(config.datasets.find((dataset) => dataset.name === 'index_advisor')).toMatchObject({ enabled: false, inputDir: join(dir.path, 'ops/advisor') })
    expect(config.datasets.find((dataset) => dataset.name === 'query_perf')).toMatchObject({ inputDir: join(dir.path, 'ops/g/reports') })
    // The config lists what the project exports: the two it names.
    expect(config.datasets.map((dataset) => dataset.name)).toEqual(['index_advisor', 'query_perf'])
  })

  it('takes datasets of its own: format, reader options, columns, date column and layout', () => {
    const config = resolveConfig(
      {
        output: 's3://lake/ops/',
        s3: { endpoint: 'http://127.0.0.1:9000', forcePathStyle: true },
        datasets: {
          orders: {
            format: 'csv',
            delimiter: ';',
            input: 'data/orders',
            pattern: 'orders_{yyyymmdd}.csv',
            columns: [
              { name: 'order_id', type: 'int64', nullable: false },
              { name: 'currency', type: 'string', nullable: false },
              { name: 'created_at', type: 'timestamp', nullable: false },
            ],
            dateColumn: 'created_at',
            output: 'orders/currency={currency}/date={date}/orders_{yyyymmdd}.parquet',
          },
        },
      },
      { baseDir: dir.path },
    )
    expect(config.output).toBe('s3://lake/ops')
    expect(config.s3).toEqual({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true })
    expect(config.datasets).toEqual([
      expect.objectContaining({ kind: 'custom', name: 'orders', view: 'orders', inputDir: join(dir.path, 'data/orders'), dateColumn: 'created_at', format: { format: 'csv', delimiter: ';' } }),
    ])
  })

  it.each([
    [{ format: 'csv', input: 'd', pattern: 'o_{date}.csv', output: 'o/{date}.parquet', columns: [{ name: 'at', type: 'timestamp' }], dateColumn: 'at' }, 'datasets.orders.dateColumn: at must be declared "nullable": false (every row needs a date)'],
    [{ format: 'csv', input: 'd', pattern: 'o_{date}.csv', output: 'o/{date}.parquet', columns: [{ name: 'at', type: 'string', nullable: false }], dateColumn: 'at' }, 'datasets.orders.dateColumn: at is a string; it must be a date or a timestamp'],
    [{ format: 'csv', input: 'd', pattern: 'o_{date}.csv', output: 'o/{date}.parquet', columns: [{ name: 'at', type: 'date', nullable: false }], dateColumn: 'day' }, 'datasets.orders.dateColumn: day is not one of its columns (at)'],
    [{ format: 'csv', input: 'd', pattern: 'o_{date}.csv', output: 'o/{region}/{date}.parquet', columns: [{ name: 'at', type: 'date', nullable: false }], dateColumn: 'at' }, 'datasets.orders.output: output template "o/{region}/{date}.parquet": unknown token {region}'],
    [{ format: 'xml', input: 'd' }, "datasets.orders.format: Invalid discriminator value. Expected 'csv' | 'json' | 'jsonl' | 'eventlog'"],
    [{ format: 'csv', input: 'd', pattern: 'o_{date}.csv', output: 'o/{date}.parquet', columns: [{ name: 'at', type: 'date', nullable: false }], dateColumn: 'at', colour: 'red' }, 'datasets.orders: unknown key "colour"; the keys here are "enabled", "schedule", "view", "spread", "cadence", "input", "pattern", "output", "columns", "dateColumn", "description", "format", … (parquetry.config.schema.json lists them all)'],
    [{ format: 'csv', inptu: 'd', input: 'd', pattern: 'o_{date}.csv', output: 'o/{date}.parquet', columns: [{ name: 'at', type: 'date', nullable: false }], dateColumn: 'at' }, 'datasets.orders: unknown key "inptu"; did you mean "input"?'],
    [{ format: 'csv', pattern: 'o_{date}.csv', output: 'o/{date}.parquet', columns: [{ name: 'at', type: 'date', nullable: false }], dateColumn: 'at' }, 'datasets.orders.input: missing: it takes text (a JSON string)'],
  ])('refuses a bad dataset of its own (%#)', (orders, message) => {
    expect(() => resolveConfig({ datasets: { orders } }, { baseDir: dir.path, path: 'p.json' })).toThrow(`p.json: ${message}`)
  })

  it('names the field of an invalid config', async () => {
    expect(() => resolveConfig({ timezone: 'Mars/Olympus' }, { baseDir: dir.path, path: 'p.json' })).toThrow('p.json: timezone: not an IANA time zone')
    expect(() => resolveConfig({ datasets: { orders: {} } }, { baseDir: dir.path, path: 'p.json' })).toThrow("p.json: datasets.orders.format: Invalid discriminator value. Expected 'csv' | 'json' | 'jsonl' | 'eventlog' | 'postgres'")
    // pageviews is the preset (its settings), or a dataset of one's own: the preset's problem is named.
    expect(() => resolveConfig({ datasets: { pageviews: { perProject: 'yes' } } }, { baseDir: dir.path, path: 'p.json' })).toThrow('p.json: datasets.pageviews.perProject: expected true or false, got string "yes"')
    expect(() => resolveConfig({ outptu: 'x' }, { baseDir: dir.path, path: 'p.json' })).toThrow('p.json: (top level): unknown key "outptu"; did you mean "output"?')
    expect(() => resolveConfig({ output: 5 }, { baseDir: dir.path, path: 'p.json' })).toThrow('p.json: output: expected text (a JSON string), got number 5')
    expect(() => resolveConfig({ codec: 'LZ4X' }, { baseDir: dir.path, path: 'p.json' })).toThrow('p.json: codec: expected one of "SNAPPY", "GZIP", "BROTLI", "ZSTD", "UNCOMPRESSED", got string "LZ4X"')
    expect(() => resolveConfig({ rejects: { maxRatio: 2 } }, { baseDir: dir.path, path: 'p.json' })).toThrow('p.json: rejects.maxRatio: expected at most 1, got number 2')
    expect(() => resolveConfig({ datasets: { pageviews: { retentionDays: 0 } } }, { baseDir: dir.path, path: 'p.json' })).toThrow('p.json: datasets.pageviews.retentionDays')
    expect(resolveConfig({ datasets: { pageviews: {} } }, { baseDir: dir.path, path: 'p.json' }).datasets).toEqual([
      { kind: 'pageviews', name: 'pageviews', enabled: true, view: 'pageviews', output: '{dataset}/date={date}/{dataset}_{yyyymmdd}.parquet', connection: undefined, perProject: false, deleteAfterExport: false, retentionDays: 90, ledgerTable: undefined, tables: {}, schedule: { cron: '0 1 * * *', timezone: 'UTC' } },
    ])
    expect(() => resolveConfig({ datasets: { orders: { format: 'postgres', query: 'SELECT * FROM orders', output: 'o/{date}.parquet', columns: [{ name: 'day', type: 'date', nullable: false }], dateColumn: 'day' } } }, { baseDir: dir.path, path: 'p.json' })).toThrow('p.json: datasets.orders.query: must use $1 for the day it reads')
    expect(() => resolveConfig({ datasets: { query_perf: { output: '../escape/{yyyymmdd}.parquet' } } }, { baseDir: dir.path, path: 'p.json' })).toThrow(
      'p.json: datasets.query_perf.output: output template "../escape/{yyyymmdd}.parquet": must be a relative path without . or .. segments',
    )
    await writeFile(join(dir.path, 'bad.json'), '{ "output": ')
    await expect(loadConfig({ cwd: dir.path, path: 'bad.json' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('bad.json: not valid JSON') })
    await expect(loadConfig({ cwd: dir.path, path: 'missing.json' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('missing.json: cannot read the config file (ENOENT)') })
  })

  it('the starter config is valid and spells out the defaults', async () => {
    await writeFile(join(dir.path, 'parquetry.config.json'), starterConfig())
    const fromFile = await loadConfig({ cwd: dir.path })
    const defaults = resolveConfig({}, { baseDir: dir.path })
    expect({ ...fromFile, path: undefined }).toEqual(defaults)
  })

  it('the committed JSON Schema is the one the config schema generates', async () => {
    const committed = JSON.parse(await readFile(new URL('../../parquetry.config.schema.json', import.meta.url), 'utf8')) as unknown
    expect(committed).toEqual(configJsonSchema())
  })
})
