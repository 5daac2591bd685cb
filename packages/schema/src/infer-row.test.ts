import { describe, expect, expectTypeOf, it } from 'vitest'
import { queryPerfSchema } from './builtin/query-perf.js'
import { defineSchema } from './define-schema.js'
import { createRowParser } from './row-parser.js'
import type { ColumnValue, DatasetSchema, DeriveColumns, InferRow, Row, SchemaDefinition } from './types.js'

const orders = defineSchema({
  name: 'orders',
  columns: [
    { name: 'order_id', type: 'int64', nullable: false },
    { name: 'currency', type: 'string', nullable: false },
    { name: 'amount', type: 'double' },
    { name: 'created_at', type: 'timestamp', nullable: false, unit: 'millis' },
  ],
})

type Order = InferRow<typeof orders>

describe('InferRow', () => {
  it('gives the row type of a schema defined in code: nullable columns | null', () => {
    expectTypeOf<Order>().toEqualTypeOf<{ order_id: bigint; currency: string; amount: number | null; created_at: bigint }>()
    expectTypeOf(orders).toEqualTypeOf<DatasetSchema<Order>>()
    // The runtime schema is what it was: defaults filled in, frozen, fingerprinted.
    expect(orders.columns.map((column) => [column.name, column.type, column.nullable, column.unit])).toEqual([
      ['order_id', 'int64', false, 'micros'],
      ['currency', 'string', false, 'micros'],
      ['amount', 'double', true, 'micros'],
      ['created_at', 'timestamp', false, 'millis'],
    ])
    expect(orders.version).toBe(1)
    expect(orders.fingerprint).toMatch(/^fnv1a64:[0-9a-f]{16}$/)
    expect(Object.isFrozen(orders)).toBe(true)
    expect(Object.getOwnPropertySymbols(orders)).toEqual([])
  })

  it('maps every column type as the ColumnType table says', () => {
    const every = defineSchema({
      name: 'every_type',
      columns: [
        { name: 's', type: 'string', nullable: false },
        { name: 'b', type: 'boolean', nullable: false },
        { name: 'i16', type: 'int16', nullable: false },
        { name: 'i32', type: 'int32', nullable: false },
        { name: 'i64', type: 'int64', nullable: false },
        { name: 'd', type: 'double', nullable: false },
        { name: 'day', type: 'date', nullable: false },
        { name: 'ts', type: 'timestamp', nullable: false },
        { name: 'j', type: 'json', nullable: false },
        { name: 'maybe', type: 'int32', nullable: true },
        { name: 'unsaid', type: 'boolean' },
      ],
    })
    expectTypeOf<InferRow<typeof every>>().toEqualTypeOf<{
      s: string
      b: boolean
      i16: number
      i32: number
      i64: bigint
      d: number
      day: string
      ts: bigint
      j: string
      maybe: number | null
      unsaid: boolean | null
    }>()
    expectTypeOf<ColumnValue<'date' | 'int16'>>().toEqualTypeOf<string | number>()
    expect(every.columns.length).toBe(11)
  })

  it('types the built-in schemas too', () => {
    type QueryPerf = InferRow<typeof queryPerfSchema>
    expectTypeOf<QueryPerf['timestamp']>().toEqualTypeOf<bigint>()
    expectTypeOf<QueryPerf['rows_examined']>().toEqualTypeOf<bigint | null>()
    expectTypeOf<QueryPerf['cache_hit']>().toEqualTypeOf<boolean | null>()
    expectTypeOf<QueryPerf['date_partition']>().toEqualTypeOf<string>()
    expect(queryPerfSchema.columns.map((column) => column.name)).toContain('date_partition')
  })

  it('takes a schema definition as well as a schema', () => {
    const definition = { name: 'pairs', columns: [{ name: 'key', type: 'string', nullable: false }, { name: 'value', type: 'json' }] } as const satisfies SchemaDefinition
    expectTypeOf<InferRow<typeof definition>>().toEqualTypeOf<{ key: string; value: string | null }>()
    expect(defineSchema(definition).columns.map((column) => column.nullable)).toEqual([false, true])
  })

  it('gives Row for a schema whose columns are known only at run time (a config file)', () => {
    const fromConfig: SchemaDefinition = JSON.parse('{"name":"events","columns":[{"name":"id","type":"int64","nullable":false}]}')
    const events = defineSchema(fromConfig)
    expectTypeOf(events).toEqualTypeOf<DatasetSchema<Row>>()
    expectTypeOf<InferRow<typeof events>>().toEqualTypeOf<Row>()
    expect(events.columns[0]).toMatchObject({ name: 'id', type: 'int64', nullable: false })
  })

  it('makes a schema of typed rows a DatasetSchema, and a Row-typed schema no schema of typed rows', () => {
    expectTypeOf(orders).toExtend<DatasetSchema>()
    expectTypeOf<DatasetSchema>().not.toExtend<DatasetSchema<Order>>()
    const anySchema: DatasetSchema = orders
    expect(anySchema.name).toBe('orders')
  })

  it('refuses a misspelt column, a value of the wrong type, a missing column and a null where none is allowed', () => {
    const row: Order = { order_id: 9007199254740993n, currency: 'EUR', amount: null, created_at: 1761610523500000n }
    // @ts-expect-error: there is no column ordr_id
    expect(row.ordr_id).toBeUndefined()
    // @ts-expect-error: order_id is an int64, a bigint
    const wrongType: Order = { order_id: 1, currency: 'EUR', amount: 1.5, created_at: 1n }
    // @ts-expect-error: created_at is missing
    const missing: Order = { order_id: 1n, currency: 'EUR', amount: 1.5 }
    // @ts-expect-error: currency is not nullable
    const nullCurrency: Order = { order_id: 1n, currency: null, amount: 1.5, created_at: 1n }
    expect([wrongType.order_id, missing.currency, nullCurrency.currency]).toEqual([1, 'EUR', null])
    expectTypeOf(row.amount).toEqualTypeOf<number | null>()
    // What the row parser makes of raw values is a row of this shape.
    const parsed = createRowParser(orders)({ order_id: '9007199254740993', currency: 'EUR', amount: '', created_at: '2025-10-28T07:15:23.5+07:00' })
    expect(parsed).toEqual({ ok: true, row: { order_id: 9007199254740993n, currency: 'EUR', amount: null, created_at: 1761610523500000n } })
  })

  it('refuses options a schema or a column definition does not know, at compile time as at run time', () => {
    expect(() =>
      defineSchema({
        name: 'typos',
        // @ts-expect-error: nulable is not an option (nullable is)
        columns: [{ name: 'a', type: 'string', nulable: false }],
      }),
    ).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
    expect(() =>
      defineSchema({
        name: 'typos',
        columns: [{ name: 'a', type: 'string' }],
        // @ts-expect-error: versions is not an option (version is)
        versions: 2,
      }),
    ).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
    // @ts-expect-error: int65 is no column type
    expect(() => defineSchema({ name: 'typos', columns: [{ name: 'a', type: 'int65' }] })).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID' }))
  })
})

describe('DeriveColumns', () => {
  it('types a derived column by its name: the typed row in, that column’s value out', () => {
    const derive: DeriveColumns<Order> = { currency: (row) => (row.amount === null ? 'unknown' : 'EUR') }
    // @ts-expect-error: currency is a string, not a bigint
    const wrong: DeriveColumns<Order> = { currency: (row) => row.order_id }
    // @ts-expect-error: no column ordr_id to derive
    const misspelt: DeriveColumns<Order> = { ordr_id: () => 1n }
    expectTypeOf<Parameters<NonNullable<DeriveColumns<Order>['currency']>>[0]>().toEqualTypeOf<Order>()
    // A derivation of typed rows is also one of Rows (a dataset definition of typed rows is one of Rows).
    const loose: DeriveColumns = derive
    expect(loose.currency?.({ order_id: 1n, currency: '', amount: null, created_at: 0n })).toBe('unknown')
    expect(Object.keys({ ...wrong, ...misspelt })).toEqual(['currency', 'ordr_id'])
  })
})
