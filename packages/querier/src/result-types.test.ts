// Type tests: `tsc --noEmit` (the package's typecheck) checks them, vitest runs them.
import { useTempDir } from '@parquetry/testing'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import type { QueryParam, QueryParams } from './params.js'
import { Querier } from './querier.js'
import type { CellValue, QueryColumn, QueryResult, QueryValue } from './values.js'

const dir = useTempDir()
let querier: Querier

beforeAll(async () => {
  querier = await Querier.create({ root: dir.path, layouts: [] })
})
afterAll(() => querier.close())

describe('result types', () => {
  it('query<T> gives rows of T; the default row is Record<string, CellValue>', async () => {
    const typed = await querier.query<{ n: number }>('SELECT 1 AS n')
    expectTypeOf(typed).toEqualTypeOf<QueryResult<{ n: number }>>()
    expectTypeOf(typed.rows).toEqualTypeOf<{ n: number }[]>()
    expectTypeOf(typed.columns).toEqualTypeOf<QueryColumn[]>()
    expect(typed.rows).toEqual([{ n: 1 }])

    const plain = await querier.query('SELECT 1 AS n')
    expectTypeOf(plain.rows).toEqualTypeOf<Record<string, CellValue>[]>()
    expectTypeOf(plain).toEqualTypeOf<QueryResult>()
    expect(plain.rows).toEqual([{ n: 1 }])

    const exact = await querier.query<{ id: bigint; at: Date }>("SELECT 9007199254740993::BIGINT AS id, TIMESTAMP '2025-10-28 00:00:00' AS at", [], { bigint: 'bigint', timestamp: 'date' })
    expectTypeOf(exact.rows[0]!.id).toEqualTypeOf<bigint>()
    expect(exact.rows).toEqual([{ id: 9007199254740993n, at: new Date('2025-10-28T00:00:00Z') }])

    const all = await querier.queryAll<{ n: number }>('SELECT 1 AS n; SELECT 2 AS n')
    expectTypeOf(all).toEqualTypeOf<QueryResult<{ n: number }>[]>()
    expect(all.map((result) => result.rows)).toEqual([[{ n: 1 }], [{ n: 2 }]])
  })

  it('value options that give bigints or Dates widen the default row to QueryValue, per call or as the querier\'s defaults', async () => {
    const perCall = await querier.query('SELECT 9007199254740993::BIGINT AS id', [], { bigint: 'bigint' })
    expectTypeOf(perCall.rows).toEqualTypeOf<Record<string, QueryValue>[]>()
    expect(perCall.rows).toEqual([{ id: 9007199254740993n }])
    // @ts-expect-error: a cell may be a bigint, which JSON cannot hold as a number
    const asJson: CellValue = perCall.rows[0]!['id']
    expect(typeof asJson).toBe('bigint')

    const native = await Querier.create({ root: dir.path, layouts: [], values: { bigint: 'bigint', timestamp: 'date' } })
    try {
      const rows = (await native.query("SELECT 1::BIGINT AS n, TIMESTAMP '2025-10-28 00:00:00' AS at")).rows
      expectTypeOf(rows).toEqualTypeOf<Record<string, QueryValue>[]>()
      expect(rows).toEqual([{ n: 1n, at: new Date('2025-10-28T00:00:00Z') }])
      for await (const batch of native.stream('SELECT 2::BIGINT AS n')) {
        expectTypeOf(batch).toEqualTypeOf<Record<string, QueryValue>[]>()
        expect(batch).toEqual([{ n: 2n }])
      }
    } finally {
      native.close()
    }
    // JSON-safe defaults keep the JSON-safe row.
    const json = await Querier.create({ root: dir.path, layouts: [], values: { bigint: 'string' } })
    try {
      expectTypeOf((await json.query('SELECT 1 AS n')).rows).toEqualTypeOf<Record<string, CellValue>[]>()
    } finally {
      json.close()
    }
  })

  it('stream<T> yields T[] batches', async () => {
    const batches: { n: number }[][] = []
    for await (const batch of querier.stream<{ n: number }>('SELECT 1 AS n')) {
      expectTypeOf(batch).toEqualTypeOf<{ n: number }[]>()
      batches.push(batch)
    }
    expect(batches).toEqual([[{ n: 1 }]])
    expectTypeOf(querier.stream('SELECT 1')).toExtend<AsyncIterable<Record<string, CellValue>[]>>()
  })

  it('takes Dates and bigints as parameters, and only object row types', () => {
    expectTypeOf<Date>().toExtend<QueryParam>()
    expectTypeOf<bigint>().toExtend<QueryParam>()
    expectTypeOf<{ at: Date; id: bigint; name: string; n: number; ok: boolean; none: null }>().toExtend<QueryParams>()
    expectTypeOf<[Date, bigint]>().toExtend<QueryParams>()
    expectTypeOf<{ at: () => void }>().not.toExtend<QueryParams>()
    expectTypeOf<bigint | Date>().toExtend<QueryValue>()
    expectTypeOf<bigint>().not.toExtend<CellValue>()
    // @ts-expect-error a row is an object
    const notARow = () => querier.query<string>('SELECT 1')
    expect(typeof notARow).toBe('function')
  })
})
