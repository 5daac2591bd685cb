import {
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  type DuckDBArrayType,
  type DuckDBDataChunk,
  type DuckDBListType,
  type DuckDBMapType,
  type DuckDBStructType,
  type DuckDBType,
  type DuckDBUnionType,
  type DuckDBValue,
  type DuckDBValueConverter,
} from '@duckdb/node-api'
import { ParquetryError } from '@parquetry/schema'

/** A JSON-safe cell value: what `query` returns with the default value options. */
export type CellValue = string | number | boolean | null | CellValue[] | { [key: string]: CellValue }

/** Any cell value a query can return, whatever the value options: {@link CellValue}s, and `bigint`s and `Date`s. */
export type QueryValue = string | number | bigint | boolean | Date | null | QueryValue[] | { [key: string]: QueryValue }

/** A result column: its name (deduplicated: `a`, `a:1` for two `a`s) and DuckDB's type (`BIGINT`, `TIMESTAMP WITH TIME ZONE`, `VARCHAR[]`). */
export interface QueryColumn {
  name: string
  type: string
}

/** Rows and column types of a query. */
export interface QueryResult<T extends object = Record<string, CellValue>> {
  columns: QueryColumn[]
  rows: T[]
  /**
   * What the statement gave, as DuckDB says: `rows` (a SELECT, a PRAGMA),
   * `changed-rows` (an INSERT, UPDATE or DELETE: one `Count` row), or
   * `nothing` (a SET, a CREATE — even CREATE TABLE AS, whose `Count` row
   * DuckDB still gives). A printer of several results shows the `rows` ones.
   */
  returns?: 'rows' | 'changed-rows' | 'nothing'
}

/**
 * How BIGINT, HUGEINT, UBIGINT and UHUGEINT values come back:
 * - `'json'` (default): JSON-safe, one type per column. `query` and
 *   `queryAll` decide per column of each result: numbers when every value of
 *   the column is within ±(2^53 − 1), else the whole column as decimal
 *   strings. A stream cannot see the rows ahead, so there they are strings.
 * - `'bigint'`: native `bigint`s.
 * - `'string'`: always decimal strings.
 */
export type BigintMode = 'json' | 'bigint' | 'string'

/**
 * How TIMESTAMP values (every precision, and TIMESTAMP WITH TIME ZONE) come back:
 * - `'string'` (default): DuckDB's text (`2025-10-28 14:30:00.123456`, `…+00` with a zone);
 * - `'date'`: a JS `Date` (milliseconds: the microseconds below them are dropped);
 * - `'micros'`: microseconds since 1970-01-01 UTC as a `bigint` (nanoseconds rounded down).
 *
 * DATE values are `YYYY-MM-DD` strings whatever the mode.
 */
export type TimestampMode = 'string' | 'date' | 'micros'

/** How values come back: per call, or as the querier's defaults (`Querier.create({ values })`). */
export interface ValueOptions {
  /** Default `'json'`. */
  bigint?: BigintMode
  /** Default `'string'`. */
  timestamp?: TimestampMode
}

/** Value options that give native values: `bigint`s, or `Date`s or µs `bigint`s for timestamps. */
export type NativeValueOptions = ValueOptions & ({ bigint: 'bigint' } | { timestamp: 'date' | 'micros' })

/**
 * The row type a querier's value options give by default: JSON-safe
 * {@link CellValue}s, or — when its `values` ask for bigints or Dates —
 * {@link QueryValue}s, so that code treating a cell as JSON does not compile.
 */
export type DefaultRow<O extends ValueOptions | undefined> = O extends NativeValueOptions ? Record<string, QueryValue> : Record<string, CellValue>

/** Value options with every choice made. */
export interface ResolvedValues {
  bigint: BigintMode
  timestamp: TimestampMode
}

const bigintModes: readonly BigintMode[] = ['json', 'bigint', 'string']
const timestampModes: readonly TimestampMode[] = ['string', 'date', 'micros']

/**
 * The call's options over the querier's defaults.
 *
 * @throws ParquetryError `USAGE` for an unknown mode.
 */
export function resolveValues(defaults: ValueOptions | undefined, options: ValueOptions | undefined): ResolvedValues {
  const bigint = options?.bigint ?? defaults?.bigint ?? 'json'
  const timestamp = options?.timestamp ?? defaults?.timestamp ?? 'string'
  if (!bigintModes.includes(bigint)) throw new ParquetryError('USAGE', `bigint: ${JSON.stringify(bigint)} is not one of ${bigintModes.join(', ')}`)
  if (!timestampModes.includes(timestamp)) throw new ParquetryError('USAGE', `timestamp: ${JSON.stringify(timestamp)} is not one of ${timestampModes.join(', ')}`)
  return { bigint, timestamp }
}

const integerTypeIds = new Set<DuckDBTypeId>([DuckDBTypeId.BIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.UHUGEINT])

/** A 64/128-bit integer inside a nested value, waiting for its column's JSON decision. */
class PendingInteger {
  constructor(readonly value: bigint) {}
}

/** Microseconds since the epoch of a timestamp of any precision (nanoseconds rounded down). */
function microsOf(value: DuckDBValue): bigint {
  if (value instanceof DuckDBTimestampValue || value instanceof DuckDBTimestampTZValue) return value.micros
  if (value instanceof DuckDBTimestampSecondsValue) return value.seconds * 1_000_000n
  if (value instanceof DuckDBTimestampMillisecondsValue) return value.millis * 1000n
  if (value instanceof DuckDBTimestampNanosecondsValue) return value.nanos / 1000n - (value.nanos % 1000n < 0n ? 1n : 0n)
  throw new ParquetryError('QUERY_FAILED', `expected a timestamp, got ${String(value)}`)
}

// JS Dates span ±8.64e15 ms around the epoch.
const maxDateMicros = 8_640_000_000_000_000_000n

function dateOf(value: DuckDBValue): Date {
  const micros = microsOf(value)
  if (micros > maxDateMicros || micros < -maxDateMicros) throw new ParquetryError('QUERY_FAILED', `timestamp ${String(value)} is outside the range of a JS Date; use timestamp: 'micros' or 'string'`)
  return new Date(Number(micros / 1000n - (micros % 1000n < 0n ? 1n : 0n)))
}

function isTimestamp(typeId: DuckDBTypeId): boolean {
  return typeId === DuckDBTypeId.TIMESTAMP || typeId === DuckDBTypeId.TIMESTAMP_TZ || typeId === DuckDBTypeId.TIMESTAMP_S || typeId === DuckDBTypeId.TIMESTAMP_MS || typeId === DuckDBTypeId.TIMESTAMP_NS
}

/** Whether a type is, or may hold, a 64/128-bit integer (a VARIANT may hold anything). */
function holdsIntegers(type: DuckDBType): boolean {
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.VARIANT:
      return true
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return holdsIntegers((type as DuckDBListType | DuckDBArrayType).valueType)
    case DuckDBTypeId.MAP:
      return holdsIntegers((type as DuckDBMapType).keyType) || holdsIntegers((type as DuckDBMapType).valueType)
    case DuckDBTypeId.STRUCT:
      return (type as DuckDBStructType).entryTypes.some(holdsIntegers)
    case DuckDBTypeId.UNION:
      return (type as DuckDBUnionType).memberTypes.some(holdsIntegers)
    default:
      return false
  }
}

/**
 * The converter of a column's values; the values inside lists, structs,
 * maps and unions go through a nested one. Under `bigint: 'json'` with
 * `decideLater`, integers stay `bigint` (a column's own) or
 * {@link PendingInteger} (nested) until {@link RowReader.settle};
 * otherwise they are strings.
 */
function converterFor(values: ResolvedValues, decideLater: boolean): DuckDBValueConverter<unknown> {
  const make = (wrap: boolean): DuckDBValueConverter<unknown> => {
    const converter: DuckDBValueConverter<unknown> = (value, type, inner) => {
      if (value === null) return null
      const typeId = type.typeId
      if (integerTypeIds.has(typeId)) {
        const integer = value as bigint
        if (values.bigint === 'bigint') return integer
        if (values.bigint === 'json' && decideLater) return wrap ? new PendingInteger(integer) : integer
        return integer.toString()
      }
      if (isTimestamp(typeId)) {
        if (values.timestamp === 'micros') return microsOf(value)
        if (values.timestamp === 'date') return dateOf(value)
        return String(value)
      }
      // DuckDB's JSON forms for the rest; what they hold comes back through `inner`.
      return JsonDuckDBValueConverter(value, type, inner as never)
    }
    return converter
  }
  const nested = make(true)
  const top = make(false)
  return (value, type) => top(value, type, nested)
}

/** Replaces the pending integers of a nested value. */
function replaceNested(value: unknown, toNumber: boolean): unknown {
  if (value instanceof PendingInteger) return toNumber ? Number(value.value) : value.value.toString()
  if (Array.isArray(value)) return value.map((item) => replaceNested(item, toNumber))
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const copy: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(value)) copy[key] = replaceNested(item, toNumber)
    return copy
  }
  return value
}

function isSafe(value: bigint): boolean {
  return value >= -9_007_199_254_740_991n && value <= 9_007_199_254_740_991n
}

/** Whether every pending integer of a nested value is within ±(2^53 − 1). */
function nestedSafe(value: unknown): boolean {
  if (value instanceof PendingInteger) return isSafe(value.value)
  if (Array.isArray(value)) return value.every(nestedSafe)
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) return Object.values(value).every(nestedSafe)
  return true
}

/** Reads DuckDB's chunks into row objects keyed by `names`, converting each value as `values` says. */
export class RowReader {
  readonly #names: readonly string[]
  readonly #converter: DuckDBValueConverter<unknown>
  /** Indexes of the columns holding integers whose JSON form waits for the whole result. */
  readonly #pending: number[]

  /** `decideLater`: under `bigint: 'json'`, keep integers until {@link settle} (the whole result is read); else they are strings. */
  constructor(names: readonly string[], types: readonly DuckDBType[], values: ResolvedValues, decideLater: boolean) {
    this.#names = names
    this.#converter = converterFor(values, decideLater)
    this.#pending = values.bigint === 'json' && decideLater ? types.flatMap((type, index) => (holdsIntegers(type) ? [index] : [])) : []
  }

  /** The rows of a chunk. */
  rows(chunk: DuckDBDataChunk): Record<string, unknown>[] {
    const count = chunk.rowCount
    const columns = this.#names.map((_, index) => chunk.convertColumnValues(index, this.#converter))
    const rows: Record<string, unknown>[] = new Array(count)
    for (let row = 0; row < count; row++) {
      const record: Record<string, unknown> = {}
      for (let column = 0; column < columns.length; column++) {
        const name = this.#names[column] as string
        const value = (columns[column] as unknown[])[row]
        // A column called __proto__ is a property like any other, not the object's prototype.
        if (name === '__proto__') Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true })
        else record[name] = value
      }
      rows[row] = record
    }
    return rows
  }

  /**
   * Under `bigint: 'json'` with `decideLater`: each integer column of the
   * whole result becomes numbers when every value is within ±(2^53 − 1),
   * else decimal strings. In place.
   */
  settle(rows: Record<string, unknown>[]): void {
    for (const index of this.#pending) {
      const name = this.#names[index] as string
      const toNumber = rows.every((row) => {
        const value = row[name]
        return typeof value === 'bigint' ? isSafe(value) : nestedSafe(value)
      })
      for (const row of rows) {
        const value = row[name]
        if (value === null) continue
        row[name] = typeof value === 'bigint' ? (toNumber ? Number(value) : value.toString()) : replaceNested(value, toNumber)
      }
    }
  }
}
