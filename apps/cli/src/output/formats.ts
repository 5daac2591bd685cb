import { toJson } from '../args.js'
import type { CliIo } from '../io.js'
import { renderTable } from './table.js'

/** Output formats for rows. */
export type RowFormat = 'table' | 'csv' | 'json' | 'ndjson'

/** How BIGINT-like columns are written in JSON: as numbers with every digit (default), or as strings. */
export type BigintMode = 'number' | 'string'

// Marks an exact integer inside JSON.stringify's output, to be written as bare digits
// (letters and digits only: JSON.stringify leaves it as it is).
const marker = `pqint${Math.random().toString(36).slice(2)}x`
const markedInteger = new RegExp(`"${marker}(-?\\d+)"`, 'g')

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'object' ? toJson(value) : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/**
 * JSON with marked integers written as bare digits, and every bigint — in a
 * column, a list, a struct, a map — as its digits: a JSON number (or, with
 * `string`, a JSON string), the same wherever it sits.
 */
function toExactJson(value: unknown, mode: BigintMode): string {
  const text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? (mode === 'string' ? item.toString() : `${marker}${item}`) : item))
  return text.replace(markedInteger, '$1')
}

/**
 * Writes rows in a format: a table (for people: decimals rounded to 2
 * places, fitted to the terminal's width), CSV (RFC 4180), one JSON array,
 * or NDJSON (one object per line); CSV and JSON keep every digit. `format`
 * defaults to a table on a terminal and NDJSON when piped.
 */
export function writeRows(io: CliIo, rows: readonly Record<string, unknown>[], columns: readonly (string | { name: string; type: string })[], format?: RowFormat, options: { bigint?: BigintMode } = {}): void {
  const chosen = format ?? (io.stdout.isTTY ? 'table' : 'ndjson')
  const typed = columns.map((column) => (typeof column === 'string' ? { name: column, type: '' } : column))
  const names = typed.map((column) => column.name)
  switch (chosen) {
    case 'table': {
      if (rows.length === 0) {
        io.stdout.write(`(no rows)\n`)
        return
      }
      // On a terminal the table fits its width; piped (--format table) it is whole.
      const width = io.stdout.isTTY ? io.stdout.columns : undefined
      const table = renderTable(rows, typed, width !== undefined && width > 0 ? { width } : {})
      io.stdout.write(table.text)
      if (table.cut > 0 && !io.quiet) io.stderr.write(`parquetry: ${table.cut} value${table.cut === 1 ? '' : 's'} cut to fit the terminal's ${width} columns (… marks them); --format csv or json prints every value whole\n`)
      return
    }
    case 'csv':
      io.stdout.write(`${[names.map(csvCell).join(','), ...rows.map((row) => names.map((column) => csvCell(row[column])).join(','))].join('\n')}\n`)
      return
    case 'json':
      io.stdout.write(`${toExactJson(rows, options.bigint ?? 'number')}\n`)
      return
    case 'ndjson': {
      // One write per call (a batch of a stream): fewer, larger writes, and one backpressure check.
      let text = ''
      for (const row of rows) text += `${toExactJson(row, options.bigint ?? 'number')}\n`
      if (text !== '') io.stdout.write(text)
      return
    }
  }
}
