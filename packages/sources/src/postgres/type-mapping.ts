import { civilFromDays, formatDate, formatTimestamp, type ColumnType } from '@parquetry/schema'

/**
 * A value of a row that has no JavaScript value of its type (a date or
 * timestamp of `infinity`, a date outside the years 1 to 9999): the row
 * becomes a `problem` item, located, instead of a record.
 */
export class CopyValueProblem {
  constructor(
    /** Why, for people: `date infinity has no calendar day`. */
    readonly reason: string,
    /** PostgreSQL's own text of the value (`infinity`, `4714-11-24 BC`). */
    readonly text: string,
  ) {}
}

/** Decodes one field of binary COPY (or of a binary result) from `buffer[start, start + length)`. */
export type ValueDecoder = (buffer: Buffer, start: number, length: number) => unknown

/** A PostgreSQL type the reader decodes, by OID. */
export interface PgTypeInfo {
  oid: number
  /** PostgreSQL's name of it (`int8`, `timestamptz`). */
  name: string
  /** JavaScript value it decodes to, for the docs and messages. */
  value: string
  /** Schema column types that take its value without loss. */
  columns: readonly ColumnType[]
  decode: ValueDecoder
}

// Binary COPY counts dates in days and timestamps in µs from 2000-01-01.
const DAYS_2000 = 10_957
const MICROS_2000 = 946_684_800_000_000n
const INT32_MIN = -2_147_483_648
const INT32_MAX = 2_147_483_647
const INT64_MAX = 2n ** 63n - 1n
// The upper 32 bits of µs since 2000 from which µs since 1970 may pass INT64_MAX.
const OVERFLOW_HIGH = Number((INT64_MAX - MICROS_2000) >> 32n)
// Days since 1970 of 0001-01-01 and 9999-12-31: the years a schema date (YYYY-MM-DD) holds.
const FIRST_DAY = -719_162
const LAST_DAY = 2_932_896

const readInt32 = (buffer: Buffer, start: number): number => (buffer[start]! << 24) | (buffer[start + 1]! << 16) | (buffer[start + 2]! << 8) | buffer[start + 3]!
const readUint32 = (buffer: Buffer, start: number): number => readInt32(buffer, start) >>> 0
const readInt16 = (buffer: Buffer, start: number): number => (((buffer[start]! << 8) | buffer[start + 1]!) << 16) >> 16

// Buffer's own UTF-8 slicing, without toString()'s argument checks (measured: the quickest way to a string).
interface Utf8Slicing {
  utf8Slice(start: number, end: number): string
}

function decodeText(buffer: Buffer, start: number, length: number): string {
  return (buffer as unknown as Utf8Slicing).utf8Slice(start, start + length)
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Text decoding that refuses invalid UTF-8 (for a database whose encoding is
 * SQL_ASCII, where the server passes bytes on unchecked).
 */
export function decodeStrictText(buffer: Buffer, start: number, length: number): string {
  return fatalUtf8.decode(buffer.subarray(start, start + length))
}

function decodeJsonb(buffer: Buffer, start: number, length: number): string {
  const version = buffer[start]
  if (version !== 1) throw new Error(`jsonb binary format version ${version} is not supported`)
  return decodeText(buffer, start + 1, length - 1)
}

function expectLength(name: string, expected: number, length: number): void {
  if (length !== expected) throw new Error(`${name} value of ${length} bytes (expected ${expected})`)
}

// int8 is exact as a bigint; a value within ±2^53 is built from one Number, which is quicker.
function decodeInt8(buffer: Buffer, start: number, length: number): bigint {
  expectLength('int8', 8, length)
  const high = readInt32(buffer, start)
  const low = readUint32(buffer, start + 4)
  if (high >= -0x200000 && high < 0x200000) return BigInt(high * 4294967296 + low)
  return (BigInt(high) << 32n) | BigInt(low)
}

/** PostgreSQL's text of a day count since 1970 outside the years 1 to 9999 (`4714-11-24 BC`, `10000-01-01`). */
function postgresDateText(days: number): string {
  const [year, month, day] = civilFromDays(days)
  const monthDay = `${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
  return year <= 0 ? `${String(1 - year).padStart(4, '0')}-${monthDay} BC` : `${String(year).padStart(4, '0')}-${monthDay}`
}

// Rows of an export hold few distinct days: their texts are kept (up to 4096 days).
function createDateDecoder(): ValueDecoder {
  const texts = new Map<number, string>()
  return (buffer, start, length) => {
    expectLength('date', 4, length)
    const raw = readInt32(buffer, start)
    const known = texts.get(raw)
    if (known !== undefined) return known
    if (raw === INT32_MAX) return new CopyValueProblem('date infinity has no calendar day', 'infinity')
    if (raw === INT32_MIN) return new CopyValueProblem('date -infinity has no calendar day', '-infinity')
    const days = raw + DAYS_2000
    if (days < FIRST_DAY || days > LAST_DAY) {
      const text = postgresDateText(days)
      return new CopyValueProblem(`date ${text} is outside the years 1 to 9999 a date column holds`, text)
    }
    if (texts.size >= 4096) texts.clear()
    const text = formatDate(days)
    texts.set(raw, text)
    return text
  }
}

// µs since 2000 → µs since 1970 as a bigint; the upper 32 bits change rarely
// (every ~71 minutes), so their bigint is kept and one addition is left per value.
function createTimestampDecoder(name: string): ValueDecoder {
  let lastHigh = Number.NaN
  let lastBase = 0n
  return (buffer, start, length) => {
    expectLength(name, 8, length)
    const high = readInt32(buffer, start)
    const low = readUint32(buffer, start + 4)
    if (high === 0x7fffffff && low === 0xffffffff) return new CopyValueProblem(`${name} infinity has no microsecond count`, 'infinity')
    if (high === -0x80000000 && low === 0) return new CopyValueProblem(`${name} -infinity has no microsecond count`, '-infinity')
    if (high !== lastHigh) {
      lastHigh = high
      lastBase = (BigInt(high) << 32n) + MICROS_2000
    }
    const micros = lastBase + BigInt(low)
    // PostgreSQL goes to 294276 AD; µs since 1970 in an int64 only to 294247.
    if (high >= OVERFLOW_HIGH && micros > INT64_MAX) {
      const text = formatTimestamp(micros).replace('T', ' ').replace(/Z$/, '')
      return new CopyValueProblem(`${name} ${text} is beyond the microseconds since 1970 an int64 holds (years up to 294247)`, text)
    }
    return micros
  }
}

const hex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

function decodeUuid(buffer: Buffer, start: number, length: number): string {
  expectLength('uuid', 16, length)
  let text = ''
  for (let index = 0; index < 16; index++) {
    if (index === 4 || index === 6 || index === 8 || index === 10) text += '-'
    text += hex[buffer[start + index]!]
  }
  return text
}

const NUMERIC_NEGATIVE = 0x4000
const NUMERIC_NAN = 0xc000
const NUMERIC_PLUS_INFINITY = 0xd000
const NUMERIC_MINUS_INFINITY = 0xf000

/**
 * numeric's binary form (base-10000 digits, weight, sign, display scale) as
 * PostgreSQL's own text: exact, with the scale's trailing zeros (`1.50`).
 */
export function decodeNumeric(buffer: Buffer, start: number, length: number): string {
  if (length < 8) throw new Error(`numeric value of ${length} bytes`)
  const count = readInt16(buffer, start)
  const weight = readInt16(buffer, start + 2)
  const sign = (buffer[start + 4]! << 8) | buffer[start + 5]!
  const scale = (buffer[start + 6]! << 8) | buffer[start + 7]!
  if (sign === NUMERIC_NAN) return 'NaN'
  if (sign === NUMERIC_PLUS_INFINITY) return 'Infinity'
  if (sign === NUMERIC_MINUS_INFINITY) return '-Infinity'
  if (length !== 8 + count * 2) throw new Error(`numeric value of ${length} bytes for ${count} digits`)
  const digit = (index: number): number => (index >= 0 && index < count ? ((buffer[start + 8 + index * 2]! << 8) | buffer[start + 9 + index * 2]!) : 0)
  let text = sign === NUMERIC_NEGATIVE ? '-' : ''
  if (weight < 0) {
    text += '0'
  } else {
    text += String(digit(0))
    for (let index = 1; index <= weight; index++) text += String(digit(index)).padStart(4, '0')
  }
  if (scale > 0) {
    let fraction = ''
    // Fraction groups are the digits of weight -1, -2, ...: at index weight + 1, weight + 2, ...
    for (let index = weight + 1; fraction.length < scale; index++) fraction += String(digit(index)).padStart(4, '0')
    text += `.${fraction.slice(0, scale)}`
  }
  return text
}

const numberTypes: readonly ColumnType[] = ['int16', 'int32', 'int64', 'double', 'string']
const textTypes: readonly ColumnType[] = ['string', 'json']

const types: PgTypeInfo[] = [
  { oid: 16, name: 'bool', value: 'boolean', columns: ['boolean'], decode: (buffer, start, length) => (expectLength('bool', 1, length), buffer[start] !== 0) },
  { oid: 21, name: 'int2', value: 'number', columns: numberTypes, decode: (buffer, start, length) => (expectLength('int2', 2, length), readInt16(buffer, start)) },
  { oid: 23, name: 'int4', value: 'number', columns: numberTypes, decode: (buffer, start, length) => (expectLength('int4', 4, length), readInt32(buffer, start)) },
  { oid: 20, name: 'int8', value: 'bigint', columns: numberTypes, decode: decodeInt8 },
  { oid: 26, name: 'oid', value: 'number', columns: ['int64', 'double', 'string'], decode: (buffer, start, length) => (expectLength('oid', 4, length), readUint32(buffer, start)) },
  { oid: 700, name: 'float4', value: 'number', columns: ['double'], decode: (buffer, start, length) => (expectLength('float4', 4, length), buffer.readFloatBE(start)) },
  { oid: 701, name: 'float8', value: 'number', columns: ['double'], decode: (buffer, start, length) => (expectLength('float8', 8, length), buffer.readDoubleBE(start)) },
  { oid: 1700, name: 'numeric', value: 'string (exact decimal)', columns: ['string'], decode: decodeNumeric },
  { oid: 25, name: 'text', value: 'string', columns: textTypes, decode: decodeText },
  { oid: 1043, name: 'varchar', value: 'string', columns: textTypes, decode: decodeText },
  { oid: 1042, name: 'bpchar', value: 'string (padded)', columns: textTypes, decode: decodeText },
  { oid: 19, name: 'name', value: 'string', columns: ['string'], decode: decodeText },
  { oid: 114, name: 'json', value: 'string (JSON text)', columns: ['json', 'string'], decode: decodeText },
  { oid: 3802, name: 'jsonb', value: 'string (JSON text)', columns: ['json', 'string'], decode: decodeJsonb },
  { oid: 2950, name: 'uuid', value: 'string', columns: ['string'], decode: decodeUuid },
  { oid: 1082, name: 'date', value: "string 'YYYY-MM-DD'", columns: ['date', 'string'], decode: createDateDecoder() },
  { oid: 1114, name: 'timestamp', value: 'bigint (µs since 1970, UTC)', columns: ['timestamp'], decode: createTimestampDecoder('timestamp') },
  { oid: 1184, name: 'timestamptz', value: 'bigint (µs since 1970, UTC)', columns: ['timestamp'], decode: createTimestampDecoder('timestamptz') },
]

const byOid = new Map(types.map((type) => [type.oid, type]))

/** Every type the binary decoder reads, in the order of the README's table. */
export const supportedTypes: readonly PgTypeInfo[] = types

/** The type of `oid`, or undefined when the decoder does not read it. */
export function pgType(oid: number): PgTypeInfo | undefined {
  return byOid.get(oid)
}

/**
 * A decoder of values of `oid` for one stream: dates and timestamps keep the
 * last value seen, so each column gets its own.
 */
export function createValueDecoder(oid: number, options: { strictUtf8?: boolean } = {}): ValueDecoder {
  const type = byOid.get(oid)
  if (!type) throw new Error(`PostgreSQL type OID ${oid} is not supported`)
  if (oid === 1082) return createDateDecoder()
  if (oid === 1114 || oid === 1184) return createTimestampDecoder(type.name)
  if (options.strictUtf8 && type.decode === decodeText) return decodeStrictText
  if (options.strictUtf8 && oid === 3802) return (buffer, start, length) => (decodeJsonb(buffer, start, 1), decodeStrictText(buffer, start + 1, length - 1))
  return type.decode
}
