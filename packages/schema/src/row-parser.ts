import { createCoercer, createRangeCoercer, NO_FIT, Rejection, type Coercer } from './coerce.js'
import { describeValue, ParquetryError } from './errors.js'
import type { Column, DatasetSchema, Row, TypedValue } from './types.js'

/** One value that did not fit its column. */
export interface ValueProblem {
  column: string
  /** The raw value as it arrived. */
  value: unknown
  reason: string
}

/** Result of parsing one raw record: a typed row, or every problem found in it. */
export type ParseResult = { ok: true; row: Row } | { ok: false; problems: ValueProblem[] }

/** Options for {@link createRowParser}. */
export interface RowParserOptions {
  /**
   * What to do with raw keys that are not columns: `'ignore'` (default) or
   * `'reject'` the record, naming the keys.
   */
  unknownKeys?: 'ignore' | 'reject'
  /**
   * Columns the parser leaves out because the caller computes them from the
   * typed row (a partition date derived from a timestamp, say).
   */
  skip?: readonly string[]
}

/** Parses raw records (CSV strings, JSON values, typed values) into typed rows. */
export type RowParser = (raw: Readonly<Record<string, unknown>>) => ParseResult

/**
 * Compiles a parser for `schema`: each column's coercer is built once, so the
 * per-record cost is one call per column. A missing key is a null. The parser
 * never throws on bad data: it reports every bad value of the record.
 */
export function createRowParser(schema: DatasetSchema, options: RowParserOptions = {}): RowParser {
  const skipped = new Set(options.skip ?? [])
  const columns = schema.columns.filter((column) => !skipped.has(column.name))
  const coercers: Coercer[] = columns.map(createCoercer)
  const names = columns.map((column) => column.name)
  const known = new Set([...names, ...skipped])
  const rejectUnknown = options.unknownKeys === 'reject'
  const parseKnown = compileParser(names, coercers)
  if (!rejectUnknown) return parseKnown
  return (raw) => {
    const parsed = parseKnown(raw)
    let problems: ValueProblem[] | undefined = parsed.ok ? undefined : parsed.problems
    for (const key of Object.keys(raw)) {
      if (!known.has(key)) (problems ??= []).push({ column: key, value: raw[key], reason: 'not a column of this schema' })
    }
    return problems ? { ok: false, problems } : parsed
  }
}

/**
 * The parser of `names`, compiled: one call site per column (each sees one
 * coercer, so each stays monomorphic) and the row built as one object
 * literal, so every row of a schema shares one shape. Column names are
 * JSON string literals (`__proto__` a computed key: an own property).
 * Problems are listed in column order.
 */
function compileParser(names: readonly string[], coercers: readonly Coercer[]): RowParser {
  const lines: string[] = []
  for (let index = 0; index < names.length; index++) {
    lines.push(`const v${index} = raw[${JSON.stringify(names[index])}]`, `const t${index} = c${index}(v${index})`)
  }
  const checks = names.map((name, index) => `if (t${index} instanceof Rejection) (problems ??= []).push({ column: ${JSON.stringify(name)}, value: v${index}, reason: t${index}.reason })`)
  const row = names.map((name, index) => `${propertyKey(name)}: t${index}`).join(', ')
  const body = `${names.map((_, index) => `const c${index} = coercers[${index}]`).join('\n')}
return function parseRow(raw) {
  ${lines.join('\n  ')}
  let problems
  ${checks.join('\n  ')}
  return problems ? { ok: false, problems } : { ok: true, row: { ${row} } }
}`
  return new Function('coercers', 'Rejection', body)(coercers, Rejection) as RowParser
}

/**
 * Parses the fields of one line of delimited text where they lie: field `k`
 * is `text.slice(k === 0 ? 0 : ends[k - 1] + 1, ends[k])`. Returns the typed
 * row, or undefined when a value does not fit (the record, parsed by the
 * {@link RowParser}, then says why).
 */
export type LineParser = (text: string, ends: Int32Array) => Row | undefined

/**
 * The {@link LineParser} of lines whose fields are `keys` (a header mapped to
 * columns; undefined for a field no column reads; a later field of the same
 * key wins): the row it returns is the one the {@link RowParser} of the same
 * options makes of the record `{ [keys[k]]: field k }`, without making the
 * record or the substrings of the usual numbers, booleans and timestamps.
 * A column with no field is coerced from `undefined`, as a record lacking it is.
 */
export function createLineParser(schema: DatasetSchema, keys: readonly (string | undefined)[], options: Pick<RowParserOptions, 'skip'> = {}): LineParser {
  const skipped = new Set(options.skip ?? [])
  const columns = schema.columns.filter((column) => !skipped.has(column.name))
  const lines: string[] = []
  const coercers: unknown[] = []
  columns.forEach((column, index) => {
    const field = keys.lastIndexOf(column.name)
    if (field === -1) {
      coercers.push(createCoercer(column))
      lines.push(`const t${index} = c${index}(undefined)`, `if (t${index} instanceof Rejection) return undefined`)
    } else {
      coercers.push(createRangeCoercer(column))
      lines.push(`const t${index} = c${index}(text, ${field === 0 ? '0' : `ends[${field - 1}] + 1`}, ends[${field}])`, `if (t${index} === NO_FIT) return undefined`)
    }
  })
  const row = columns.map((column, index) => `${propertyKey(column.name)}: t${index}`).join(', ')
  const body = `${columns.map((_, index) => `const c${index} = coercers[${index}]`).join('\n')}
return function parseLine(text, ends) {
  ${lines.join('\n  ')}
  return { ${row} }
}`
  return new Function('coercers', 'Rejection', 'NO_FIT', body)(coercers, Rejection, NO_FIT) as LineParser
}

/** A column name as a key of a compiled object literal: a JSON string (`__proto__` computed, so that it is an own property). */
function propertyKey(name: string): string {
  return name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name)
}

/** One line per problem: `column execution_time_ms: "fast": expected a number`. */
export function formatProblems(problems: readonly ValueProblem[]): string {
  return problems.map((problem) => `column ${problem.column}: ${describeValue(problem.value)}: ${problem.reason}`).join('; ')
}

/**
 * Coerces a single value for `column`.
 *
 * @throws ParquetryError `VALUE_INVALID` with the column, the value and the reason.
 */
export function coerceValue(column: Column, value: unknown): TypedValue {
  const typed = createCoercer(column)(value)
  if (typed instanceof Rejection) {
    throw new ParquetryError('VALUE_INVALID', `column ${column.name}: ${describeValue(value)}: ${typed.reason}`, {
      details: { column: column.name, value, reason: typed.reason },
    })
  }
  return typed
}

/**
 * Parses one record and throws when it does not fit; for callers that treat a
 * bad record as fatal (sources collect rejects with {@link createRowParser}).
 *
 * @throws ParquetryError `ROW_INVALID` listing every problem.
 */
export function parseRow(schema: DatasetSchema, raw: Readonly<Record<string, unknown>>, options?: RowParserOptions): Row {
  const result = createRowParser(schema, options)(raw)
  if (!result.ok) {
    throw new ParquetryError('ROW_INVALID', `${schema.name}: ${formatProblems(result.problems)}`, { details: { problems: result.problems } })
  }
  return result.row
}
