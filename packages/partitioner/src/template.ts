import { parseDateText } from '@parquetry/schema'
import { datesOfIsoWeek } from './calendar.js'
import { templatePattern } from './layout.js'

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
