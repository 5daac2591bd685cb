// Every type the decoder claims, with edge values, against a real PostgreSQL:
// each value read through binary COPY (and through query()) is compared with
// PostgreSQL's own text output of it.
import { describe, expect, it } from 'vitest'
import type { SourceItem } from '../types.js'
import { connectPostgres } from './session.js'
import { useTestDatabase } from './test-database.js'
import { supportedTypes } from './type-mapping.js'

const database = useTestDatabase()

/** SQL literals of each type (cast by the query), and what PostgreSQL's text of each must become. */
interface TypeCase {
  type: string
  oid: number
  values: string[]
  /** The JavaScript value PostgreSQL's text output (`text`) stands for; `expected` may use a second text (`extra`) PostgreSQL computes. */
  expected: (text: string, extra: string) => unknown
  /** SQL of a second text, from `v` (e.g. the µs count of a timestamp). */
  extra?: string
}

const same = (text: string) => text
// Exact (extract(epoch) of a far timestamp loses digits): whole days, then the time of day; the session is in UTC.
const microsSql = "((v::date - date '1970-01-01')::numeric * 86400000000 + extract(epoch from v::time) * 1000000)::numeric(30,0)::text"

const cases: TypeCase[] = [
  { type: 'bool', oid: 16, values: ['true', 'false'], expected: (text) => text === 't' },
  { type: 'int2', oid: 21, values: ['0', '-32768', '32767', '-1', '1'], expected: Number },
  { type: 'int4', oid: 23, values: ['0', '-2147483648', '2147483647', '-1', '65536'], expected: Number },
  {
    type: 'int8',
    oid: 20,
    values: ['0', '-9223372036854775808', '9223372036854775807', '9007199254740991', '9007199254740992', '-9007199254740993', '4294967295', '4294967296', '-4294967296', '-1', '9007199254740993'],
    expected: BigInt,
  },
  { type: 'oid', oid: 26, values: ['0', '4294967295', '2147483648', '12345'], expected: Number },
  {
    type: 'float4',
    oid: 700,
    values: ['0', '-0', '0.1', '3.4028235e38', '-3.4028235e38', '1.4e-45', '1.17549435e-38', "'NaN'", "'Infinity'", "'-Infinity'", '16777217'],
    expected: (text) => Math.fround(Number(text)),
  },
  {
    type: 'float8',
    oid: 701,
    values: ["'0'", "'-0'", '0.1', '1.7976931348623157e308', "'5e-324'", '2.2250738585072014e-308', "'NaN'", "'Infinity'", "'-Infinity'", '9007199254740993', '-1.5'],
    expected: Number,
  },
  {
    type: 'numeric',
    oid: 1700,
    values: [
      '0', '-0', '1.50', '-123.456', '0.000001', '-0.00010', "'NaN'", "'Infinity'", "'-Infinity'", '9999', '10000', '0.0001', '99999999.99999999',
      '123456789012345678901234567890.123456789012345678901234567890', '1e-20', '1e20', '-1e-130', "repeat('9', 1000)", "('0.' || repeat('0', 500) || '1')",
      "(1.0::numeric(20,10))", "round(2.5, 0)", "(10::numeric ^ 131071)",
    ],
    expected: same,
  },
  {
    type: 'text',
    oid: 25,
    values: [
      "''", "'plain'", "E'tab\\there'", "'comma,quote\"''s'", "E'new\\nline\\r\\n'", "'héllo wörld ☃ 😀 日本語'", "'a longer ASCII value of more than twenty-four bytes'",
      "'naïve — a longer value with non-ASCII in its middle, past 24 bytes'", "E'back\\\\slash'", "repeat('x', 100000)", "repeat('é', 70000)", "' spaces  '",
    ],
    expected: same,
  },
  { type: 'varchar', oid: 1043, values: ["''", "'varchar ☃'", "'x,y\"z'"], expected: same },
  { type: 'bpchar', oid: 1042, values: ["'ab'::char(5)", "'☃'::char(3)", "'abc'::char(3)"], expected: same },
  { type: 'name', oid: 19, values: ["'pg_catalog'", "'naïve'", "repeat('n', 63)"], expected: same },
  {
    type: 'json',
    oid: 114,
    values: [`'{"a": [1, 2.5, "x"]}'`, `'  {"spaces":  true , "id": 9223372036854775807}  '`, `'"☃"'`, `'null'`, `'[]'`],
    expected: same,
  },
  {
    type: 'jsonb',
    oid: 3802,
    values: [`'{"a": [1, 2.5, "x"]}'`, `'  {"spaces":  true , "id": 9223372036854775807}  '`, `'"☃ \\u00e9"'`, `'null'`, `'{"b": 1, "a": {"c": []}}'`],
    expected: same,
  },
  {
    type: 'uuid',
    oid: 2950,
    values: ["'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'", "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "'{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12}'"],
    expected: same,
  },
  {
    type: 'date',
    oid: 1082,
    values: ["'2000-01-01'", "'1970-01-01'", "'1969-12-31'", "'2026-11-01'", "'0001-01-01'", "'9999-12-31'", "'1900-02-28'", "'2000-02-29'", "'2024-02-29'", "'1582-10-04'", "'2100-03-01'"],
    expected: same,
  },
  {
    type: 'timestamp',
    oid: 1114,
    values: [
      "'2000-01-01 00:00:00'", "'1970-01-01 00:00:00'", "'1969-12-31 23:59:59.999999'", "'2026-11-01 00:00:00'", "'2026-10-31 17:00:00'", "'0001-01-01 00:00:00'",
      "'9999-12-31 23:59:59.999999'", "'4713-01-01 00:00:00 BC'", "'294247-01-10 04:00:54.775807'", "'2038-01-19 03:14:08.000001'", "'1901-12-13 20:45:51.5'",
    ],
    expected: (_text, micros) => BigInt(micros),
    extra: microsSql,
  },
  {
    type: 'timestamptz',
    oid: 1184,
    values: [
      "'2000-01-01 00:00:00+00'", "'2026-11-01 00:00:00+07'", "'2026-11-01 06:59:59.999999+07'", "'1969-12-31 23:59:59.999999-03:30'", "'1900-01-01 00:00:00+06:42:04'",
      "'0001-01-01 00:00:00+00'", "'4713-01-01 00:00:00+00 BC'", "'294247-01-10 04:00:54.775807+00'",
    ],
    expected: (_text, micros) => BigInt(micros),
    extra: microsSql,
  },
]

async function copyItems(url: string, sql: string): Promise<SourceItem[]> {
  const session = await connectPostgres({ connectionString: url })
  try {
    return await session.transaction(async (inside) => {
      const items: SourceItem[] = []
      for await (const batch of inside.copyRows(sql, [], { name: 'types' })) items.push(...batch)
      return items
    })
  } finally {
    await session.close()
  }
}

function valuesSql(type: TypeCase): string {
  const rows = type.values.map((value, index) => `(${index}, (${value})::${type.type})`).join(', ')
  // format('%s') is the type's output function (a cast to text would strip char(n)'s padding).
  return `SELECT n, v, format('%s', v) AS text, ${type.extra ?? "''"} AS extra FROM (VALUES ${rows}) AS t(n, v) ORDER BY n`
}

describe('every decoded type against PostgreSQL', () => {
  it('covers every type the decoder claims', () => {
    expect(cases.map((type) => type.oid).sort()).toEqual(supportedTypes.map((type) => type.oid).sort())
  })

  for (const type of cases) {
    it(`${type.type} (OID ${type.oid}): binary COPY and query() give the value of PostgreSQL's text`, async () => {
      const sql = valuesSql(type)
      const items = await copyItems(database.url, sql)
      expect(items.filter((item) => item.kind !== 'record')).toEqual([])
      const copied = items.map((item) => (item.kind === 'record' ? item.values : {}))
      expect(copied).toHaveLength(type.values.length)
      const session = await connectPostgres({ connectionString: database.url })
      try {
        const described = await session.query<{ oid: number }>(`SELECT pg_typeof(v)::oid::int AS oid FROM (${sql}) q LIMIT 1`)
        expect(described[0]?.oid).toBe(type.oid)
        const queried = await session.query<Record<string, unknown>>(sql)
        for (const [index, row] of copied.entries()) {
          const expected = type.expected(row['text'] as string, row['extra'] as string)
          expect(Object.is(row['v'], expected) || row['v'] === expected, `${type.type} ${type.values[index]}: ${String(row['v'])} for ${String(row['text'])}`).toBe(true)
          expect(Object.is(queried[index]?.['v'], expected) || queried[index]?.['v'] === expected, `query() ${type.type} ${type.values[index]}: ${String(queried[index]?.['v'])}`).toBe(true)
        }
      } finally {
        await session.close()
      }
    })
  }

  it('NULL of every type is null', async () => {
    const columns = cases.map((type) => `NULL::${type.type} AS ${type.type}_null`).join(', ')
    const [item] = await copyItems(database.url, `SELECT ${columns}`)
    expect(item?.kind).toBe('record')
    expect(item?.kind === 'record' ? item.values : undefined).toEqual(Object.fromEntries(cases.map((type) => [`${type.type}_null`, null])))
  })

  it('dates and timestamps without a value of their type are located problems, not crashes; the rest of the rows go on', async () => {
    const sql = `SELECT * FROM (VALUES
      (1, 'infinity'::date, '2026-11-01'::timestamp, '2026-11-01'::timestamptz),
      (2, '-infinity'::date, '2026-11-01'::timestamp, '2026-11-01'::timestamptz),
      (3, '4714-11-24 BC'::date, '2026-11-01'::timestamp, '2026-11-01'::timestamptz),
      (4, '0001-12-31 BC'::date, '2026-11-01'::timestamp, '2026-11-01'::timestamptz),
      (5, '10000-01-01'::date, '2026-11-01'::timestamp, '2026-11-01'::timestamptz),
      (6, '5874897-12-31'::date, '2026-11-01'::timestamp, '2026-11-01'::timestamptz),
      (7, '2026-11-01'::date, 'infinity'::timestamp, '2026-11-01'::timestamptz),
      (8, '2026-11-01'::date, '2026-11-01'::timestamp, '-infinity'::timestamptz),
      (9, '2026-11-01'::date, '294276-12-31 23:59:59.999999'::timestamp, '2026-11-01'::timestamptz),
      (10, '2026-11-01'::date, '2026-11-01'::timestamp, '2026-11-01'::timestamptz)
    ) AS t(id, d, ts, tz) ORDER BY id`
    const items = await copyItems(database.url, sql)
    expect(items.map((item) => [item.kind, item.location.path, item.kind === 'problem' ? [item.reason, item.raw] : undefined])).toEqual([
      ['problem', 'id=1', ['column d: date infinity has no calendar day', 'infinity']],
      ['problem', 'id=2', ['column d: date -infinity has no calendar day', '-infinity']],
      ['problem', 'id=3', ['column d: date 4714-11-24 BC is outside the years 1 to 9999 a date column holds', '4714-11-24 BC']],
      ['problem', 'id=4', ['column d: date 0001-12-31 BC is outside the years 1 to 9999 a date column holds', '0001-12-31 BC']],
      ['problem', 'id=5', ['column d: date 10000-01-01 is outside the years 1 to 9999 a date column holds', '10000-01-01']],
      ['problem', 'id=6', ['column d: date 5874897-12-31 is outside the years 1 to 9999 a date column holds', '5874897-12-31']],
      ['problem', 'id=7', ['column ts: timestamp infinity has no microsecond count', 'infinity']],
      ['problem', 'id=8', ['column tz: timestamptz -infinity has no microsecond count', '-infinity']],
      ['problem', 'id=9', ['column ts: timestamp 294276-12-31 23:59:59.999999 is beyond the microseconds since 1970 an int64 holds (years up to 294247)', '294276-12-31 23:59:59.999999']],
      ['record', 'id=10', undefined],
    ])
    expect(items.map((item) => item.location.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  })
})
