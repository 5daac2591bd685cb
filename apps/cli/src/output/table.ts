/** Renders rows as an aligned text table with a header rule; numbers align right. */
export function formatTable(rows: readonly Record<string, unknown>[], columns: readonly string[] = Object.keys(rows[0] ?? {})): string {
  const cells = rows.map((row) => columns.map((column) => renderCell(row[column])))
  const widths = columns.map((column, index) => Math.max(column.length, ...cells.map((line) => (line[index] as string).length)))
  const numeric = columns.map((column) => rows.length > 0 && rows.every((row) => row[column] === null || typeof row[column] === 'number' || typeof row[column] === 'bigint'))
  const line = (values: readonly string[]) =>
    values.map((value, index) => (numeric[index] ? value.padStart(widths[index] as number) : value.padEnd(widths[index] as number))).join('  ').trimEnd()
  return [line(columns), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(line)].join('\n') + '\n'
}

function renderCell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}
