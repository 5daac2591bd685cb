import { ParquetryError } from '@parquetry/schema'

/**
 * A parameter type COPY can bind (`current_setting('parquetry.pN')::type`);
 * PostgreSQL's short names.
 */
export type CopyParameterType =
  | 'date'
  | 'text'
  | 'int8'
  | 'int4'
  | 'bool'
  | 'float8'
  | 'timestamptz'
  | 'int2'
  | 'float4'
  | 'numeric'
  | 'timestamp'
  | 'varchar'
  | 'uuid'
  | 'json'
  | 'jsonb'

/** format_type()'s names (as pg_prepared_statements.parameter_types shows them) → the short names. */
const typeNames: Record<string, CopyParameterType> = {
  date: 'date',
  text: 'text',
  bigint: 'int8',
  integer: 'int4',
  smallint: 'int2',
  boolean: 'bool',
  'double precision': 'float8',
  real: 'float4',
  numeric: 'numeric',
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  'character varying': 'varchar',
  uuid: 'uuid',
  json: 'json',
  jsonb: 'jsonb',
}

/** The short name of a parameter type as PostgreSQL names it (`bigint` → `int8`), or undefined when COPY cannot bind it. */
export function copyParameterType(formatted: string): CopyParameterType | undefined {
  return typeNames[formatted]
}

/** The name of the transaction-local setting that carries parameter `index` (1-based). */
export function parameterSetting(index: number): string {
  return `parquetry.p${index}`
}

const isIdentifierChar = (code: number): boolean =>
  (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f || code === 0x24 || code >= 0x80
const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39

// A dollar-quote tag at `start` (`$$`, `$body$`): its text, or undefined.
function dollarTag(sql: string, start: number): string | undefined {
  let index = start + 1
  const first = sql.charCodeAt(index)
  if (first === 0x24) return '$$'
  if (Number.isNaN(first) || isDigit(first) || !isIdentifierChar(first)) return undefined
  while (index < sql.length && isIdentifierChar(sql.charCodeAt(index)) && sql.charCodeAt(index) !== 0x24) index++
  return sql.charCodeAt(index) === 0x24 ? sql.slice(start, index + 1) : undefined
}

/**
 * Rewrites the parameters `$1..$n` of `sql` as reads of transaction-local
 * settings, so a query can run under COPY, which takes no bind parameters:
 * `$1` becomes `(current_setting('parquetry.p1')::date)` for `types[0] =
 * 'date'`, and `(NULL::date)` where `options.nulls[0]` is true (a NULL has no
 * setting: `set_config` would make it ''). The values are set with
 * `SELECT set_config('parquetry.p1', $1, true)`, bound, and never enter the
 * SQL text.
 *
 * `$n` inside string literals (`'…'`, `E'…'` with backslash escapes),
 * quoted identifiers (`"…"`), comments (`--`, nested `/* *\/`) and
 * dollar-quoted strings (`$$…$$`, `$tag$…$tag$`) is left alone, and so is a
 * `$` within an identifier (`a$1`).
 *
 * @throws ParquetryError `USAGE` for a `$n` beyond `types`, or SQL whose
 *   string, identifier, comment or dollar quote never ends.
 */
export function bindCopyParameters(sql: string, types: readonly CopyParameterType[], options: { nulls?: readonly boolean[] } = {}): string {
  let output = ''
  let copied = 0
  let index = 0
  const length = sql.length
  const unterminated = (what: string, at: number): never => {
    throw new ParquetryError('USAGE', `query text: ${what} starting at character ${at + 1} never ends`)
  }
  while (index < length) {
    const code = sql.charCodeAt(index)
    if (code === 0x27) {
      // A string literal; E'…' (the E just before) takes backslash escapes.
      const before = index > 0 ? sql.charCodeAt(index - 1) | 0x20 : 0
      const escapes = before === 0x65 && (index < 2 || !isIdentifierChar(sql.charCodeAt(index - 2)))
      let cursor = index + 1
      for (;;) {
        if (cursor >= length) unterminated('a string literal', index)
        const next = sql.charCodeAt(cursor)
        if (escapes && next === 0x5c) cursor += 2
        else if (next === 0x27 && sql.charCodeAt(cursor + 1) === 0x27) cursor += 2
        else if (next === 0x27) break
        else cursor++
      }
      index = cursor + 1
    } else if (code === 0x22) {
      let cursor = index + 1
      for (;;) {
        if (cursor >= length) unterminated('a quoted identifier', index)
        if (sql.charCodeAt(cursor) === 0x22 && sql.charCodeAt(cursor + 1) === 0x22) cursor += 2
        else if (sql.charCodeAt(cursor) === 0x22) break
        else cursor++
      }
      index = cursor + 1
    } else if (code === 0x2d && sql.charCodeAt(index + 1) === 0x2d) {
      const end = sql.indexOf('\n', index)
      index = end === -1 ? length : end + 1
    } else if (code === 0x2f && sql.charCodeAt(index + 1) === 0x2a) {
      let depth = 1
      let cursor = index + 2
      while (depth > 0) {
        if (cursor >= length) unterminated('a comment', index)
        if (sql.charCodeAt(cursor) === 0x2f && sql.charCodeAt(cursor + 1) === 0x2a) {
          depth++
          cursor += 2
        } else if (sql.charCodeAt(cursor) === 0x2a && sql.charCodeAt(cursor + 1) === 0x2f) {
          depth--
          cursor += 2
        } else {
          cursor++
        }
      }
      index = cursor
    } else if (code === 0x24 && (index === 0 || !isIdentifierChar(sql.charCodeAt(index - 1)))) {
      if (isDigit(sql.charCodeAt(index + 1))) {
        let end = index + 1
        while (end < length && isDigit(sql.charCodeAt(end))) end++
        const number = Number(sql.slice(index + 1, end))
        const type = types[number - 1]
        if (number < 1 || type === undefined) {
          throw new ParquetryError('USAGE', `query text: parameter $${number} has no value (${types.length} given)`)
        }
        const value = options.nulls?.[number - 1] ? 'NULL' : `current_setting('${parameterSetting(number)}')`
        output += `${sql.slice(copied, index)}(${value}::${type})`
        copied = end
        index = end
      } else {
        const tag = dollarTag(sql, index)
        if (tag === undefined) {
          index++
        } else {
          const end = sql.indexOf(tag, index + tag.length)
          if (end === -1) unterminated(`a dollar-quoted string ${tag}`, index)
          index = end + tag.length
        }
      }
    } else if (isIdentifierChar(code)) {
      // Skip the rest of a word, so that a `$` inside it (`a$1`) is not a parameter.
      index++
      while (index < length && isIdentifierChar(sql.charCodeAt(index))) index++
    } else {
      index++
    }
  }
  return output + sql.slice(copied)
}
