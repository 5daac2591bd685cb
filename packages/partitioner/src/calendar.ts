import { civilFromDays, daysFromCivil, formatDate, parseDateText } from '@parquetry/schema'

/** ISO 8601 week of a date: `[isoYear, week]` (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeekOf(date: string): [number, number] {
  const days = parseDateText(date) as number
  const weekday = (((days + 3) % 7) + 7) % 7 // 0 = Monday
  const thursday = days - weekday + 3
  const [isoYear] = civilFromDays(thursday)
  const firstThursday = daysFromCivil(isoYear, 1, 4) - ((((daysFromCivil(isoYear, 1, 4) + 3) % 7) + 7) % 7) + 3
  return [isoYear, 1 + Math.floor((thursday - firstThursday) / 7)]
}

/** The seven dates (Monday first) of ISO week `week` of `isoYear`, or undefined when the week does not exist. */
export function datesOfIsoWeek(isoYear: number, week: number): string[] | undefined {
  if (week < 1 || week > 53) return undefined
  const january4 = daysFromCivil(isoYear, 1, 4)
  const monday = january4 - ((((january4 + 3) % 7) + 7) % 7) + (week - 1) * 7
  const dates = Array.from({ length: 7 }, (_, offset) => formatDate(monday + offset))
  return isoWeekOf(dates[0] as string)[1] === week ? dates : undefined
}

/** The date `offset` days from `date` (both `YYYY-MM-DD`). */
export function addDays(date: string, offset: number): string {
  return formatDate((parseDateText(date) as number) + offset)
}

/** Every date from `from` to `to`, inclusive. */
export function dateRange(from: string, to: string): string[] {
  const start = parseDateText(from) as number
  const end = parseDateText(to) as number
  return Array.from({ length: Math.max(0, end - start + 1) }, (_, offset) => formatDate(start + offset))
}
