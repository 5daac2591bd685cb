import { parseDateText, parseTimestampText, parseUtcTimestampRange, formatDate, timestampFromDate } from './temporal.js'
import type { Column, TypedValue } from './types.js'

/** Why a raw value could not become a column's typed value. */
export class Rejection {
  constructor(readonly reason: string) {}
}

/** Turns one raw value into a column's typed value, or a {@link Rejection}. */
export type Coercer = (value: unknown) => TypedValue | Rejection

const INT16_MIN = -32768
const INT16_MAX = 32767
const INT32_MIN = -2147483648
const INT32_MAX = 2147483647
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

const trueWords = new Set(['true', 't', '1', 'yes', 'y', 'on'])
const falseWords = new Set(['false', 'f', '0', 'no', 'n', 'off'])
const integerText = /^[+-]?\d+(?:\.0*)?$/
const decimalText = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/
const specialDoubles: Record<string, number> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  '+inf': Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  '+infinity': Number.POSITIVE_INFINITY,
  '-infinity': Number.NEGATIVE_INFINITY,
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (value instanceof Date) return 'Date'
  return typeof value
}

function coerceBoolean(value: unknown): TypedValue | Rejection {
  if (typeof value === 'boolean') return value
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase()
    if (trueWords.has(word)) return true
    if (falseWords.has(word)) return false
    return new Rejection('expected a boolean (true/false, t/f, 1/0, yes/no, y/n, on/off)')
  }
  if (value === 1 || value === 0 || value === 1n || value === 0n) return value === 1 || value === 1n
  return new Rejection(`expected a boolean, got ${typeName(value)}`)
}

function integerCoercer(min: number, max: number, label: string): Coercer {
  return (value) => {
    let number: number
    if (typeof value === 'number') {
      number = value
    } else if (typeof value === 'string') {
      const small = smallUnsigned(value)
      if (small >= 0) {
        if (small > max) return new Rejection(`out of ${label} range [${min}, ${max}]`)
        return small
      }
      const text = value.trim()
      if (!integerText.test(text)) return new Rejection(`expected an integer`)
      number = Number.parseInt(text, 10)
    } else if (typeof value === 'bigint') {
      if (value < BigInt(min) || value > BigInt(max)) return new Rejection(`out of ${label} range [${min}, ${max}]`)
      return Number(value)
    } else {
      return new Rejection(`expected an integer, got ${typeName(value)}`)
    }
    if (!Number.isInteger(number)) return new Rejection('expected an integer')
    if (number < min || number > max) return new Rejection(`out of ${label} range [${min}, ${max}]`)
    return Object.is(number, -0) ? 0 : number
  }
}

/** `text` as a number when it is 1 to 15 ASCII digits and nothing else (exact in a double), else -1. */
function smallUnsigned(text: string): number {
  return smallUnsignedRange(text, 0, text.length)
}

/** {@link smallUnsigned} of `text` from `start` to `end` (exclusive), read in place. */
function smallUnsignedRange(text: string, start: number, end: number): number {
  const length = end - start
  if (length <= 0 || length > 15) return -1
  let number = 0
  for (let index = start; index < end; index++) {
    const digit = text.charCodeAt(index) - 48
    if (digit < 0 || digit > 9) return -1
    number = number * 10 + digit
  }
  return number
}

function coerceInt64(value: unknown): TypedValue | Rejection {
  let big: bigint
  if (typeof value === 'bigint') {
    big = value
  } else if (typeof value === 'string') {
    // The usual value, up to 15 plain digits: read as a number, exactly.
    const small = smallUnsigned(value)
    if (small >= 0) return BigInt(small)
    const text = value.trim()
    if (!integerText.test(text)) return new Rejection('expected an integer')
    const dot = text.indexOf('.')
    big = BigInt(dot === -1 ? text : text.slice(0, dot))
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value)) return new Rejection('expected an integer')
    // A number past 2^53 has already lost digits before it reached us.
    if (!Number.isSafeInteger(value)) return new Rejection('integer beyond 2^53 arrived as a float and may have lost digits; pass it as a string or bigint')
    big = BigInt(value)
  } else {
    return new Rejection(`expected an integer, got ${typeName(value)}`)
  }
  if (big < INT64_MIN || big > INT64_MAX) return new Rejection('out of int64 range')
  return big
}

// 10^k, exact in a double for k <= 22.
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k)

/**
 * A plain decimal (`-12.34`, `5`, `.5`, `5.`) of at most 15 digits as a
 * double, else undefined. Exact: the digits make an integer below 2^53 and
 * 10^k is exact, so the one division rounds correctly — the double Number()
 * gives (Clinger's fast path).
 */
function plainDecimal(text: string): number | undefined {
  return plainDecimalRange(text, 0, text.length)
}

/** {@link plainDecimal} of `text` from `start` to `end` (exclusive), read in place. */
function plainDecimalRange(text: string, start: number, end: number): number | undefined {
  let index = start
  let negative = false
  if (index < end && text.charCodeAt(index) === 45 /* - */) {
    negative = true
    index++
  }
  let digits = 0
  let fraction = -1
  let number = 0
  for (; index < end; index++) {
    const code = text.charCodeAt(index)
    if (code === 46 /* . */) {
      if (fraction !== -1) return undefined
      fraction = 0
      continue
    }
    const digit = code - 48
    if (digit < 0 || digit > 9) return undefined
    number = number * 10 + digit
    digits++
    if (fraction !== -1) fraction++
  }
  if (digits === 0 || digits > 15) return undefined
  const value = fraction > 0 ? number / (POWERS_OF_TEN[fraction] as number) : number
  return negative ? -value : value
}

function coerceDouble(value: unknown): TypedValue | Rejection {
  if (typeof value === 'number') return value
  if (typeof value === 'string') {
    const plain = plainDecimal(value)
    if (plain !== undefined) return plain
    const text = value.trim()
    // Number() alone is the fast path; it also takes 0x/0b/0o prefixes, which are refused.
    const number = Number(text)
    const code = text.charCodeAt(1) | 0x20
    if (!Number.isNaN(number) && Number.isFinite(number) && text !== '' && !(text.charCodeAt(0) === 48 && (code === 120 || code === 98 || code === 111))) return number
    if (decimalText.test(text)) return new Rejection('out of the range of a double')
    const special = specialDoubles[text.toLowerCase()]
    if (special !== undefined) return special
    return new Rejection('expected a number')
  }
  if (typeof value === 'bigint') {
    const number = Number(value)
    if (BigInt(number) !== value) return new Rejection('integer is not exactly representable as a double')
    return number
  }
  return new Rejection(`expected a number, got ${typeName(value)}`)
}

function coerceString(value: unknown): TypedValue | Rejection {
  if (typeof value === 'string') {
    // A lone surrogate would be turned into U+FFFD by UTF-8 encoding: refuse it.
    return value.isWellFormed() ? value : new Rejection('string holds a lone UTF-16 surrogate (not valid Unicode)')
  }
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  return new Rejection(`expected a string, got ${typeName(value)}`)
}

function dateCoercer(): Coercer {
  // Rows of one file mostly share their date: remember the last one that passed.
  let lastValid = ''
  return (value) => (typeof value === 'string' && value === lastValid && value !== '' ? value : coerceDate(value, (text) => (lastValid = text)))
}

function coerceDate(value: unknown, remember: (text: string) => void): TypedValue | Rejection {
  if (typeof value === 'string') {
    const text = value.trim()
    const days = parseDateText(text)
    if (typeof days === 'number' && text === value) remember(text)
    // A valid YYYY-MM-DD is already the canonical form.
    return typeof days === 'string' ? new Rejection(days) : text
  }
  if (value instanceof Date) {
    const time = value.getTime()
    if (Number.isNaN(time)) return new Rejection('invalid Date')
    if (time % 86_400_000 !== 0) return new Rejection('Date is not midnight UTC; pass a YYYY-MM-DD string')
    return formatDate(time / 86_400_000)
  }
  return new Rejection(`expected a date as YYYY-MM-DD, got ${typeName(value)}`)
}

function timestampCoercer(unit: 'micros' | 'millis'): Coercer {
  return (value) => {
    if (typeof value === 'string') {
      const micros = parseTimestampText(value.trim(), unit)
      return typeof micros === 'string' ? new Rejection(micros) : micros
    }
    if (typeof value === 'bigint') {
      if (unit === 'millis' && value % 1000n !== 0n) return new Rejection('microseconds are finer than the column\'s millisecond precision')
      return value
    }
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) return new Rejection('invalid Date')
      return timestampFromDate(value)
    }
    return new Rejection(`expected an ISO 8601 timestamp, got ${typeName(value)}`)
  }
}

// JSON.stringify with bigints written as exact digits (JSON.stringify throws
// on them, and Number() would round them).
function stringifyJson(value: unknown, depth = 0): string {
  if (depth > 256) throw new Error('nested deeper than 256 levels')
  if (value === null) return 'null'
  switch (typeof value) {
    case 'string':
      if (!value.isWellFormed()) throw new Error('string holds a lone UTF-16 surrogate')
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'bigint':
      return value.toString()
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`${value} is not representable in JSON`)
      return JSON.stringify(value)
    case 'object': {
      if (value instanceof Date) return JSON.stringify(value.toISOString())
      if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : stringifyJson(item, depth + 1))).join(',')}]`
      const parts: string[] = []
      for (const [key, item] of Object.entries(value)) {
        if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue
        parts.push(`${JSON.stringify(key)}:${stringifyJson(item, depth + 1)}`)
      }
      return `{${parts.join(',')}}`
    }
    default:
      throw new Error(`${typeof value} is not representable in JSON`)
  }
}

function coerceJson(value: unknown): TypedValue | Rejection {
  if (typeof value === 'string') {
    // JSON text is kept as written (so 64-bit integers inside stay exact) once it parses.
    try {
      JSON.parse(value)
    } catch (error) {
      return new Rejection(`not valid JSON (${(error as Error).message})`)
    }
    return value.isWellFormed() ? value : new Rejection('JSON text holds a lone UTF-16 surrogate')
  }
  try {
    return stringifyJson(value)
  } catch (error) {
    return new Rejection(`not serialisable as JSON: ${(error as Error).message}`)
  }
}

/** Whether `text` is empty or white space only (as `trim()` sees it), without trimming the usual value. */
function isBlank(text: string): boolean {
  if (text.length === 0) return true
  const first = text.charCodeAt(0)
  // A printable ASCII first character: not blank (trim() would keep it).
  if (first > 32 && first < 127) return false
  return text.trim() === ''
}

/**
 * Builds the coercer of one column: accepts the spellings real files use and
 * rejects the rest with a reason. Null, undefined and (where `emptyAsNull`) an
 * empty or blank string become null when the column is nullable and a
 * rejection when it is not.
 */
export function createCoercer(column: Column): Coercer {
  const { nullable, emptyAsNull } = column
  const isNull = (value: unknown): boolean => value === null || value === undefined || (emptyAsNull && typeof value === 'string' && isBlank(value))
  const onNull = (): TypedValue | Rejection => (nullable ? null : new Rejection('a value is required (column is not nullable)'))
  // A function literal per type: each call site below sees one coercer, and stays monomorphic.
  switch (column.type) {
    case 'double':
      return (value) => (isNull(value) ? onNull() : coerceDouble(value))
    case 'int64':
      return (value) => (isNull(value) ? onNull() : coerceInt64(value))
    case 'string':
      return (value) => (isNull(value) ? onNull() : coerceString(value))
    case 'boolean':
      return (value) => (isNull(value) ? onNull() : coerceBoolean(value))
    case 'timestamp': {
      const coerce = timestampCoercer(column.unit)
      return (value) => (isNull(value) ? onNull() : coerce(value))
    }
    case 'date': {
      const coerce = dateCoercer()
      return (value) => (isNull(value) ? onNull() : coerce(value))
    }
    default: {
      const coerce = baseCoercer(column)
      return (value) => (isNull(value) ? onNull() : coerce(value))
    }
  }
}

function baseCoercer(column: Column): Coercer {
  switch (column.type) {
    case 'string':
      return coerceString
    case 'boolean':
      return coerceBoolean
    case 'int16':
      return integerCoercer(INT16_MIN, INT16_MAX, 'int16')
    case 'int32':
      return integerCoercer(INT32_MIN, INT32_MAX, 'int32')
    case 'int64':
      return coerceInt64
    case 'double':
      return coerceDouble
    case 'date':
      return dateCoercer()
    case 'timestamp':
      return timestampCoercer(column.unit)
    case 'json':
      return coerceJson
  }
}

/** What a {@link RangeCoercer} returns for a value that does not fit. */
export const NO_FIT: unique symbol = Symbol('parquetry.noFit')

/**
 * Coerces the raw value `text.slice(start, end)` — a field of a line of
 * delimited text — to a column's typed value, or {@link NO_FIT}. The usual
 * spellings (plain decimals and integers, `true`/`false`, UTC timestamps)
 * are read in place without making the substring; anything else is handed
 * to the column's {@link Coercer} as the substring, so the result is always
 * the coercer's.
 */
export type RangeCoercer = (text: string, start: number, end: number) => TypedValue | typeof NO_FIT

/** The {@link RangeCoercer} of one column. */
export function createRangeCoercer(column: Column): RangeCoercer {
  const coerce = createCoercer(column)
  const general = (text: string, start: number, end: number): TypedValue | typeof NO_FIT => {
    const value = coerce(text.slice(start, end))
    return value instanceof Rejection ? NO_FIT : value
  }
  switch (column.type) {
    case 'double':
      return (text, start, end) => plainDecimalRange(text, start, end) ?? general(text, start, end)
    case 'int64':
      return (text, start, end) => {
        const small = smallUnsignedRange(text, start, end)
        return small >= 0 ? BigInt(small) : general(text, start, end)
      }
    case 'int16':
    case 'int32': {
      const max = column.type === 'int16' ? INT16_MAX : INT32_MAX
      return (text, start, end) => {
        const small = smallUnsignedRange(text, start, end)
        return small >= 0 && small <= max ? small : general(text, start, end)
      }
    }
    case 'boolean':
      return (text, start, end) => {
        const length = end - start
        if (length === 4 && text.startsWith('true', start)) return true
        if (length === 5 && text.startsWith('false', start)) return false
        return general(text, start, end)
      }
    case 'timestamp': {
      const unit = column.unit
      return (text, start, end) => parseUtcTimestampRange(text, start, end, unit) ?? general(text, start, end)
    }
    default:
      return general
  }
}
