import { ParquetryError, parseDateText, type ColumnType, type TypedValue } from '@parquetry/schema'
import { isoWeekOf } from './calendar.js'
import { decodePartitionValue, encodePartitionValue } from './encode.js'

/** Date tokens: every one is computed from the partition date. */
export const dateTokens = ['yyyy', 'mm', 'dd', 'yyyymmdd', 'date', 'yyyyww'] as const
export type DateToken = (typeof dateTokens)[number]

/** Column types a `{column}` token may name: values with a short, exact text form. */
export const partitionColumnTypes: readonly ColumnType[] = ['string', 'boolean', 'int16', 'int32', 'int64', 'date']

/** One `{token}` of a template, in order. */
export interface LayoutToken {
  name: string
  kind: 'date' | 'dataset' | 'column'
  /** For a column token: the column's type. */
  type?: ColumnType
  /** The hive key when the token is a whole `key={token}` directory value. */
  hiveKey?: string
}

/** What a stored path says about its file. */
export interface PathMatch {
  date: string
  /** Decoded values of the column tokens (`null` for the Hive default partition). */
  values: Record<string, string | null>
}

/** Options for {@link createLayout}. */
export interface LayoutOptions {
  /** Output template: `orders/currency={currency}/date={date}/orders_{yyyymmdd}.parquet`. */
  template: string
  /** The dataset name (for `{dataset}`). */
  dataset: string
  /** The columns `{column}` tokens may name (a schema's columns). Default: none. */
  columns?: readonly { name: string; type: ColumnType }[]
}

/**
 * A dataset's file layout: where the file of a date (and of a row's column
 * values) goes, and back — which date and values a stored path holds.
 */
export interface Layout {
  readonly template: string
  readonly dataset: string
  readonly tokens: readonly LayoutToken[]
  /** Names of the columns the path holds (`['currency']`). */
  readonly columns: readonly string[]
  /** The path of a date's file; `values` gives the column tokens (typed row values or text). */
  render(date: string, values?: Readonly<Record<string, TypedValue | undefined>>): string
  /** The date and values of a path this layout renders, or undefined for any other path. */
  match(path: string): PathMatch | undefined
  /**
   * The folders to list to find every file of these dates (or, without
   * dates, of the dataset): one per distinct {@link prefix}, none inside another.
   */
  folders(dates?: Iterable<string>): string[]
  /** The paths of a date's files as a glob: each column token becomes a `*`. */
  pattern(date: string): string
  /**
   * The folder every file of `date` (or, without a date, of the dataset) lies
   * under: the template rendered up to its first token that is not known.
   * `''` is the storage root.
   */
  prefix(date?: string): string
}

const tokenPattern = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g

const dateTokenCaptures: Record<DateToken, string> = { yyyy: '(\\d{4})', mm: '(\\d{2})', dd: '(\\d{2})', yyyymmdd: '(\\d{8})', date: '(\\d{4}-\\d{2}-\\d{2})', yyyyww: '(\\d{6})' }

/**
 * A regular expression for a template: its text literally, each date token
 * as the digits it renders to, any other token as `other` (a capture).
 * Returns the pattern and the token of each capture, in order.
 */
export function templatePattern(template: string, other: string): { pattern: RegExp; tokens: string[] } {
  const tokens: string[] = []
  const source = template
    .split(tokenPattern)
    .map((part, index) => {
      if (index % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      tokens.push(part)
      return dateTokenCaptures[part as DateToken] ?? other
    })
    .join('')
  return { pattern: new RegExp(`^${source}$`), tokens }
}

function fail(template: string, reason: string): never {
  throw new ParquetryError('CONFIG_INVALID', `output template ${JSON.stringify(template)}: ${reason}`)
}

function dateTokenValues(date: string): Record<DateToken, string> {
  const [yyyy, mm, dd] = date.split('-') as [string, string, string]
  const [isoYear, week] = isoWeekOf(date)
  return { yyyy, mm, dd, yyyymmdd: `${yyyy}${mm}${dd}`, date, yyyyww: `${isoYear}${String(week).padStart(2, '0')}` }
}

/** The text of a typed value in a path (before hive encoding); `null` for null. */
export function partitionText(value: TypedValue | undefined): string | null {
  return value === null || value === undefined ? null : String(value)
}

/**
 * Checks and compiles an output template. Rules: a relative `/`-separated
 * path ending in `.parquet`; tokens are date tokens (`{yyyy}` `{mm}` `{dd}`
 * `{yyyymmdd}` `{date}` `{yyyyww}`), `{dataset}`, or a column of a string,
 * boolean, integer or date type; the date must be recoverable from the path
 * (`{yyyymmdd}`, `{date}`, or `{yyyy}` with `{mm}` and `{dd}`). A date token
 * wins over a column of the same name. Every value is hive-encoded, so none
 * can add a path segment.
 *
 * @throws ParquetryError `CONFIG_INVALID` naming the problem.
 */
export function createLayout(options: LayoutOptions): Layout {
  const { template, dataset } = options
  if (template.startsWith('/') || template.includes('\\') || template.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) {
    fail(template, 'must be a relative path without . or .. segments')
  }
  if (!template.endsWith('.parquet')) fail(template, 'must end with .parquet')
  const columnTypes = new Map((options.columns ?? []).map((column) => [column.name, column.type]))
  const tokens: LayoutToken[] = []
  for (const match of template.matchAll(tokenPattern)) {
    const name = match[1] as string
    const before = template.slice(0, match.index)
    const after = template.slice((match.index as number) + match[0].length)
    const hive = /(?:^|\/)([A-Za-z_][A-Za-z0-9_]*)=$/.exec(before)
    const hiveKey = hive && (after === '' || after.startsWith('/')) ? (hive[1] as string) : undefined
    let token: LayoutToken
    if ((dateTokens as readonly string[]).includes(name)) token = { name, kind: 'date' }
    else if (name === 'dataset') token = { name, kind: 'dataset' }
    else {
      const type = columnTypes.get(name)
      if (type === undefined) fail(template, `unknown token {${name}}: expected a date token, {dataset}, or a column of the dataset${columnTypes.size > 0 ? ` (${[...columnTypes.keys()].join(', ')})` : ''}`)
      if (!partitionColumnTypes.includes(type)) fail(template, `column ${name} is a ${type}; a path can hold ${partitionColumnTypes.join(', ')} columns`)
      token = { name, kind: 'column', type }
    }
    tokens.push(hiveKey ? { ...token, hiveKey } : token)
  }
  // A folder key that is also a column: DuckDB would read that column from the path instead of the file.
  for (const segment of template.split('/').slice(0, -1)) {
    const key = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(segment)?.[1]
    if (key === undefined || !columnTypes.has(key) || segment === `${key}={${key}}`) continue
    fail(template, `the folder key ${key}= is also a column of the dataset: readers would take ${key} from the path (${segment}) instead of the file; name the key otherwise, or write ${key}={${key}}`)
  }
  const names = new Set(tokens.map((token) => token.name))
  if (!names.has('yyyymmdd') && !names.has('date') && !(names.has('yyyy') && names.has('mm') && names.has('dd'))) {
    fail(template, 'needs the day in the path ({yyyymmdd}, {date}, or {yyyy} with {mm} and {dd}) so that every day has its own file')
  }
  const columns = [...new Set(tokens.filter((token) => token.kind === 'column').map((token) => token.name))]

  // A column's '' is written as nothing ('currency=', which DuckDB reads back as '') and
  // null as Hive's default partition (read back as NULL); a token that is a whole path
  // segment on its own cannot be empty, so there '' is the default partition too.
  const wholeSegments = new Set(
    [...template.matchAll(tokenPattern)]
      .filter((found) => {
        const before = template[(found.index as number) - 1]
        const after = template[(found.index as number) + found[0].length]
        return (before === undefined || before === '/') && (after === undefined || after === '/')
      })
      .map((found) => found[1] as string),
  )
  const render = (date: string, values: Readonly<Record<string, TypedValue | undefined>> = {}): string => {
    const dates = dateTokenValues(date)
    return template.replace(tokenPattern, (_, name: string) => {
      if (name in dates) return encodePartitionValue(dates[name as DateToken])
      if (name === 'dataset') return encodePartitionValue(dataset)
      const text = partitionText(values[name])
      return text === '' && !wholeSegments.has(name) ? '' : encodePartitionValue(text)
    })
  }

  // Parsing a path: each token captures one path-safe run; the capture is
  // trusted only when rendering it again gives the same path.
  const { pattern: pathPattern, tokens: captures } = templatePattern(template, '([^/]*)')

  const match = (path: string): PathMatch | undefined => {
    const found = pathPattern.exec(path)
    if (!found) return undefined
    const text: Record<string, string> = {}
    captures.forEach((name, index) => {
      text[name] ??= found[index + 1] as string
    })
    const date = text['date'] ?? (text['yyyymmdd'] ? `${text['yyyymmdd'].slice(0, 4)}-${text['yyyymmdd'].slice(4, 6)}-${text['yyyymmdd'].slice(6)}` : `${text['yyyy']}-${text['mm']}-${text['dd']}`)
    if (typeof parseDateText(date) !== 'number') return undefined
    const values: Record<string, string | null> = {}
    for (const column of columns) values[column] = text[column] === '' ? '' : decodePartitionValue(text[column] as string)
    return render(date, values) === path ? { date, values } : undefined
  }

  const prefix = (date?: string): string => {
    // The template up to its first token that cannot be rendered yet, cut back to a folder.
    const open = [...template.matchAll(tokenPattern)].find((found) => {
      const name = found[1] as string
      return name !== 'dataset' && (date === undefined || !(dateTokens as readonly string[]).includes(name))
    })
    const head = template.slice(0, open?.index ?? template.length)
    const folder = head.slice(0, head.lastIndexOf('/') + 1)
    const dates = date === undefined ? undefined : dateTokenValues(date)
    return folder.replace(tokenPattern, (_, name: string) => encodePartitionValue(name === 'dataset' ? dataset : (dates as Record<string, string>)[name] as string))
  }

  const folders = (dates?: Iterable<string>): string[] => {
    const prefixes = dates === undefined ? [prefix()] : [...new Set([...dates].map((date) => prefix(date)))].sort()
    return prefixes.filter((one) => !prefixes.some((other) => other !== one && one.startsWith(other)))
  }

  const pattern = (date: string): string => {
    const dates = dateTokenValues(date)
    return template.replace(tokenPattern, (_, name: string) => (name in dates ? encodePartitionValue(dates[name as DateToken]) : name === 'dataset' ? encodePartitionValue(dataset) : '*'))
  }

  return Object.freeze({ template, dataset, tokens: Object.freeze(tokens), columns: Object.freeze(columns), render, match, prefix, folders, pattern })
}
