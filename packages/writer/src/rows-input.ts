import type { Row, TypedValue } from '@parquetry/schema'

/**
 * Typed rows as {@link writeParquet} and `ParquetFileWriter.writeRows` take
 * them: an iterable or async iterable of rows, of batches of rows (arrays, as
 * `validateRecords` of `@parquetry/sources` yields them), or of both mixed.
 */
export type RowsInput<R extends Row = Row> = Iterable<Readonly<R> | readonly Readonly<R>[]> | AsyncIterable<Readonly<R> | readonly Readonly<R>[]>

/**
 * Whether `T` is the untyped row, `Row` (any column name, any typed value),
 * rather than a row type of known columns: a `Row` may hold anything, so the
 * writer checks it at run time only.
 */
type IsUntypedRow<T> = { [column: string]: TypedValue } extends T ? true : false

/** The row type of the rows or batches an iterable `I` yields. */
type RowOfInput<I> = I extends Iterable<infer Item> | AsyncIterable<infer Item> ? (Item extends readonly (infer Inner)[] ? Inner : Item) : never

/**
 * The row a writer of rows `R` takes, given a row of type `T`: `R` itself, so
 * that a misspelt column or a value of the wrong type fails to compile;
 * any row typed `Row` (made by `createRowParser`, or for a schema read at run
 * time) is taken as it is and checked at run time (`ROW_INVALID`).
 */
export type RowFor<T, R extends Row> = IsUntypedRow<T> extends true ? unknown : Readonly<R>

/** {@link RowFor} for the rows or batches an iterable `I` yields. */
export type RowsFor<I, R extends Row> = IsUntypedRow<RowOfInput<I>> extends true ? unknown : RowsInput<R>
