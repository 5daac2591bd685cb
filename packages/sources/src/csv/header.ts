import { ParquetryError } from '@parquetry/schema'
import { columnNotice } from '../notices.js'
import type { SourceNotice } from '../types.js'

/** Folds a field name for matching: NFC, trimmed, lower-case, runs of space, `-` and `.` as `_`. */
export function normalizeFieldName(name: string): string {
  return name.normalize('NFC').trim().toLowerCase().replace(/[\s.-]+/g, '_')
}

/** How header fields map to record keys. */
export interface FieldMapping {
  /** Record key of each field position; undefined where the field is not passed on. */
  keys: (string | undefined)[]
  unknown: string[]
  missing: string[]
}

/**
 * Maps header names to record keys. With `columns`, each header name is
 * matched to a column (by `rename`, then by folded name); unmatched fields are
 * listed as unknown, unmatched columns as missing, and two fields landing on
 * one column are an error. Without `columns`, the header names are the keys,
 * empty ones become `column_<n>` and repeats get `_1`, `_2` suffixes.
 *
 * @throws ParquetryError `SOURCE_READ_FAILED` for an ambiguous header.
 */
export function mapHeader(header: readonly string[], options: { columns?: readonly string[]; rename?: Readonly<Record<string, string>>; name: string; line?: number }): FieldMapping {
  const { columns, rename = {} } = options
  if (!columns) {
    const used = new Set<string>()
    const keys = header.map((raw, index) => {
      const base = raw.trim() === '' ? `column_${index + 1}` : (renamed(rename, raw) ?? raw)
      let key = base
      for (let suffix = 1; used.has(key); suffix++) key = `${base}_${suffix}`
      used.add(key)
      return key
    })
    return { keys, unknown: [], missing: [] }
  }
  const byFolded = new Map(columns.map((column) => [normalizeFieldName(column), column]))
  const foldedRename = new Map(Object.entries(rename).map(([from, to]) => [normalizeFieldName(from), to]))
  const taken = new Map<string, number>()
  const unknown: string[] = []
  const keys = header.map((raw, index) => {
    const folded = normalizeFieldName(raw)
    const target = renamed(rename, raw) ?? foldedRename.get(folded) ?? byFolded.get(folded)
    if (target === undefined || !columns.includes(target)) {
      unknown.push(raw)
      return undefined
    }
    const previous = taken.get(target)
    if (previous !== undefined) {
      throw new ParquetryError(
        'SOURCE_READ_FAILED',
        `${options.name}: header fields ${previous + 1} (${JSON.stringify(header[previous])}) and ${index + 1} (${JSON.stringify(raw)}) both map to column ${target}`,
        { details: { source: options.name, line: options.line ?? 1, column: target } },
      )
    }
    taken.set(target, index)
    return target
  })
  const missing = columns.filter((column) => !taken.has(column))
  return { keys, unknown, missing }
}

/** What {@link checkHeader} needs to know about a header. */
export interface HeaderCheck {
  /** The header fields as written. */
  header: readonly string[]
  mapping: FieldMapping
  requiredColumns?: readonly string[]
  strictHeader?: boolean
  name: string
  /** Line of the header. */
  line: number
}

const listOf = (names: readonly string[]) => names.join(', ')
const plural = (count: number, word: string) => (count === 1 ? word : `${word}s`)

/**
 * Checks a mapped header: a required column it lacks fails the read, and so
 * does any mismatch under `strictHeader`; otherwise each kind of mismatch
 * (header columns no column reads, columns absent from the header) is one
 * notice.
 *
 * @throws ParquetryError `SOURCE_READ_FAILED` naming the input, the line and the columns.
 */
export function checkHeader(check: HeaderCheck): SourceNotice[] {
  const { mapping, name, line } = check
  const location = { source: name, line }
  const keys = new Set(mapping.keys)
  const required = (check.requiredColumns ?? []).filter((column) => !keys.has(column))
  const unknownText = mapping.unknown.length > 0 ? `; header ${plural(mapping.unknown.length, 'column')} no column reads: ${listOf(mapping.unknown)}` : ''
  if (required.length > 0) {
    throw new ParquetryError('SOURCE_READ_FAILED', `${name}: the header at line ${line} lacks required ${plural(required.length, 'column')} ${listOf(required)}${unknownText}`, {
      details: { source: name, line, missingColumns: required, unknownColumns: mapping.unknown, header: [...check.header] },
    })
  }
  if (check.strictHeader && (mapping.unknown.length > 0 || mapping.missing.length > 0)) {
    const parts = [
      ...(mapping.unknown.length > 0 ? [`header ${plural(mapping.unknown.length, 'column')} no column reads: ${listOf(mapping.unknown)}`] : []),
      ...(mapping.missing.length > 0 ? [`${plural(mapping.missing.length, 'column')} the header lacks: ${listOf(mapping.missing)}`] : []),
    ]
    throw new ParquetryError('SOURCE_READ_FAILED', `${name}: the header at line ${line} does not match the columns (strictHeader): ${parts.join('; ')}`, {
      details: { source: name, line, missingColumns: mapping.missing, unknownColumns: mapping.unknown, header: [...check.header] },
    })
  }
  const notices: SourceNotice[] = []
  if (mapping.unknown.length > 0) notices.push(columnNotice('unknown-column', mapping.unknown, location))
  if (mapping.missing.length > 0) notices.push(columnNotice('missing-column', mapping.missing, location))
  return notices
}

// Own keys only: a header named `constructor` or `__proto__` is not renamed by Object.prototype.
function renamed(rename: Readonly<Record<string, string>>, raw: string): string | undefined {
  return Object.hasOwn(rename, raw) ? rename[raw] : undefined
}
