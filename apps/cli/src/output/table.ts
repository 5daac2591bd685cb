/** A column of a table: its name, and its DuckDB type when known (`''` when not). */
export interface TableColumn {
  name: string
  type?: string
}

/** Options of {@link formatTable}. */
export interface TableOptions {
  /**
   * Fit the table into this many characters (a terminal's width): the widest
   * text columns are cut, each cut value ending in `…`. Default: no limit.
   */
  width?: number
}

/** A table as text, and how many values were cut to fit the width. */
export interface FormattedTable {
  text: string
  cut: number
}

const numericTypes = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?)$/
/** A cut column keeps at least this many characters. */
const MIN_WIDTH = 8

/**
 * Renders rows as an aligned text table with a header rule, for people.
 * Numeric columns (by DuckDB type, else by their values) align right, NULL
 * included; a NULL reads `NULL` and a text that says NULL reads `'NULL'`, so
 * the two never look alike. Decimals are rounded to 2 places (4 significant
 * digits below 1) — as the export's summary rounds; `--format csv/json`
 * give every digit. With `width`, the widest text columns are cut to fit.
 */
export function formatTable(rows: readonly Record<string, unknown>[], columns: readonly (string | TableColumn)[] = Object.keys(rows[0] ?? {}), options: TableOptions = {}): string {
  return renderTable(rows, columns, options).text
}

/** {@link formatTable}, also saying how many values were cut. */
export function renderTable(rows: readonly Record<string, unknown>[], columns: readonly (string | TableColumn)[], options: TableOptions = {}): FormattedTable {
  const typed = columns.map((column) => (typeof column === 'string' ? { name: column, type: '' } : { name: column.name, type: column.type ?? '' }))
  const numeric = typed.map(
    (column) =>
      numericTypes.test(column.type) ||
      (column.type === '' && rows.length > 0 && rows.every((row) => row[column.name] === null || row[column.name] === undefined || typeof row[column.name] === 'number' || typeof row[column.name] === 'bigint')),
  )
  const decimal = typed.map((column) => /^DECIMAL/.test(column.type))
  const cells = rows.map((row) => typed.map((column, index) => (decimal[index] ? renderDecimal(row[column.name]) : renderCell(row[column.name]))))
  const widths = typed.map((column, index) => Math.max(column.name.length, ...cells.map((line) => (line[index] as string).length)))
  if (options.width !== undefined) shrink(widths, numeric, options.width)
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => {
        const width = widths[index] as number
        const shown = value.length > width ? cutTo(value, width) : value
        return numeric[index] ? shown.padStart(width) : shown.padEnd(width)
      })
      .join('  ')
      .trimEnd()
  const cut = cells.reduce((count, values) => count + values.filter((value, index) => value.length > (widths[index] as number)).length, 0)
  const text = [line(typed.map((column) => column.name)), widths.map((width) => '-'.repeat(width)).join('  '), ...cells.map(line)].join('\n') + '\n'
  return { text, cut }
}

/** Narrows the widest text columns until the table fits `total` characters (or none can narrow further). */
function shrink(widths: number[], numeric: readonly boolean[], total: number): void {
  const size = () => widths.reduce((sum, width) => sum + width, 0) + 2 * Math.max(0, widths.length - 1)
  while (size() > total) {
    let widest = -1
    for (const [index, width] of widths.entries()) {
      if (!numeric[index] && width > MIN_WIDTH && (widest === -1 || width > (widths[widest] as number))) widest = index
    }
    if (widest === -1) return
    widths[widest] = Math.max(MIN_WIDTH, (widths[widest] as number) - Math.max(1, size() - total))
  }
}

/** `value` cut to `width` characters, the last one `…`; never inside a character (an emoji stays whole or goes). */
function cutTo(value: string, width: number): string {
  let kept = ''
  for (const character of value) {
    if (kept.length + character.length > width - 1) break
    kept += character
  }
  return `${kept}…`
}

/** A DECIMAL (DuckDB gives its exact text) rounded as numbers are: at most 2 decimals, exactly, however many digits. */
function renderDecimal(value: unknown): string {
  if (typeof value !== 'string') return renderCell(value)
  const match = /^(-?)(\d+)\.(\d+)$/.exec(value)
  if (!match) return value
  const [, sign, whole, fraction] = match as unknown as [string, string, string, string]
  if (whole === '0' && /^0*$/.test(fraction.slice(0, 2))) return formatNumber(Number(value))
  const digits = BigInt(`${whole}${fraction}`)
  const scale = 10n ** BigInt(Math.max(0, fraction.length - 2))
  const hundredths = fraction.length <= 2 ? digits * 10n ** BigInt(2 - fraction.length) : (digits + scale / 2n) / scale
  const text = `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')}`.replace(/\.?0+$/, '')
  return `${sign && hundredths !== 0n ? '-' : ''}${text}`
}

function renderCell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'string') return value === 'NULL' ? `'NULL'` : value
  if (typeof value === 'number') return formatNumber(value)
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  if (value instanceof Date) return value.toISOString()
  // A list, a struct, a map: JSON, its bigints as their digits.
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? Number.isSafeInteger(Number(item)) ? Number(item) : item.toString() : item))
}

/** A number for people: whole numbers as they are, others to at most 2 decimals (4 significant digits below 1): 56.82, 440.6. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value)
  const magnitude = Math.abs(value)
  if (magnitude >= 1) return String(Number(value.toFixed(2)))
  return String(Number(value.toPrecision(4)))
}
