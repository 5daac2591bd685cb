import { describe, expect, it } from 'vitest'
import { defineSchema } from './define-schema.js'
import { createLineParser, createRowParser } from './row-parser.js'

// Values real files hold, and the ones at every edge of the fast paths: each
// is typed in place by the line parser only where that gives the row parser's value.
const values = [
  '', ' ', '0', '1', '-0', '-1', '007', '42', ' 42', '42 ', '+5', '1.', '.5', '-.5', '1.5', '45.2', '0.00', '1e5', '1E-3', '0x10', '0b1', '--1', '1.2.3', '-',
  '999999999999999', '9999999999999999', '123456789012345678', '9223372036854775807', '9223372036854775808', '-9223372036854775808', '32767', '32768', '2147483647', '2147483648',
  'NaN', 'inf', '-Infinity', 'true', 'false', 'TRUE', 'False', 't', 'f', 'yes', 'no', 'on', 'off', 'Y', 'truee', 'fals',
  '2025-10-28', '2025-10-28T00:15:23Z', '2025-10-28T00:15:23.086Z', '2025-10-28T00:15:23.123456Z', '2025-10-28T00:15:23.1234567Z', '2025-10-28T00:15:23.000000000Z',
  '2025-10-28T23:59:59Z', '2025-10-28T24:00:00Z', '2025-10-28T00:60:00Z', '2025-10-28T00:00:60Z', '2025-02-29T00:00:00Z', '2024-02-29T00:00:00Z', '2025-13-01T00:00:00Z',
  '2025-00-10T00:00:00Z', '2025-10-00T00:00:00Z', '2025-10-28t00:15:23Z', '2025-10-28 00:15:23Z', '2025-10-28T00:15:23+02:00', '2025-10-28T00:15:23', ' 2025-10-28T00:15:23Z',
  '2025-10-28T00:15:23.Z', '2025-1a-28T00:15:23Z', '1969-12-31T23:59:59.999999Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2025-10-28T00:15:23.12Z',
  'é', 'ß2', '\uD800', '日本', '{"a":1}', '[1,2]', 'null', 'a b',
]

const types = ['string', 'int16', 'int32', 'int64', 'double', 'boolean', 'date', 'timestamp', 'json'] as const

describe('createLineParser', () => {
  it('types every value where it lies as the row parser types its record, or refuses it where the row parser rejects it', () => {
    for (const type of types) {
      for (const unit of type === 'timestamp' ? (['micros', 'millis'] as const) : (['micros'] as const)) {
        for (const nullable of [true, false]) {
          for (const emptyAsNull of [true, false]) {
            const schema = defineSchema({
              name: 'x',
              columns: [
                { name: 'a', type, nullable, emptyAsNull, ...(type === 'timestamp' ? { unit } : {}) },
                { name: 'b', type: 'string' },
              ],
            })
            const parseRecord = createRowParser(schema)
            const parseLine = createLineParser(schema, ['b', 'a', undefined])
            for (const value of values) {
              // The value alone on its line, first, between and last: `b,a,ignored`.
              const line = `left,${value},right`
              const ends = Int32Array.of(4, 5 + value.length, line.length)
              const expected = parseRecord({ b: 'left', a: value })
              const got = parseLine(line, ends)
              const what = `${type}${type === 'timestamp' ? ` ${unit}` : ''} nullable=${nullable} emptyAsNull=${emptyAsNull} ${JSON.stringify(value)}`
              if (expected.ok) expect(got, what).toEqual(expected.row)
              else expect(got, what).toBeUndefined()
            }
          }
        }
      }
    }
  })

  it('a column with no field is coerced from undefined; a later field of the same key wins; skipped columns are left out', () => {
    const schema = defineSchema({
      name: 'x',
      columns: [
        { name: 'a', type: 'int64' },
        { name: 'b', type: 'double' },
        { name: '__proto__', type: 'string' },
        { name: 'c', type: 'string', nullable: false },
        { name: 'd', type: 'date' },
      ],
    })
    const parse = createLineParser(schema, ['a', '__proto__', 'a', 'c'], { skip: ['d'] })
    const line = '1,p,2,see'
    const row = parse(line, Int32Array.of(1, 3, 5, 9))
    expect(row).toEqual({ a: 2n, b: null, ['__proto__']: 'p', c: 'see' })
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype)
    expect(Object.keys(row as object)).toEqual(['a', 'b', '__proto__', 'c'])
    // A required column with no field refuses every line.
    expect(createLineParser(schema, ['a', 'b'])('1,2', Int32Array.of(1, 3))).toBeUndefined()
  })

  it('timestamps of many days in a row each get their own day (the day of the last one is remembered, not assumed)', () => {
    const schema = defineSchema({ name: 'x', columns: [{ name: 't', type: 'timestamp' }] })
    const parseLine = createLineParser(schema, ['t'])
    const parseRecord = createRowParser(schema)
    const texts = ['2025-10-28T00:00:01Z', '2025-10-29T00:00:01Z', '2025-10-28T00:00:01Z', '2024-02-29T12:00:00Z', '2025-02-29T12:00:00Z', '2024-02-29T12:00:00Z', '1900-01-01T00:00:00Z']
    for (const text of texts) {
      const expected = parseRecord({ t: text })
      const got = parseLine(text, Int32Array.of(text.length))
      if (expected.ok) expect(got, text).toEqual(expected.row)
      else expect(got, text).toBeUndefined()
    }
  })
})
