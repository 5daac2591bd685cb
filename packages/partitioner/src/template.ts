import { ParquetryError, parseDateText } from '@parquetry/schema'
import { datesOfIsoWeek, isoWeekOf } from './calendar.js'
import { encodePartitionValue } from './encode.js'

/**
 * Tokens of input patterns and output templates:
 * `{yyyy}` `{mm}` `{dd}` `{yyyymmdd}` `{date}` (YYYY-MM-DD), `{yyyyww}` (ISO
 * year and week) and, in output templates, `{dataset}`.
 */
export const templateTokens = ['dataset', 'yyyy', 'mm', 'dd', 'yyyymmdd', 'date', 'yyyyww'] as const
export type TemplateToken = (typeof templateTokens)[number]

const tokenPattern = /\{([a-z]+)\}/g

function tokensOf(template: string): string[] {
  return [...template.matchAll(tokenPattern)].map((match) => match[1] as string)
}

/**
 * Checks an output template: relative, `/`-separated, ending in `.parquet`,
 * only known tokens, and at least one date token so each date gets its own file.
 *
 * @throws ParquetryError `CONFIG_INVALID` naming the problem.
 */
export function validateOutputTemplate(template: string): void {
  const fail = (reason: string): never => {
    throw new ParquetryError('CONFIG_INVALID', `output template ${JSON.stringify(template)}: ${reason}`)
  }
  if (template.startsWith('/') || template.includes('\\') || template.split('/').some((segment) => segment === '..' || segment === '.' || segment === '')) fail('must be a relative path without . or .. segments')
  if (!template.endsWith('.parquet')) fail('must end with .parquet')
  const tokens = tokensOf(template)
  for (const token of tokens) if (!(templateTokens as readonly string[]).includes(token)) fail(`unknown token {${token}}`)
  if (!tokens.some((token) => token === 'yyyymmdd' || token === 'date' || (token === 'dd' && tokens.includes('mm')))) fail('needs a day token ({yyyymmdd}, {date} or {dd}) so that every day has its own file')
}

/**
 * Renders an output template for one dataset and date:
 * `query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet` →
 * `query_perf/year=2025/month=10/query_perf_20251028.parquet`. Values are
 * encoded as partition values, so none can add a path segment.
 */
export function renderOutputPath(template: string, values: { dataset: string; date: string }): string {
  const [yyyy, mm, dd] = values.date.split('-') as [string, string, string]
  const [isoYear, week] = isoWeekOf(values.date)
  const replacements: Record<TemplateToken, string> = {
    dataset: values.dataset,
    yyyy,
    mm,
    dd,
    yyyymmdd: `${yyyy}${mm}${dd}`,
    date: values.date,
    yyyyww: `${isoYear}${String(week).padStart(2, '0')}`,
  }
  return template.replace(tokenPattern, (_, token: TemplateToken) => encodePartitionValue(replacements[token]))
}

/** What an input file name says about its dates. */
export interface InputNameMatch {
  /** The dates the file covers by its name: one for a daily file, seven for a weekly one, none for a fixed name. */
  dates: string[]
}

/**
 * Matches a file name against an input pattern (`query_perf_daily_{yyyymmdd}.csv`,
 * `query_perf_weekly_{yyyyww}.csv`, `index_advisor_report.json`).
 *
 * @returns the dates the name covers, `undefined` when the name does not match,
 *   or a string saying why a matching name holds an impossible date.
 */
export function matchInputName(pattern: string, name: string): InputNameMatch | string | undefined {
  const tokens: string[] = []
  const source = pattern
    .split(tokenPattern)
    .map((part, index) => {
      if (index % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      tokens.push(part)
      return { yyyy: '(\\d{4})', mm: '(\\d{2})', dd: '(\\d{2})', yyyymmdd: '(\\d{8})', date: '(\\d{4}-\\d{2}-\\d{2})', yyyyww: '(\\d{6})' }[part] ?? '([^/]*)'
    })
    .join('')
  const match = new RegExp(`^${source}$`).exec(name)
  if (!match) return undefined
  const values = Object.fromEntries(tokens.map((token, index) => [token, match[index + 1] as string]))
  if (values['yyyyww']) {
    const week = values['yyyyww']
    const dates = datesOfIsoWeek(Number(week.slice(0, 4)), Number(week.slice(4)))
    return dates ? { dates } : `${name}: week ${week.slice(4)} does not exist in ${week.slice(0, 4)}`
  }
  let date: string | undefined
  if (values['yyyymmdd']) date = `${values['yyyymmdd'].slice(0, 4)}-${values['yyyymmdd'].slice(4, 6)}-${values['yyyymmdd'].slice(6)}`
  else if (values['date']) date = values['date']
  else if (values['yyyy'] && values['mm'] && values['dd']) date = `${values['yyyy']}-${values['mm']}-${values['dd']}`
  if (date === undefined) return { dates: [] }
  return typeof parseDateText(date) === 'number' ? { dates: [date] } : `${name}: ${date} is not a real date`
}
