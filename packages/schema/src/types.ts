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

/** The in-memory value of one cell, by column type; `null` where the column is nullable. */
export type TypedValue = string | boolean | number | bigint | null

/** A row of typed values keyed by column name: the row of a schema whose columns are known only at run time. */
export type Row = Record<string, TypedValue>

/**
 * The typed value of a column of type `T`, as in the table of {@link ColumnType}:
 * `string`, `date`, `json` → `string`; `boolean` → `boolean`; `int16`, `int32`,
 * `double` → `number`; `int64`, `timestamp` → `bigint`.
 */
export type ColumnValue<T extends ColumnType> = T extends 'string' | 'date' | 'json'
  ? string
  : T extends 'boolean'
    ? boolean
    : T extends 'int16' | 'int32' | 'double'
      ? number
      : T extends 'int64' | 'timestamp'
        ? bigint
        : never

/**
 * The row type of a list of column definitions: one property per column, of
 * its {@link ColumnValue}, `| null` unless the column says `nullable: false`.
 * Columns whose names are not literal types (read from a config file at run
 * time) give {@link Row}.
 */
export type RowOfColumns<C extends readonly ColumnDefinition[]> = string extends C[number]['name']
  ? Row
  : { -readonly [Definition in C[number] as Definition['name']]: Definition extends { readonly nullable: false } ? ColumnValue<Definition['type']> : ColumnValue<Definition['type']> | null }

/** The row type of a schema definition (see {@link RowOfColumns}). */
export type RowOf<D extends SchemaDefinition> = RowOfColumns<D['columns']>

// Type-level only: the key of a schema's phantom row type. No value exists at run time.
declare const rowType: unique symbol

/**
 * A validated, immutable dataset schema (made by {@link defineSchema}).
 *
 * `R` is the type of its rows: inferred by `defineSchema` from a definition
 * written in code (`InferRow<typeof schema>`), {@link Row} for a schema built
 * at run time. A schema of typed rows is also a `DatasetSchema` (of `Row`).
 */
export interface DatasetSchema<R extends Row = Row> {
  readonly name: string
  readonly version: number
  readonly description: string
  readonly columns: readonly Column[]
  /** Stable hash of the physical shape (names, types, nullability, units). */
  readonly fingerprint: string
  /** Type-level only (absent at run time): carries the row type `R`. */
  readonly [rowType]?: R
}

/**
 * Columns computed from a typed row once the others are coerced, by column
 * name (`{ date_partition: (row) => dateOfTimestamp(row.timestamp) }`): each
 * gets the row (its own column not yet set) and returns its column's value.
 */
export type DeriveColumns<R extends Row = Row> = { readonly [Name in keyof R]?: DeriveColumn<R, R[Name]> }

/**
 * One derived column: the typed row in, the column's value out. Declared as a
 * method's type, whose parameter TypeScript checks both ways, so that
 * derivations of typed rows also pass where derivations of `Row`s are asked
 * for (a dataset definition of typed rows is also one of `Row`s).
 */
export type DeriveColumn<R, V> = { derive(row: R): V }['derive']

/**
 * The row type of a schema, as zod's `z.infer` gives a zod schema's:
 * `InferRow<typeof orders>` is `{ order_id: bigint; currency: string; amount: number | null; … }`
 * for a schema made by `defineSchema` from a literal definition, {@link Row}
 * for one built at run time. Also takes a schema definition itself.
 */
export type InferRow<S> = S extends DatasetSchema<infer R> ? R : S extends SchemaDefinition ? RowOf<S> : never
