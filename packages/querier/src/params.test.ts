import { listValue } from '@duckdb/node-api'
import { useTempDir } from '@parquetry/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Querier } from './querier.js'

const dir = useTempDir()
let querier: Querier

beforeAll(async () => {
  querier = await Querier.create({ root: dir.path, layouts: [] })
})
afterAll(() => querier.close())

describe('parameters', () => {
  it('binds a Date as a TIMESTAMP (UTC) and, cast so, as a TIMESTAMPTZ; both round-trip', async () => {
    const at = new Date('2025-10-28T14:30:00.123Z')
    const result = await querier.query('SELECT $1::TIMESTAMP AS t, $1::TIMESTAMPTZ AS tz, $1 AS plain, typeof($1) AS type', [at], { timestamp: 'date' })
    expect(result.rows).toEqual([{ t: at, tz: at, plain: at, type: 'TIMESTAMP' }])
    expect(result.columns.map((column) => column.type)).toEqual(['TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP', 'VARCHAR'])
    expect((await querier.query('SELECT $at::TIMESTAMP AS t, $at::DATE AS d', { at })).rows).toEqual([{ t: '2025-10-28 14:30:00.123', d: '2025-10-28' }])
    expect((await querier.query('SELECT $1::TIMESTAMPTZ AS tz', [at], { timestamp: 'micros' })).rows).toEqual([{ tz: 1761661800123000n }])
    // Compared with a TIMESTAMP column, as the views' timestamps are.
    expect((await querier.query("SELECT count(*) AS n FROM range(3) AS r(i) WHERE TIMESTAMP '2025-10-28 14:30:00' + INTERVAL (i) SECOND >= $since", { since: new Date('2025-10-28T14:30:01Z') })).rows).toEqual([{ n: 2 }])
  })

  it('binds bigints exactly: BIGINT in the int64 range, HUGEINT past it', async () => {
    const max = 2n ** 63n - 1n
    const result = await querier.query('SELECT $1::BIGINT AS max, $2::BIGINT AS odd, typeof($1) AS t1, $3 AS huge, typeof($3) AS t3', [max, 9007199254740993n, 2n ** 64n], { bigint: 'bigint' })
    expect(result.rows).toEqual([{ max: 9223372036854775807n, odd: 9007199254740993n, t1: 'BIGINT', huge: 18446744073709551616n, t3: 'HUGEINT' }])
    expect((await querier.query('SELECT $big::BIGINT AS big, $big::BIGINT - 1 AS below', { big: 9007199254740993n })).rows).toEqual([{ big: '9007199254740993', below: '9007199254740992' }])
    expect((await querier.query('SELECT typeof($1) AS t, $1 AS v', [2n ** 127n])).rows).toEqual([{ t: 'UHUGEINT', v: '170141183460469231731687303715884105728' }])
    await expect(querier.query('SELECT $1', [2n ** 128n])).rejects.toMatchObject({ code: 'USAGE', message: 'parameter $1: 340282366920938463463374607431768211456 is outside the range of HUGEINT and UHUGEINT' })
  })

  it('binds numbers, strings, booleans, null and DuckDB values, never into the SQL text', async () => {
    const hostile = "x' OR '1'='1"
    expect((await querier.query('SELECT $s AS s, $n AS n, $x AS x, $b AS b, $z AS z, $l AS l', { s: hostile, n: 3, x: 2.5, b: false, z: null, l: listValue([1, 2]) })).rows).toEqual([{ s: hostile, n: 3, x: 2.5, b: false, z: null, l: [1, 2] }])
    expect((await querier.query("SELECT count(*) AS n FROM (SELECT 'a' AS v) WHERE v = $1", [hostile])).rows).toEqual([{ n: 0 }])
  })

  it('says what is wrong with the parameters', async () => {
    await expect(querier.query('SELECT $a AS a, $b AS b', { a: 1 })).rejects.toMatchObject({ code: 'USAGE', message: 'no value for $b' })
    await expect(querier.query('SELECT $a AS a', { a: 1, c: 2 })).rejects.toMatchObject({ code: 'USAGE', message: 'parameter $c is not in the SQL, whose parameters are $a' })
    await expect(querier.query('SELECT $1 AS a', [1, 2])).rejects.toMatchObject({ code: 'USAGE', message: '2 parameter values for 1 placeholder ($1)' })
    await expect(querier.query('SELECT $1 AS a')).rejects.toMatchObject({ code: 'USAGE', message: 'no value for $1' })
    await expect(querier.query('SELECT $1 AS a', [new Date(Number.NaN)])).rejects.toMatchObject({ code: 'USAGE', message: 'parameter $1 is an invalid Date' })
    await expect(querier.query('SELECT $1 AS a', [undefined as never])).rejects.toMatchObject({ code: 'USAGE', message: 'parameter $1 is undefined; bind null for SQL NULL' })
    await expect(querier.query('SELECT $1 AS a', [[1, 2] as never])).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('a plain array has no DuckDB type') })
  })
})
