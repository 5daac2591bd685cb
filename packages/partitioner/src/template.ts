import { parseDateText, type ColumnType } from '@parquetry/schema'
import { datesOfIsoWeek } from './calendar.js'
import { createLayout, templatePattern } from './layout.js'

/**
 * Tokens of input patterns and output templates:
 * `{yyyy}` `{mm}` `{dd}` `{yyyymmdd}` `{date}` (YYYY-MM-DD), `{yyyyww}` (ISO
 * year and week) and, in output templates, `{dataset}` (and columns: see {@link createLayout}).
 */
export const templateTokens = ['dataset', 'yyyy', 'mm', 'dd', 'yyyymmdd', 'date', 'yyyyww'] as const
export type TemplateToken = (typeof templateTokens)[number]


/**
 * Checks an output template without column tokens (see {@link createLayout}
 * for the rules).
 *
 * @throws ParquetryError `CONFIG_INVALID` naming the problem.
 */
export function validateOutputTemplate(template: string, columns?: readonly { name: string; type: ColumnType }[]): void {
  createLayout({ template, dataset: 'dataset', ...(columns ? { columns } : {}) })
}

/**
 * Renders an output template without column tokens for one dataset and date:
 * `query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet` →
 * `query_perf/year=2025/month=10/query_perf_20251028.parquet`.
 */
export function renderOutputPath(template: string, values: { dataset: string; date: string }): string {
  return createLayout({ template, dataset: values.dataset }).render(values.date)
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
  const { pattern: namePattern, tokens } = templatePattern(pattern, '([^/]*)')
  const match = namePattern.exec(name)
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
