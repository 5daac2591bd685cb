import { addDays, datesOfIsoWeek, dateTokens, isoWeekOf } from '@parquetry/partitioner'
import type { Cadence } from '../engine/definition.js'

/**
 * A stretch of dates that should hold at least one file of a dataset: one
 * date for a daily dataset, a Monday-to-Sunday week for a weekly one.
 */
export interface Period {
  /** `2025-10-28`, or `week 2025-W44`. */
  label: string
  /** First date (the Monday of a week). */
  from: string
  /** Last date (the Sunday of a week). */
  to: string
}

/** The Monday-to-Sunday week of `date`. */
export function weekOf(date: string): Period {
  const [year, week] = isoWeekOf(date)
  const dates = datesOfIsoWeek(year, week) as string[]
  return { label: `week ${year}-W${String(week).padStart(2, '0')}`, from: dates[0] as string, to: dates[6] as string }
}

/**
 * The periods a cadence expects a file in, among `dates` (sorted, whole
 * days): every date for `daily`; for `weekly`, the weeks wholly inside the
 * dates (a week cut by the range's ends may have its file outside it); none
 * for `input` (its files follow its inputs, not the calendar).
 */
export function expectedPeriods(cadence: Cadence, dates: readonly string[]): Period[] {
  if (cadence === 'daily') return dates.map((date) => ({ label: date, from: date, to: date }))
  if (cadence === 'input') return []
  const inRange = new Set(dates)
  const weeks = new Map<string, Period>()
  for (const date of dates) {
    const week = weekOf(date)
    if (!weeks.has(week.from) && inRange.has(week.from) && inRange.has(week.to)) weeks.set(week.from, week)
  }
  return [...weeks.values()]
}

/**
 * The newest period that should be complete by `yesterday`: yesterday for a
 * daily dataset; for a weekly one the week that ended on or before it (the
 * week before this one, unless yesterday was its Sunday); undefined for
 * `input`, which has no calendar.
 */
export function lastDuePeriod(cadence: Cadence, yesterday: string): Period | undefined {
  if (cadence === 'daily') return { label: yesterday, from: yesterday, to: yesterday }
  if (cadence === 'input') return undefined
  const week = weekOf(yesterday)
  return week.to === yesterday ? week : weekOf(addDays(week.from, -1))
}

/**
 * The cadence an input file name pattern implies: `{yyyyww}` weekly; a day
 * (`{yyyymmdd}`, `{date}`, `{dd}`) daily; anything else — no date token, or
 * a month (`{yyyy}{mm}`), whose files name no day — per input.
 */
export function cadenceOfPattern(pattern: string): Cadence {
  const tokens = [...pattern.matchAll(/\{([a-z]+)\}/g)].map((match) => match[1] as string).filter((token) => (dateTokens as readonly string[]).includes(token))
  if (tokens.includes('yyyyww')) return 'weekly'
  return tokens.some((token) => token === 'yyyymmdd' || token === 'date' || token === 'dd') ? 'daily' : 'input'
}

