import { describe, expect, it } from 'vitest'
import { createCoercer, Rejection } from './coerce.js'
import { defineSchema } from './define-schema.js'
import { formatTimestamp } from './temporal.js'
import type { ColumnDefinition } from './types.js'

function coercer(definition: Omit<ColumnDefinition, 'name'>) {
  const schema = defineSchema({ name: 't', columns: [{ name: 'c', ...definition }] })
  const coerce = createCoercer(schema.columns[0]!)
  return (value: unknown) => {
    const result = coerce(value)
    return result instanceof Rejection ? `rejected: ${result.reason}` : result
  }
}

describe('boolean', () => {
  const coerce = coercer({ type: 'boolean' })
  it.each(['true', 'TRUE', 'True', 't', 'T', '1', 'yes', 'YES', 'y', 'on', ' true '])('%j is true', (text) => expect(coerce(text)).toBe(true))
  it.each(['false', 'FALSE', 'f', 'F', '0', 'no', 'No', 'n', 'off'])('%j is false', (text) => expect(coerce(text)).toBe(false))
  it('takes JSON booleans and 0/1', () => {
    expect([coerce(true), coerce(false), coerce(1), coerce(0)]).toEqual([true, false, true, false])
  })
  it('rejects other spellings with the reason', () => {
    expect(coerce('maybe')).toBe('rejected: expected a boolean (true/false, t/f, 1/0, yes/no, y/n, on/off)')
    expect(coerce(2)).toBe('rejected: expected a boolean, got number')
  })
  it('empty is null where nullable, rejected where not', () => {
    expect(coerce('')).toBeNull()
    expect(coercer({ type: 'boolean', nullable: false })('')).toBe('rejected: a value is required (column is not nullable)')
  })
})

describe('integers', () => {
  it('int16 and int32 check their ranges', () => {
    const int16 = coercer({ type: 'int16' })
    expect([int16('200'), int16(-32768), int16('+7'), int16('12.0')]).toEqual([200, -32768, 7, 12])
    expect(int16('32768')).toBe('rejected: out of int16 range [-32768, 32767]')
    const int32 = coercer({ type: 'int32' })
    expect(int32('2147483647')).toBe(2147483647)
    expect(int32('2147483648')).toBe('rejected: out of int32 range [-2147483648, 2147483647]')
    expect(int32('1.5')).toBe('rejected: expected an integer')
    expect(int32(1.5)).toBe('rejected: expected an integer')
    expect(int32('1e3')).toBe('rejected: expected an integer')
    expect(int32('0x10')).toBe('rejected: expected an integer')
  })
  it('int64 is exact beyond 2^53', () => {
    const int64 = coercer({ type: 'int64' })
    expect(int64('9007199254740993')).toBe(9007199254740993n)
    expect(int64('-9223372036854775808')).toBe(-9223372036854775808n)
    expect(int64(42)).toBe(42n)
    expect(int64(9007199254740993n)).toBe(9007199254740993n)
    expect(int64('9223372036854775808')).toBe('rejected: out of int64 range')
    expect(int64(2 ** 60)).toMatch(/^rejected: integer beyond 2\^53 arrived as a float/)
  })
})

describe('double', () => {
  const coerce = coercer({ type: 'double' })
  it('accepts decimal and exponent spellings and the special values', () => {
    expect([coerce('45.2'), coerce('-0.5'), coerce('.5'), coerce('1e3'), coerce('1E-2'), coerce(' 7 '), coerce(3)]).toEqual([45.2, -0.5, 0.5, 1000, 0.01, 7, 3])
    expect(coerce('NaN')).toBeNaN()
    expect([coerce('inf'), coerce('-Infinity')]).toEqual([Infinity, -Infinity])
  })
  it('rejects text that is not a number', () => {
    expect(coerce('12ms')).toBe('rejected: expected a number')
    expect(coerce('1,5')).toBe('rejected: expected a number')
    expect(coerce(true)).toBe('rejected: expected a number, got boolean')
    expect([coerce('0x10'), coerce('0b1'), coerce('1_000'), coerce('')]).toEqual(['rejected: expected a number', 'rejected: expected a number', 'rejected: expected a number', null])
    expect(coerce('1e999')).toBe('rejected: out of the range of a double')
    expect([coerce(' 12 '), coerce('Infinity'), coerce('-0')]).toEqual([12, Infinity, -0])
  })
})

describe('date', () => {
  const coerce = coercer({ type: 'date' })
  it('accepts real calendar dates, before 1970 too', () => {
    expect([coerce('2025-10-28'), coerce('1969-07-20'), coerce('2024-02-29'), coerce(new Date(Date.UTC(2025, 0, 1)))]).toEqual([
      '2025-10-28', '1969-07-20', '2024-02-29', '2025-01-01',
    ])
  })
  it('rejects impossible dates and other shapes', () => {
    expect(coerce('2025-02-29')).toBe('rejected: day 29 does not exist in 2025-02')
    expect(coerce('2025-13-01')).toBe('rejected: month 13 is out of range')
    expect(coerce('28/10/2025')).toBe('rejected: expected a date as YYYY-MM-DD')
    expect(coerce(20251028)).toBe('rejected: expected a date as YYYY-MM-DD, got number')
  })
})

describe('timestamp', () => {
  const coerce = coercer({ type: 'timestamp' })
  const iso = (value: unknown) => {
    const result = coerce(value)
    return typeof result === 'bigint' ? formatTimestamp(result) : result
  }
  it('reads Z, offsets, no zone (UTC), space separator, fractions', () => {
    expect(iso('2025-10-28T00:15:23Z')).toBe('2025-10-28T00:15:23.000000Z')
    expect(iso('2025-10-28T07:15:23+07:00')).toBe('2025-10-28T00:15:23.000000Z')
    expect(iso('2025-10-27T19:15:23-0500')).toBe('2025-10-28T00:15:23.000000Z')
    expect(iso('2025-10-28T02:15:23+02')).toBe('2025-10-28T00:15:23.000000Z')
    expect(iso('2025-10-28 00:15:23')).toBe('2025-10-28T00:15:23.000000Z')
    expect(iso('2025-10-28T00:15:23.123456Z')).toBe('2025-10-28T00:15:23.123456Z')
    expect(iso('2025-10-28T00:15:23.5')).toBe('2025-10-28T00:15:23.500000Z')
    expect(iso('2025-10-28T00:15:23.123456000Z')).toBe('2025-10-28T00:15:23.123456Z')
    expect(iso('2025-10-28T00:15')).toBe('2025-10-28T00:15:00.000000Z')
    expect(iso('2025-10-28')).toBe('2025-10-28T00:00:00.000000Z')
  })
  it('is exact before 1970', () => {
    expect(coerce('1969-12-31T23:59:59.999999Z')).toBe(-1n)
    expect(iso('1900-01-01T00:00:00.000001Z')).toBe('1900-01-01T00:00:00.000001Z')
  })
  it('refuses to drop digits below the column precision', () => {
    expect(coerce('2025-10-28T00:15:23.1234567Z')).toBe("rejected: fraction .1234567 is finer than the column's microsecond precision")
    expect(coercer({ type: 'timestamp', unit: 'millis' })('2025-10-28T00:15:23.1234Z')).toBe(
      "rejected: fraction .1234 is finer than the column's millisecond precision",
    )
  })
  it('rejects impossible instants and other shapes', () => {
    expect(coerce('2025-10-28T24:00:00Z')).toBe('rejected: hour 24 is out of range')
    expect(coerce('2025-10-28T00:60:00Z')).toBe('rejected: minute 60 is out of range')
    expect(coerce('2025-10-28T00:00:00+25:00')).toBe('rejected: zone offset +25:00 is out of range')
    expect(coerce('Oct 28 2025')).toBe('rejected: expected an ISO 8601 timestamp such as 2025-10-28T00:15:23Z')
    expect(coerce(1761610523)).toBe('rejected: expected an ISO 8601 timestamp, got number')
  })
  it('takes Dates and bigint microseconds', () => {
    expect(coerce(new Date('2025-10-28T00:15:23.123Z'))).toBe(1761610523123000n)
    expect(coerce(1761610523123456n)).toBe(1761610523123456n)
  })
})

describe('string and json', () => {
  it('strings keep empty strings unless emptyAsNull, and refuse lone surrogates', () => {
    expect(coercer({ type: 'string' })('')).toBe('')
    expect(coercer({ type: 'string', emptyAsNull: true })('')).toBeNull()
    expect(coercer({ type: 'string' })('日本語 🚀')).toBe('日本語 🚀')
    expect(coercer({ type: 'string' })(42)).toBe('42')
    expect(coercer({ type: 'string' })('\ud800x')).toBe('rejected: string holds a lone UTF-16 surrogate (not valid Unicode)')
    expect(coercer({ type: 'string' })({})).toBe('rejected: expected a string, got object')
  })
  it('json keeps JSON text as written and serialises values, bigints exactly', () => {
    const json = coercer({ type: 'json' })
    expect(json('{"big": 12345678901234567890}')).toBe('{"big": 12345678901234567890}')
    expect(json({ a: 1, b: [true, null], big: 12345678901234567890n })).toBe('{"a":1,"b":[true,null],"big":12345678901234567890}')
    expect(json('not json')).toMatch(/^rejected: not valid JSON/)
    expect(json({ bad: Number.NaN })).toBe('rejected: not serialisable as JSON: NaN is not representable in JSON')
    expect(json('')).toBeNull()
  })
})

// The fast paths (plain decimals, short digit strings, UTC timestamps read in
// place) must answer exactly what the general path answers, or leave the value to it.
describe('fast paths agree with the general path', () => {
  it('a plain decimal of up to 15 digits is the double Number() gives, bit for bit', () => {
    const coerce = coercer({ type: 'double' })
    let seed = 7
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32)
    for (let index = 0; index < 50_000; index++) {
      const digits = 1 + Math.floor(random() * 17)
      let text = ''
      for (let digit = 0; digit < digits; digit++) text += Math.floor(random() * 10)
      const dot = Math.floor(random() * (digits + 1))
      const value = `${random() < 0.3 ? '-' : ''}${text.slice(0, dot)}${random() < 0.8 ? '.' : ''}${text.slice(dot)}`
      expect(Object.is(coerce(value), Number(value)), value).toBe(true)
    }
    expect([coerce('5.'), coerce('-.5'), coerce('0.1'), coerce('-0'), coerce('000123.4500')]).toEqual([5, -0.5, 0.1, -0, 123.45])
    expect([coerce('.'), coerce('-'), coerce('1.2.3'), coerce('--1')]).toEqual(Array(4).fill('rejected: expected a number'))
  })

  it('short digit strings are the integers BigInt() and parseInt() give, ranges checked', () => {
    const int64 = coercer({ type: 'int64' })
    const int16 = coercer({ type: 'int16' })
    const int32 = coercer({ type: 'int32' })
    expect([int64('0'), int64('007'), int64('999999999999999'), int64('9999999999999999')]).toEqual([0n, 7n, 999999999999999n, 9999999999999999n])
    expect([int16('32767'), int16('000032767'), int32('0002147483647')]).toEqual([32767, 32767, 2147483647])
    expect(int16('32768')).toBe('rejected: out of int16 range [-32768, 32767]')
    expect(int32('99999999999999')).toBe('rejected: out of int32 range [-2147483648, 2147483647]')
    expect([int64('1 2'), int64('12a'), int32('٣')]).toEqual(['rejected: expected an integer', 'rejected: expected an integer', 'rejected: expected an integer'])
  })

  it('timestamps of one day and of many days, near and past 2^53 µs, are exact', () => {
    const coerce = coercer({ type: 'timestamp' })
    expect(coerce('2025-10-28T00:00:00Z')).toBe(1761609600000000n)
    expect(coerce('2025-10-28T23:59:59.999999Z')).toBe(1761696000000000n - 1n)
    expect(coerce('2025-10-29T00:00:00.5Z')).toBe(1761696000500000n)
    expect(coerce('2025-10-28T12:00:00Z')).toBe(1761652800000000n)
    // 2^53 µs is 2255-06-05T23:47:34.740992Z: past it the bigint path.
    expect(coerce('2255-06-05T23:47:34.740993Z')).toBe(2n ** 53n + 1n)
    expect(coerce('2255-06-05T23:47:34.740991Z')).toBe(2n ** 53n - 1n)
    expect(coerce('1969-12-31T23:59:59.999999Z')).toBe(-1n)
    expect(coerce('2025-02-29T00:00:00Z')).toMatch(/^rejected: /)
  })

  it('blank means null for every spelling trim() removes, and only those', () => {
    const coerce = coercer({ type: 'double' })
    for (const blank of ['', ' ', '\t', '\u00a0', '\ufeff', '\u2028', ' \u3000 ']) expect(coerce(blank), JSON.stringify(blank)).toBeNull()
    expect(coerce('\u00a01.5')).toBe(1.5)
  })
})
