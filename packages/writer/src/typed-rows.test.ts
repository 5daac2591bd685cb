import { defineSchema, type InferRow, type Row } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { duckDbQuery, readParquetRows, useTempDir } from '@parquetry/testing'
import { readdir } from 'node:fs/promises'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { ParquetFileWriter, writeParquet } from './parquet-file-writer.js'
import type { RowsInput } from './rows-input.js'

const orders = defineSchema({
  name: 'orders',
  columns: [
    { name: 'order_id', type: 'int64', nullable: false },
    { name: 'currency', type: 'string', nullable: false },
    { name: 'amount', type: 'double' },
    { name: 'created_at', type: 'timestamp', nullable: false },
  ],
})
type Order = InferRow<typeof orders>

const order = (id: number): Order => ({
  order_id: 9007199254740990n + BigInt(id),
  currency: id % 2 === 0 ? 'EUR' : 'USD',
  amount: id % 3 === 0 ? null : id * 1.25,
  created_at: 1761610523500000n + BigInt(id) * 1_000_000n,
})

/** What DuckDB reads back, in order_id order, as text where JavaScript numbers would round. */
async function readBack(path: string): Promise<unknown[]> {
  return duckDbQuery('SELECT order_id::VARCHAR AS order_id, currency, amount, created_at::VARCHAR AS created_at FROM read_parquet($1) ORDER BY order_id', [path])
}

const dir = useTempDir({ each: true })

describe('writeParquet and typed rows', () => {
  it('takes rows, batches of rows and async iterables of either, row groups spanning batches', async () => {
    const storage = createLocalStorage({ root: dir.path })
    async function* batches(): AsyncGenerator<Order[]> {
      yield [order(1), order(2), order(3)]
      yield []
      yield [order(4), order(5)]
    }
    const fromBatches = await writeParquet({ schema: orders, rows: batches(), sink: await storage.createSink('batches.parquet'), rowGroupSize: 2 })
    expect(fromBatches).toMatchObject({ rows: 5, rowGroups: 3 })
    // Rows and batches mixed in one synchronous iterable.
    const mixed = await writeParquet({ schema: orders, rows: [order(1), [order(2), order(3)], order(4), [order(5)]], sink: await storage.createSink('mixed.parquet'), rowGroupSize: 4 })
    expect(mixed).toMatchObject({ rows: 5, rowGroups: 2 })
    const expected = [
      { order_id: '9007199254740991', currency: 'USD', amount: 1.25, created_at: '2025-10-28 00:15:24.5' },
      { order_id: '9007199254740992', currency: 'EUR', amount: 2.5, created_at: '2025-10-28 00:15:25.5' },
      { order_id: '9007199254740993', currency: 'USD', amount: null, created_at: '2025-10-28 00:15:26.5' },
      { order_id: '9007199254740994', currency: 'EUR', amount: 5, created_at: '2025-10-28 00:15:27.5' },
      { order_id: '9007199254740995', currency: 'USD', amount: 6.25, created_at: '2025-10-28 00:15:28.5' },
    ]
    expect(await readBack(storage.resolvePath('batches.parquet'))).toEqual(expected)
    expect(await readBack(storage.resolvePath('mixed.parquet'))).toEqual(expected)
    // hyparquet reads the same values back, bigints exact.
    expect(await readParquetRows(storage.resolvePath('mixed.parquet'))).toEqual([1, 2, 3, 4, 5].map(order))
  })

  it('ParquetFileWriter.writeRows takes batches too, and append and write take single typed rows', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const writer = await ParquetFileWriter.create({ schema: orders, sink: await storage.createSink('rows.parquet'), rowGroupSize: 3 })
    expectTypeOf(writer).toEqualTypeOf<ParquetFileWriter<Order>>()
    await writer.write(order(1))
    await writer.append(order(2))
    await writer.writeRows([[order(3), order(4)], [order(5)]])
    const result = await writer.close()
    expect(result).toMatchObject({ path: 'rows.parquet', rows: 5, rowGroups: 2 })
    expect((await readParquetRows(storage.resolvePath('rows.parquet'))).map((row) => row.order_id)).toEqual([1, 2, 3, 4, 5].map((id) => order(id).order_id))
  })

  it('fails to compile a misspelt column or a value of the wrong type, and refuses them at run time too', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const wrongType = await writeParquet({
      schema: orders,
      // @ts-expect-error: amount is a double (a number), not a string
      rows: [order(1), { ...order(2), amount: '2.50' }],
      sink: await storage.createSink('wrong-type.parquet'),
    }).catch((error: unknown) => error)
    expect(wrongType).toMatchObject({ code: 'ROW_INVALID', message: expect.stringContaining('orders: row 2: column amount: "2.50"') })
    const misspelt = await writeParquet({
      schema: orders,
      // @ts-expect-error: there is no column ordr_id, and order_id is missing
      rows: [{ ordr_id: 3n, currency: 'EUR', amount: 1, created_at: 0n }],
      sink: await storage.createSink('misspelt.parquet'),
    }).catch((error: unknown) => error)
    expect(misspelt).toMatchObject({ code: 'ROW_INVALID', message: expect.stringContaining('orders: row 1: column order_id') })
    const writer = await ParquetFileWriter.create({ schema: orders, sink: await storage.createSink('appended.parquet') })
    // @ts-expect-error: currency is not nullable
    expect(() => writer.append({ ...order(1), currency: null })).toThrow(expect.objectContaining({ code: 'ROW_INVALID' }))
    const other = await ParquetFileWriter.create({ schema: orders, sink: await storage.createSink('written.parquet') })
    // @ts-expect-error: created_at is a timestamp, a bigint of microseconds, not a Date
    await expect(other.write({ ...order(1), created_at: new Date(0) })).rejects.toMatchObject({ code: 'ROW_INVALID' })
    // A bad row gives the file up; its removal is awaited here.
    await Promise.all([writer.abort(), other.abort()])
    expect(await readdir(dir.path)).toEqual([])
  })

  it('takes rows typed Row (a schema known at run time, a row parser) and checks them at run time', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const untyped: Row[] = [{ order_id: 7n, currency: 'EUR', amount: 1.5, created_at: 0n }]
    const result = await writeParquet({ schema: orders, rows: untyped, sink: await storage.createSink('untyped.parquet') })
    expect(result.rows).toBe(1)
    expect(await readBack(storage.resolvePath('untyped.parquet'))).toEqual([{ order_id: '7', currency: 'EUR', amount: 1.5, created_at: '1970-01-01 00:00:00' }])
    const bad: Row = { order_id: 'seven', currency: 'EUR', amount: 1.5, created_at: 0n }
    await expect(writeParquet({ schema: orders, rows: [bad], sink: await storage.createSink('bad.parquet') })).rejects.toMatchObject({
      code: 'ROW_INVALID',
      message: expect.stringContaining('column order_id: "seven"'),
    })
  })

  it('lets the schema, not the rows, decide the row type', () => {
    expectTypeOf<RowsInput<Order>>().toExtend<RowsInput>()
    expectTypeOf(writeParquet<Order>).parameter(0).toHaveProperty('schema').toEqualTypeOf<typeof orders>()
    expectTypeOf<AsyncIterable<Order[]>>().toExtend<RowsInput<Order>>()
    expectTypeOf<Iterable<Order | Order[]>>().toExtend<RowsInput<Order>>()
    expectTypeOf<AsyncIterable<Order[][]>>().not.toExtend<RowsInput<Order>>()
    expect(orders.columns.length).toBe(4)
  })
})
