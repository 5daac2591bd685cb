import { describe, expect, it } from 'vitest'
import { bindCopyParameters } from './bind-parameters.js'
import { readPostgres } from './read.js'
import { useTestDatabase } from './test-database.js'
import type { SourceItem } from '../types.js'

const database = useTestDatabase()

const p = (n: number, type: string) => `(current_setting('parquetry.p${n}')::${type})`

describe('bindCopyParameters', () => {
  it('replaces $n with the cast setting, keeping casts and operators around it', () => {
    expect(bindCopyParameters('SELECT * FROM t WHERE d = $1 AND n > $2::int8 AND -$2 < 0', ['date', 'int8'])).toBe(
      `SELECT * FROM t WHERE d = ${p(1, 'date')} AND n > ${p(2, 'int8')}::int8 AND -${p(2, 'int8')} < 0`,
    )
    expect(bindCopyParameters('SELECT $10, $1', ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'bool'])).toBe(`SELECT ${p(10, 'bool')}, ${p(1, 'text')}`)
    expect(bindCopyParameters('SELECT ($1)', ['timestamptz'])).toBe(`SELECT (${p(1, 'timestamptz')})`)
  })

  it('writes NULL::type for a NULL parameter (a setting cannot hold one)', () => {
    expect(bindCopyParameters('SELECT $1, $2', ['date', 'int4'], { nulls: [true, false] })).toBe(`SELECT (NULL::date), ${p(2, 'int4')}`)
  })

  it('leaves $n alone inside literals, quoted identifiers, comments, dollar quotes and identifiers', () => {
    const untouched = [
      "SELECT '$1', 'it''s $1', E'\\' $1', e'\\\\', 'a' || $1",
      'SELECT "$1", "a""$1" FROM t WHERE $1',
      'SELECT 1 -- $1 in a comment\n, $1',
      'SELECT /* $1 /* nested $1 */ still $1 */ $1',
      'SELECT $$ $1 $$, $body$ $1 $$ $1 $body$, $1',
      'SELECT a$1, $1 FROM t',
      "SELECT U&'d\\0061t\\+000061 $1', $1",
    ]
    for (const sql of untouched) expect(bindCopyParameters(sql, ['text'])).toBe(sql.replace(/\$1$/, p(1, 'text')).replace(/, \$1 FROM t$/, `, ${p(1, 'text')} FROM t`).replace(/WHERE \$1$/, `WHERE ${p(1, 'text')}`))
    expect(bindCopyParameters("SELECT 'x' || $1 || E'\\'$1'", ['text'])).toBe(`SELECT 'x' || ${p(1, 'text')} || E'\\'$1'`)
  })

  it('refuses a $n without a value and text that never ends', () => {
    expect(() => bindCopyParameters('SELECT $2', ['text'])).toThrow(/parameter \$2 has no value \(1 given\)/)
    expect(() => bindCopyParameters('SELECT $0', ['text'])).toThrow(/parameter \$0 has no value/)
    expect(() => bindCopyParameters("SELECT 'open", [])).toThrow(/a string literal starting at character 8 never ends/)
    expect(() => bindCopyParameters('SELECT "open', [])).toThrow(/a quoted identifier/)
    expect(() => bindCopyParameters('SELECT /* /* */', [])).toThrow(/a comment/)
    expect(() => bindCopyParameters('SELECT $x$ open', [])).toThrow(/a dollar-quoted string \$x\$/)
  })
})

async function read(query: string, params: readonly (string | number | bigint | boolean | null)[]): Promise<SourceItem[]> {
  const items: SourceItem[] = []
  for await (const batch of readPostgres({ connectionString: database.url, query, params, name: 'params' })) items.push(...batch)
  return items
}
const values = (items: SourceItem[]) => items.map((item) => (item.kind === 'record' ? item.values : item))

describe('parameters under COPY, on a real server', () => {
  it('binds every kind of value, typed by the server from the query', async () => {
    const items = await read(
      `SELECT $1::date + 1 AS next_day, $2::int8 + 1 AS big, $3::int4 AS small, $4 AND true AS yes, $5::float8 * 2 AS twice, $6 AS at, $7 || '!' AS said, $8::numeric AS exact, $9::timestamptz AS micros`,
      ['2026-11-01', 9007199254740993n, 7, true, 1.25, '2026-11-01T00:00:00+07:00', "it's -- not a comment $1", '12345678901234567890.5', 1793466000000001n],
    )
    expect(values(items)).toEqual([
      { next_day: '2026-11-02', big: 9007199254740994n, small: 7, yes: true, twice: 2.5, at: '2026-11-01T00:00:00+07:00', said: "it's -- not a comment $1!", exact: '12345678901234567890.5', micros: 1793466000000001n },
    ])
  })

  it('filters with parameters of a WHERE clause, NULLs included, and the values never enter the SQL', async () => {
    const sql = `SELECT g AS id FROM generate_series(1, 10) g WHERE g BETWEEN $1 AND $2 AND ($3::text IS NULL OR g::text = $3) ORDER BY g`
    expect(values(await read(sql, [3, 5, null]))).toEqual([{ id: 3 }, { id: 4 }, { id: 5 }])
    expect(values(await read(sql, [3, 5, '4']))).toEqual([{ id: 4 }])
    // A value that would be SQL if it were pasted in stays a value.
    expect(values(await read(`SELECT count(*) AS n FROM generate_series(1, 3) g WHERE $1 = 'x'`, ["x' OR 1=1 --"]))).toEqual([{ n: 0n }])
  })

  it('refuses values that do not match the query parameters, naming the source', async () => {
    await expect(read('SELECT $1::int AS a', [1, 2])).rejects.toMatchObject({ code: 'USAGE', message: 'params: the query has 1 parameter and 2 values were given' })
    await expect(read('SELECT $1::interval AS a', ['1 day'])).rejects.toMatchObject({
      code: 'USAGE',
      message: 'params: parameter $1 is of type interval, which COPY cannot bind; cast it in the query ($1::text)',
    })
  })
})
