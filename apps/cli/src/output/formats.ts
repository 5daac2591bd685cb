import { toJson } from '../args.js'
import type { CliIo } from '../io.js'
import { formatTable } from './table.js'

/** Output formats for rows. */
export type RowFormat = 'table' | 'csv' | 'json' | 'ndjson'

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'object' ? toJson(value) : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/**
 * Writes rows in a format: a table (for people), CSV (RFC 4180), one JSON
 * array, or NDJSON (one object per line). `format` defaults to a table on a
 * terminal and NDJSON when piped.
 */
export function writeRows(io: CliIo, rows: readonly Record<string, unknown>[], columns: readonly string[], format?: RowFormat): void {
  const chosen = format ?? (io.stdout.isTTY ? 'table' : 'ndjson')
  switch (chosen) {
    case 'table':
      io.stdout.write(rows.length > 0 ? formatTable(rows, columns) : `(no rows)\n`)
      return
    case 'csv':
      io.stdout.write(`${[columns.map(csvCell).join(','), ...rows.map((row) => columns.map((column) => csvCell(row[column])).join(','))].join('\n')}\n`)
      return
    case 'json':
      io.stdout.write(`${toJson(rows)}\n`)
      return
    case 'ndjson':
      for (const row of rows) io.stdout.write(`${toJson(row)}\n`)
      return
  }
}
