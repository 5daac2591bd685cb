import { dateOfTimestamp, defineSchema, type InferRow, type Row } from '@parquetry/schema'
import { readCsv, validateRecords, type ValidatedRows } from '@parquetry/sources'
import { createLocalStorage } from '@parquetry/storage'
import { duckDbQuery, useTempDir } from '@parquetry/testing'
import { writeParquet } from '@parquetry/writer'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { inputsFrom } from '../inputs/inputs-from.js'
import type { DatasetDefinition } from './definition.js'
import { runExport } from './run-export.js'

const orders = defineSchema({
  name: 'orders',
  columns: [
    { name: 'order_id', type: 'int64', nullable: false },
    { name: 'currency', type: 'string', nullable: false },
    { name: 'amount', type: 'double' },
    { name: 'created_at', type: 'timestamp', nullable: false },
    { name: 'day', type: 'date', nullable: false },
  ],
})
type Order = InferRow<typeof orders>

const csv = 'order_id,currency,amount,created_at\n1,EUR,10.5,2025-10-28T09:00:00Z\n9007199254740993,USD,,2025-10-29T23:59:59Z\nx,EUR,1,2025-10-28T10:00:00Z\n'
const bytes = () => (async function* () { yield new TextEncoder().encode(csv) })()
const columns = ['order_id', 'currency', 'amount', 'created_at']

/** One input of the CSV above, for the day it is named for. */
const ordersInputs = inputsFrom([{ identity: 'orders.csv', name: 'orders.csv', dates: ['2025-10-28'], digest: async () => 'v1', open: () => readCsv({ input: bytes(), name: 'orders.csv', columns }) }], { spread: 2 })

const dir = useTempDir({ each: true })

describe('typed rows from validateRecords to writeParquet', () => {
  it('validateRecords yields batches of the schema’s rows, and writeParquet takes them as they are', async () => {
    const rows = validateRecords({ source: readCsv({ input: bytes(), name: 'orders.csv', columns }), schema: orders, derive: { day: (row) => dateOfTimestamp(row.created_at) } })
    expectTypeOf(rows).toEqualTypeOf<ValidatedRows<Order>>()
    const storage = createLocalStorage({ root: dir.path })
    const result = await writeParquet({ schema: orders, rows, sink: await storage.createSink('orders.parquet') })
    expect(result.rows).toBe(2)
    expect(rows.summary).toMatchObject({ read: 3, accepted: 2, rejected: 1 })
    expect(await duckDbQuery('SELECT order_id::VARCHAR AS id, currency, amount, day::VARCHAR AS day FROM read_parquet($1) ORDER BY order_id', [storage.resolvePath('orders.parquet')])).toEqual([
      { id: '1', currency: 'EUR', amount: 10.5, day: '2025-10-28' },
      { id: '9007199254740993', currency: 'USD', amount: null, day: '2025-10-29' },
    ])
  })

  it('types derive by the schema: a misspelt column or a wrong value type fails to compile', () => {
    const source = readCsv({ input: bytes(), name: 'orders.csv', columns })
    validateRecords({
      source,
      schema: orders,
      derive: {
        // @ts-expect-error: there is no column ordr_id
        day: (row) => dateOfTimestamp(row.ordr_id),
      },
    })
    validateRecords({
      source,
      schema: orders,
      derive: {
        // @ts-expect-error: day is a date (a string), not a bigint
        day: (row) => row.created_at,
      },
    })
    expectTypeOf<ValidatedRows<Order>>().toExtend<AsyncIterable<Order[]>>()
    expect(columns).toHaveLength(4)
  })
})

describe('runExport and typed dataset definitions', () => {
  it('types the rows a definition written inside runExport derives from, and exports what it derives', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const result = await runExport({
      datasets: [
        {
          name: 'orders',
          schema: orders,
          inputs: ordersInputs,
          partition: { template: 'orders/date={date}/orders_{yyyymmdd}.parquet', dateColumn: 'day' },
          derive: {
            day: (row) => {
              expectTypeOf(row).toEqualTypeOf<Order>()
              return dateOfTimestamp(row.created_at)
            },
          },
        },
      ],
      storage,
      selection: { kind: 'historical' },
      rejects: { maxRatio: 0.5 },
    })
    expect(result.ok).toBe(true)
    expect(result.datasets[0]?.files.map((file) => [file.status, file.path, file.rows])).toEqual([
      ['written', 'orders/date=2025-10-28/orders_20251028.parquet', 1],
      ['written', 'orders/date=2025-10-29/orders_20251029.parquet', 1],
    ])
    expect(await duckDbQuery('SELECT order_id::VARCHAR AS id, day::VARCHAR AS day FROM read_parquet($1) ORDER BY order_id', [storage.resolvePath('orders/*/*.parquet')])).toEqual([
      { id: '1', day: '2025-10-28' },
      { id: '9007199254740993', day: '2025-10-29' },
    ])
  })

  it('fails to compile a misspelt column or a wrong value type in a definition, inline or declared', () => {
    const definition = (derive: DatasetDefinition<Order>['derive']): DatasetDefinition<Order> => ({
      name: 'orders',
      schema: orders,
      inputs: ordersInputs,
      partition: { template: 'orders/{date}.parquet', dateColumn: 'day' },
      ...(derive ? { derive } : {}),
    })
    // @ts-expect-error: there is no column ordr_id
    definition({ day: (row) => String(row.ordr_id) })
    // @ts-expect-error: day is a date (a string), not a bigint
    definition({ day: (row) => row.order_id })
    const exportWith = () =>
      runExport({
        datasets: [
          {
            name: 'orders',
            schema: orders,
            inputs: ordersInputs,
            partition: { template: 'orders/{date}.parquet', dateColumn: 'day' },
            // @ts-expect-error: day is a date (a string), not a number
            derive: { day: (row) => row.amount },
          },
        ],
        storage: createLocalStorage({ root: dir.path }),
      })
    // A definition of typed rows is a definition of Rows: what status, verify and layouts take.
    const typed: DatasetDefinition<Order> = definition({ day: (row) => dateOfTimestamp(row.created_at) })
    const loose: DatasetDefinition = typed
    const asRows: DatasetDefinition<Row>[] = [loose, typed]
    expect(asRows.map((one) => one.partition.dateColumn)).toEqual(['day', 'day'])
    expect(typeof exportWith).toBe('function')
  })
})
