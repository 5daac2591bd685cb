import { DuckDBTimestampTZValue, DuckDBTimestampValue, DuckDBTypeId, type DuckDBPreparedStatement, type DuckDBValue } from '@duckdb/node-api'
import { ParquetryError } from '@parquetry/schema'

/**
 * A value bound to a `$name` or `$1` parameter: a string, number, boolean or
 * null; a `bigint` (BIGINT, or HUGEINT / UHUGEINT past the int64 range); a
 * JS `Date` (a TIMESTAMP in UTC, or a TIMESTAMP WITH TIME ZONE where the SQL
 * casts the parameter to one); or any `@duckdb/node-api` value
 * (`listValue([...])`, `decimalValue(…)`).
 */
export type QueryParam = DuckDBValue | Date

/** Parameters by name (`{ day: '2025-10-28' }` for `$day`) or by position (`['2025-10-28']` for `$1`). */
export type QueryParams = Readonly<Record<string, QueryParam>> | readonly QueryParam[]

const int64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n }
const hugeint = { min: -(2n ** 127n), max: 2n ** 127n - 1n }
const uhugeintMax = 2n ** 128n - 1n

/** Whether parameters hold any value (an empty array or object counts as none). */
export function hasParams(params: QueryParams | undefined): params is QueryParams {
  if (params === undefined) return false
  return Array.isArray(params) ? params.length > 0 : Object.keys(params).length > 0
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown
  return prototype === Object.prototype || prototype === null
}

/** Binds one value; `label` names the parameter in errors (`$day`, `$1`). */
function bindOne(prepared: DuckDBPreparedStatement, index: number, value: QueryParam, label: string): void {
  if (value === undefined) throw new ParquetryError('USAGE', `parameter ${label} is undefined; bind null for SQL NULL`)
  if (value instanceof Date) {
    const millis = value.getTime()
    if (Number.isNaN(millis)) throw new ParquetryError('USAGE', `parameter ${label} is an invalid Date`)
    const micros = BigInt(millis) * 1000n
    // A Date is an instant: bound as UTC wall time, or as an instant where the SQL wants TIMESTAMPTZ.
    if (prepared.parameterTypeId(index) === DuckDBTypeId.TIMESTAMP_TZ) prepared.bindTimestampTZ(index, new DuckDBTimestampTZValue(micros))
    else prepared.bindTimestamp(index, new DuckDBTimestampValue(micros))
    return
  }
  if (typeof value === 'bigint') {
    if (value >= int64.min && value <= int64.max) prepared.bindBigInt(index, value)
    else if (value >= hugeint.min && value <= hugeint.max) prepared.bindHugeInt(index, value)
    else if (value > 0n && value <= uhugeintMax) prepared.bindUHugeInt(index, value)
    else throw new ParquetryError('USAGE', `parameter ${label}: ${value} is outside the range of HUGEINT and UHUGEINT`)
    return
  }
  if (typeof value === 'object' && value !== null && (Array.isArray(value) || isPlainObject(value))) {
    throw new ParquetryError('USAGE', `parameter ${label}: a plain ${Array.isArray(value) ? 'array' : 'object'} has no DuckDB type; use listValue() or structValue() from @duckdb/node-api`)
  }
  prepared.bindValue(index, value)
}

/**
 * Binds parameters to a prepared statement, each to its own placeholder
 * (never into the SQL text), and checks that every placeholder gets a value.
 *
 * @throws ParquetryError `USAGE` for a name the SQL lacks, a missing or
 *   extra value, `undefined`, an invalid Date, a bigint past UHUGEINT or a
 *   plain array or object.
 */
export function bindParams(prepared: DuckDBPreparedStatement, params: QueryParams | undefined): void {
  const count = prepared.parameterCount
  const placeholders = Array.from({ length: count }, (_, index) => prepared.parameterName(index + 1))
  if (Array.isArray(params)) {
    if (params.length !== count) throw new ParquetryError('USAGE', `${params.length} parameter value${params.length === 1 ? '' : 's'} for ${count} placeholder${count === 1 ? '' : 's'}${count > 0 ? ` (${placeholders.map((name) => `$${name}`).join(', ')})` : ''}`)
    params.forEach((value: QueryParam, index) => bindOne(prepared, index + 1, value, `$${index + 1}`))
    return
  }
  const named = (params ?? {}) as Readonly<Record<string, QueryParam>>
  for (const [name, value] of Object.entries(named)) {
    const index = placeholders.indexOf(name) + 1
    if (index === 0) throw new ParquetryError('USAGE', `parameter $${name} is not in the SQL${count > 0 ? `, whose parameters are ${placeholders.map((placeholder) => `$${placeholder}`).join(', ')}` : ', which has none'}`)
    bindOne(prepared, index, value, `$${name}`)
  }
  const missing = placeholders.filter((name) => !Object.hasOwn(named, name))
  if (missing.length > 0) throw new ParquetryError('USAGE', `no value for ${missing.map((name) => `$${name}`).join(', ')}`)
}
