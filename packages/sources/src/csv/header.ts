import { ParquetryError } from '@parquetry/schema'

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
export function mapHeader(header: readonly string[], options: { columns?: readonly string[]; rename?: Readonly<Record<string, string>>; name: string }): FieldMapping {
  const { columns, rename = {} } = options
  if (!columns) {
    const used = new Set<string>()
    const keys = header.map((raw, index) => {
      const base = raw.trim() === '' ? `column_${index + 1}` : (rename[raw] ?? raw)
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
    const target = rename[raw] ?? foldedRename.get(folded) ?? byFolded.get(folded)
    if (target === undefined || !columns.includes(target)) {
      unknown.push(raw)
      return undefined
    }
    const previous = taken.get(target)
    if (previous !== undefined) {
      throw new ParquetryError(
        'SOURCE_READ_FAILED',
        `${options.name}: header fields ${previous + 1} (${JSON.stringify(header[previous])}) and ${index + 1} (${JSON.stringify(raw)}) both map to column ${target}`,
        { details: { source: options.name, line: 1, column: target } },
      )
    }
    taken.set(target, index)
    return target
  })
  const missing = columns.filter((column) => !taken.has(column))
  return { keys, unknown, missing }
}
