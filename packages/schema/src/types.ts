/**
 * The column types a Parquetry schema can declare.
 *
 * | type      | typed value (in rows)            | Parquet                          | DuckDB    |
 * |-----------|----------------------------------|----------------------------------|-----------|
 * | string    | `string`                         | BYTE_ARRAY (UTF8)                | VARCHAR   |
 * | boolean   | `boolean`                        | BOOLEAN                          | BOOLEAN   |
 * | int16     | `number`                         | INT32 (INT_16)                   | SMALLINT  |
 * | int32     | `number`                         | INT32                            | INTEGER   |
 * | int64     | `bigint`                         | INT64                            | BIGINT    |
 * | double    | `number`                         | DOUBLE                           | DOUBLE    |
 * | date      | `string` `YYYY-MM-DD`            | INT32 (DATE)                     | DATE      |
 * | timestamp | `bigint` microseconds since epoch| INT64 (TIMESTAMP_MICROS / MILLIS)| TIMESTAMP |
 * | json      | `string` holding JSON text       | BYTE_ARRAY (JSON)                | JSON      |
 */
export type ColumnType = 'string' | 'boolean' | 'int16' | 'int32' | 'int64' | 'double' | 'date' | 'timestamp' | 'json'

/** All column types, in declaration order. */
export const columnTypes: readonly ColumnType[] = ['string', 'boolean', 'int16', 'int32', 'int64', 'double', 'date', 'timestamp', 'json']

/**
 * The column types a bloom filter can be asked for: not `boolean` (two values,
 * which min/max statistics already tell apart) nor `json` (readers hash the
 * text they compare, not the JSON document).
 */
export const bloomFilterColumnTypes: readonly ColumnType[] = ['string', 'int16', 'int32', 'int64', 'double', 'date', 'timestamp']

/** Storage precision of a timestamp column. */
export type TimestampUnit = 'micros' | 'millis'

/** One column as written in a schema definition. */
export interface ColumnDefinition {
  /** Column name, as it appears in Parquet and DuckDB. */
  name: string
  type: ColumnType
  /** Whether the column accepts nulls. Default `true`. */
  nullable?: boolean
  /** What the column holds, for people. */
  description?: string
  /** For `timestamp` only: storage precision. Default `'micros'`. */
  unit?: TimestampUnit
  /**
   * Whether an empty string in raw input means null. Default `true` for every
   * type but `string`, where an empty string stays an empty string unless this is set.
   */
  emptyAsNull?: boolean
  /**
   * Marks a column people filter by with `=` or `IN` (a slug, a path, a hash,
   * a name): writers put a bloom filter in each of its column chunks, so a
   * reader skips the row groups that cannot hold the value it looks for. A
   * hint to writers, not part of the shape: it does not change the
   * fingerprint. Not for `boolean` or `json` columns. Default `false`.
   */
  bloomFilter?: boolean
}

/** A column after {@link defineSchema} filled in every default. */
export interface Column {
  readonly name: string
  readonly type: ColumnType
  readonly nullable: boolean
  readonly description: string
  readonly unit: TimestampUnit
  readonly emptyAsNull: boolean
  readonly bloomFilter: boolean
}

/** A schema as written by its author. */
export interface SchemaDefinition {
  /** Dataset name: lower-case letters, digits and underscores (`query_perf`). */
  name: string
  /** Schema version, a positive integer bumped by hand when the shape changes. Default 1. */
  version?: number
  description?: string
  columns: readonly ColumnDefinition[]
}

/** A validated, immutable dataset schema (made by {@link defineSchema}). */
export interface DatasetSchema {
  readonly name: string
  readonly version: number
  readonly description: string
  readonly columns: readonly Column[]
  /** Stable hash of the physical shape (names, types, nullability, units). */
  readonly fingerprint: string
}

/** The in-memory value of one cell, by column type; `null` where the column is nullable. */
export type TypedValue = string | boolean | number | bigint | null

/** A row of typed values keyed by column name. */
export type Row = Record<string, TypedValue>
