import { useTempDir } from '@parquetry/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Querier } from './querier.js'

const dir = useTempDir()
let querier: Querier

beforeAll(async () => {
  querier = await Querier.create({ root: dir.path, layouts: [] })
})
afterAll(() => querier.close())

// The example: each column holds a small and a large value, in turn.
const mixed = 'SELECT * FROM (VALUES (5::BIGINT, 9007199254740993::BIGINT, 1::INTEGER), (9007199254740993::BIGINT, 5::BIGINT, 2::INTEGER)) AS t(small, big, n) ORDER BY n'

describe("bigint: 'json' (default): JSON-safe, one type per column", () => {
  it('gives a column numbers when every value fits ±(2^53 − 1), else the whole column as strings', async () => {
    expect((await querier.query(mixed)).rows).toEqual([
      { small: '5', big: '9007199254740993', n: 1 },
      { small: '9007199254740993', big: '5', n: 2 },
    ])
    const fits = await querier.query('SELECT * FROM (VALUES (9007199254740991::BIGINT, (-9007199254740991)::HUGEINT, 1::UBIGINT, NULL::BIGINT), (1, 2, 3, 4)) AS t(a, b, c, d)')
    expect(fits.rows).toEqual([
      { a: 9007199254740991, b: -9007199254740991, c: 1, d: null },
      { a: 1, b: 2, c: 3, d: 4 },
    ])
    expect(fits.columns).toEqual([
      { name: 'a', type: 'BIGINT' },
      { name: 'b', type: 'HUGEINT' },
      { name: 'c', type: 'UBIGINT' },
      { name: 'd', type: 'BIGINT' },
    ])
    // Just past 2^53 − 1: a number there could be a neighbour's rounding.
    expect((await querier.query('SELECT 9007199254740992::BIGINT AS a UNION ALL SELECT 1')).rows.map((row) => row['a']).sort()).toEqual(['1', '9007199254740992'])
  })

  it('decides integers inside lists and structs with their column', async () => {
    const small = await querier.query("SELECT [1::BIGINT, 2] AS l, {'a': 3::BIGINT, 'b': 'x'} AS s")
    expect(small.rows).toEqual([{ l: [1, 2], s: { a: 3, b: 'x' } }])
    const large = await querier.query("SELECT * FROM (VALUES ([1::BIGINT], {'a': 1::BIGINT}), ([9007199254740993::BIGINT], {'a': 2::BIGINT})) AS t(l, s)")
    expect(large.rows).toEqual([
      { l: ['1'], s: { a: 1 } },
      { l: ['9007199254740993'], s: { a: 2 } },
    ])
  })

  it('keeps the other types as before: dates as YYYY-MM-DD, timestamps as text, decimals as text', async () => {
    const result = await querier.query("SELECT DATE '2025-10-28' AS d, TIMESTAMP '2025-10-28 14:30:00.123456' AS t, 12.50::DECIMAL(10,2) AS m, 1.5::DOUBLE AS x, 7::INTEGER AS i, true AS b, NULL AS z")
    expect(result.rows).toEqual([{ d: '2025-10-28', t: '2025-10-28 14:30:00.123456', m: '12.50', x: 1.5, i: 7, b: true, z: null }])
  })

  it('names repeated columns apart instead of dropping one', async () => {
    const result = await querier.query('SELECT 1 AS a, 2 AS a')
    expect(result.columns.map((column) => column.name)).toEqual(['a', 'a:1'])
    expect(result.rows).toEqual([{ a: 1, 'a:1': 2 }])
  })
})

describe("bigint: 'bigint' and 'string'", () => {
  it("'bigint' gives native bigints, nested too; 'string' always strings", async () => {
    const exact = await querier.query(`${mixed.replace(' ORDER BY n', '')} UNION ALL SELECT (2::HUGEINT ** 100)::HUGEINT, 0, 3 ORDER BY n`, undefined, { bigint: 'bigint' })
    expect(exact.rows).toEqual([
      { small: 5n, big: 9007199254740993n, n: 1 },
      { small: 9007199254740993n, big: 5n, n: 2 },
      { small: 1267650600228229401496703205376n, big: 0n, n: 3 },
    ])
    expect((await querier.query('SELECT [9223372036854775807::BIGINT] AS l', [], { bigint: 'bigint' })).rows).toEqual([{ l: [9223372036854775807n] }])
    expect((await querier.query(mixed, undefined, { bigint: 'string' })).rows).toEqual([
      { small: '5', big: '9007199254740993', n: 1 },
      { small: '9007199254740993', big: '5', n: 2 },
    ])
    expect((await querier.query('SELECT 5::BIGINT AS a', undefined, { bigint: 'string' })).rows).toEqual([{ a: '5' }])
  })
})

describe('timestamp modes', () => {
  const sql = "SELECT TIMESTAMP '2025-10-28 14:30:00.123456' AS t, TIMESTAMPTZ '2025-10-28 14:30:00.5+00' AS tz, TIMESTAMP_NS '1969-12-31 23:59:59.999999999' AS ns, TIMESTAMP_S '2025-10-28 14:30:00' AS s, DATE '2025-10-28' AS d"

  it("'date' gives JS Dates (milliseconds), 'micros' µs since the epoch; DATE stays text", async () => {
    expect((await querier.query(sql, undefined, { timestamp: 'date' })).rows).toEqual([
      { t: new Date('2025-10-28T14:30:00.123Z'), tz: new Date('2025-10-28T14:30:00.500Z'), ns: new Date('1969-12-31T23:59:59.999Z'), s: new Date('2025-10-28T14:30:00Z'), d: '2025-10-28' },
    ])
    expect((await querier.query(sql, undefined, { timestamp: 'micros' })).rows).toEqual([{ t: 1761661800123456n, tz: 1761661800500000n, ns: -1n, s: 1761661800000000n, d: '2025-10-28' }])
    expect((await querier.query("SELECT [TIMESTAMP '1970-01-01 00:00:01'] AS l", undefined, { timestamp: 'micros' })).rows).toEqual([{ l: [1000000n] }])
  })

  it('refuses a timestamp a Date cannot hold, and unknown modes', async () => {
    await expect(querier.query("SELECT 'infinity'::TIMESTAMP AS t", undefined, { timestamp: 'date' })).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining("use timestamp: 'micros' or 'string'") })
    await expect(querier.query('SELECT 1', undefined, { timestamp: 'iso' as never })).rejects.toMatchObject({ code: 'USAGE', message: 'timestamp: "iso" is not one of string, date, micros' })
    await expect(querier.query('SELECT 1', undefined, { bigint: 'number' as never })).rejects.toMatchObject({ code: 'USAGE' })
    await expect(Querier.create({ root: dir.path, layouts: [], values: { bigint: 'nope' as never } })).rejects.toMatchObject({ code: 'USAGE' })
  })
})

describe('defaults from Querier.create({ values })', () => {
  it('apply to every call, and a call overrides them', async () => {
    const exact = await Querier.create({ root: dir.path, layouts: [], values: { bigint: 'bigint', timestamp: 'micros' } })
    try {
      const sql = "SELECT 5::BIGINT AS n, TIMESTAMP '1970-01-01 00:00:02' AS t"
      expect((await exact.query(sql)).rows).toEqual([{ n: 5n, t: 2000000n }])
      expect((await exact.query(sql, undefined, { timestamp: 'string' })).rows).toEqual([{ n: 5n, t: '1970-01-01 00:00:02' }])
      expect((await exact.queryAll(sql)).map((result) => result.rows)).toEqual([[{ n: 5n, t: 2000000n }]])
      const batches: unknown[][] = []
      for await (const batch of exact.stream(sql, undefined, { bigint: 'json' })) batches.push(batch)
      expect(batches).toEqual([[{ n: '5', t: 2000000n }]])
    } finally {
      exact.close()
    }
  })
})
