import { defineSchema, isParquetryError, ParquetryError } from '@parquetry/schema'
import type { SourceItem } from '@parquetry/sources'
import { createLocalStorage, type Sink } from '@parquetry/storage'
import { readParquetRows, thrown, useTempDir } from '@parquetry/testing'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { inputsFrom } from '../inputs/inputs-from.js'
import type { DatasetDefinition, Input } from './definition.js'
import { planExport, runExport } from './run-export.js'
import { delegateStorage } from './test-storage.js'

const dir = useTempDir({ each: true })

const schema = defineSchema({
  name: 'orders',
  columns: [
    { name: 'id', type: 'int64', nullable: false },
    { name: 'day', type: 'date', nullable: false },
    { name: 'amount', type: 'int32' },
  ],
})

/** An input of one day: its rows as `[id, amount]`, an amount that is not a number being a reject. */
function dayInput(day: string, rows: [number, unknown][]): Input {
  const items: SourceItem[] = rows.map(([id, amount], index) => ({ kind: 'record', values: { id, day, amount }, location: { source: `orders_${day}.csv`, line: index + 2 } }))
  return {
    identity: `orders/${day}`,
    name: `orders_${day}.csv`,
    dates: [day],
    digest: async () => `v1:${day}:${rows.length}`,
    open: () =>
      (async function* () {
        yield items
      })(),
  }
}

function orders(overrides: Record<string, unknown> = {}, inputs: Input[] = [dayInput('2025-10-01', [[1, 10]])]): DatasetDefinition {
  return { name: 'orders', schema, inputs: inputsFrom(inputs, { description: 'orders_{date}.csv' }), partition: { template: '{dataset}/date={date}/{dataset}_{yyyymmdd}.parquet', dateColumn: 'day' }, ...overrides } as DatasetDefinition
}


describe('runExport refuses a malformed definition with CONFIG_INVALID, never a TypeError', () => {
  const without = (field: string) => {
    const definition = orders() as unknown as Record<string, unknown>
    delete definition[field]
    return definition
  }
  const cases: [string, unknown, { message: string; details: Record<string, unknown> }][] = [
    ['no schema', without('schema'), { message: 'dataset orders: schema must be a schema made by defineSchema(), it is missing', details: { dataset: 'orders', field: 'schema' } }],
    ['a schema without columns', orders({ schema: { name: 'orders' } }), { message: 'dataset orders: schema.columns must be an array of columns, it is missing', details: { dataset: 'orders', field: 'schema.columns' } }],
    ['a column of an unknown type', orders({ schema: { name: 'orders', columns: [{ name: 'id', type: 'integer' }] } }), { message: 'dataset orders: schema.columns[0].type must be one of string, boolean, int16, int32, int64, double, date, timestamp, json, got string "integer"', details: { dataset: 'orders', field: 'schema.columns[0].type' } }],
    ['inputs as a function', orders({ inputs: () => [] }), { message: 'dataset orders: inputs must be an input catalog: an object with list() and description, got a function', details: { dataset: 'orders', field: 'inputs' } }],
    ['inputs.list not a function', orders({ inputs: { description: 'x', list: [] } }), { message: 'dataset orders: inputs.list must be a function, got an array []', details: { dataset: 'orders', field: 'inputs.list' } }],
    ['a partition given as a string', orders({ partition: '{dataset}/{date}.parquet' }), { message: 'dataset orders: partition must be an object with template and dateColumn, got string "{dataset}/{date}.parquet"', details: { dataset: 'orders', field: 'partition' } }],
    ['a template that is a number', orders({ partition: { template: 5, dateColumn: 'day' } }), { message: 'dataset orders: partition.template must be a string, got number 5', details: { dataset: 'orders', field: 'partition.template' } }],
    ['no dateColumn', orders({ partition: { template: '{dataset}/{date}.parquet' } }), { message: 'dataset orders: partition.dateColumn must be a string, it is missing', details: { dataset: 'orders', field: 'partition.dateColumn' } }],
    ['a time zone that is not one', orders({ partition: { template: '{dataset}/{date}.parquet', dateColumn: 'day', timezone: 'Mars/Olympus' } }), { message: 'dataset orders: partition.timezone must be an IANA time zone such as "Asia/Bangkok", got string "Mars/Olympus"', details: { dataset: 'orders', field: 'partition.timezone' } }],
    ['a derive that is not a function', orders({ derive: { amount: 5 } }), { message: 'dataset orders: derive.amount must be a function of the typed row, got number 5', details: { dataset: 'orders', field: 'derive.amount' } }],
    ['afterCommit not a function', orders({ afterCommit: 'delete' }), { message: 'dataset orders: afterCommit must be a function, got string "delete"', details: { dataset: 'orders', field: 'afterCommit' } }],
    ['no name', without('name'), { message: 'dataset datasets[0]: name must be a non-empty string, it is missing', details: { dataset: 'datasets[0]', field: 'name' } }],
    ['null', null, { message: 'datasets[0] must be a dataset definition (an object), got null', details: { dataset: 'datasets[0]' } }],
  ]

  for (const [what, definition, expected] of cases) {
    it(what, async () => {
      const storage = createLocalStorage({ root: join(dir.path, 'out') })
      const error = await thrown(() => runExport({ datasets: [definition as DatasetDefinition], storage, selection: { kind: 'historical' } }))
      expect(error).toBeInstanceOf(ParquetryError)
      expect(error).not.toBeInstanceOf(TypeError)
      expect({ code: (error as ParquetryError).code, message: (error as Error).message, details: (error as ParquetryError).details }).toEqual({ code: 'CONFIG_INVALID', ...expected })
      // Refused before anything is read or written.
      expect(await readdir(dir.path)).toEqual([])
    })
  }

  it('names the second dataset when it is the wrong one, and planExport refuses the same', async () => {
    const storage = createLocalStorage({ root: join(dir.path, 'out') })
    const second = orders({ name: 'refunds', partition: { template: '{dataset}/{date}.parquet', dateColumn: 7 } })
    const error = await thrown(() => runExport({ datasets: [orders(), second], storage }))
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: 'dataset refunds: partition.dateColumn must be a string, got number 7', details: { dataset: 'refunds', field: 'partition.dateColumn' } })
    expect(await thrown(() => planExport({ dataset: second, storage }))).toMatchObject({ code: 'CONFIG_INVALID', details: { dataset: 'refunds', field: 'partition.dateColumn' } })
    expect(await thrown(() => runExport({ datasets: 'orders' as unknown as DatasetDefinition[], storage }))).toMatchObject({ code: 'CONFIG_INVALID', message: 'datasets must be an array of dataset definitions, got string "orders"' })
  })
})

describe('runExport wraps a foreign error once, and passes its own through', () => {
  it("a catalog's own ParquetryError is the dataset's error unchanged; a TypeError of its code is wrapped once; the next dataset is exported", async () => {
    const storage = createLocalStorage({ root: join(dir.path, 'out') })
    const own = new ParquetryError('SOURCE_READ_FAILED', 'orders API: 503 Service Unavailable', { details: { source: 'orders API', transient: true } })
    const failing = (name: string, error: unknown) => orders({ name, inputs: { description: name, list: () => Promise.reject(error) } })
    const result = await runExport({
      datasets: [failing('api_orders', own), failing('buggy_orders', new TypeError("Cannot read properties of undefined (reading 'items')")), orders()],
      storage,
      selection: { kind: 'historical' },
    })
    expect(result.ok).toBe(false)
    expect(result.datasets.map((dataset) => [dataset.dataset, dataset.error])).toEqual([
      ['api_orders', { code: 'SOURCE_READ_FAILED', message: 'orders API: 503 Service Unavailable', transient: true }],
      ['buggy_orders', { code: 'WRITE_FAILED', message: "buggy_orders: unexpected error: Cannot read properties of undefined (reading 'items')" }],
      ['orders', undefined],
    ])
    expect((await readParquetRows(join(dir.path, 'out/orders/date=2025-10-01/orders_20251001.parquet'))).map((row) => [row['id'], row['amount']])).toEqual([[1n, 10]])
  })

  it('a full disk while writing a rejects file fails that input with STORAGE_FAILED naming the file; the other dates are written', async () => {
    const local = createLocalStorage({ root: join(dir.path, 'out') })
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    // A filesystem that is full for the rejects folder only (a fake filesystem failure; the Parquet files are real).
    const full = delegateStorage(local, {
      createSink: async (path, options) => {
        const sink = await local.createSink(path, options)
        if (!path.startsWith('_rejects/')) return sink
        const failingSink: Sink = { path: sink.path, get bytesWritten() { return 0 }, write: () => Promise.reject(enospc), commit: (commit) => sink.commit(commit), abort: () => sink.abort() }
        return failingSink
      },
    })
    const inputs = [dayInput('2025-10-01', [[1, 10], [2, 20]]), dayInput('2025-10-02', [[3, 'thirty'], ...Array.from({ length: 120 }, (_, index): [number, number] => [100 + index, index])])]
    const result = await runExport({ datasets: [orders({ inputs: inputsFrom(inputs, { description: 'orders_{date}.csv', spread: 0 }) })], storage: full, selection: { kind: 'historical' } })
    expect(result.ok).toBe(false)
    const [failure] = result.datasets[0]?.failures ?? []
    expect(failure).toEqual({ input: 'orders/2025-10-02', code: 'STORAGE_FAILED', message: 'orders/2025-10-02: cannot write rejects file _rejects/orders/orders_2025-10-02.csv.rejects.ndjson: ENOSPC: no space left on device, write' })
    // The 2nd got no row before its input failed: it is still reported, as a file not written.
    expect(result.datasets[0]?.files.map((file) => [file.date, file.path, file.status, file.reason])).toEqual([
      ['2025-10-01', 'orders/date=2025-10-01/orders_20251001.parquet', 'written', undefined],
      ['2025-10-02', 'orders/date=2025-10-02/orders_20251002.parquet', 'failed', 'input orders/2025-10-02 could not be read; not written'],
    ])
    expect((await readParquetRows(join(dir.path, 'out/orders/date=2025-10-01/orders_20251001.parquet'))).map((row) => row['id'])).toEqual([1n, 2n])
    // Nothing of the failed day, and no temporary or half-written rejects file, is left.
    const left = (await readdir(join(dir.path, 'out'), { recursive: true })).filter((path) => path.includes('.')).sort()
    expect(left.filter((path) => !path.startsWith('_parquetry'))).toEqual(['orders/date=2025-10-01/orders_20251001.parquet'])
  })

  it('an abort passes the signal reason through unchanged (not wrapped in a second ABORTED)', async () => {
    const controller = new AbortController()
    const reason = new ParquetryError('ABORTED', 'stopped by SIGTERM')
    const stopping: Input = {
      ...dayInput('2025-10-01', []),
      open: () =>
        (async function* () {
          yield [{ kind: 'record', values: { id: 1, day: '2025-10-01', amount: 1 }, location: { source: 'x', line: 2 } }] satisfies SourceItem[]
          controller.abort(reason)
          controller.signal.throwIfAborted()
        })(),
    }
    const storage = createLocalStorage({ root: join(dir.path, 'out') })
    const error = await thrown(() => runExport({ datasets: [orders({}, [stopping])], storage, selection: { kind: 'historical' }, signal: controller.signal }))
    expect(error).toBe(reason)
    expect(isParquetryError(error, 'ABORTED')).toBe(true)
    expect((await readdir(join(dir.path, 'out'), { recursive: true }).catch(() => [])).filter((path) => path.endsWith('.parquet') || path.includes('tmp'))).toEqual([])
    expect(await readFile(join(dir.path, 'out/orders/date=2025-10-01/orders_20251001.parquet')).catch((failure: NodeJS.ErrnoException) => failure.code)).toBe('ENOENT')
  })
})
