import { dateRange } from '@parquetry/partitioner'
import { ParquetryError } from '@parquetry/schema'
import type { Input } from './definition.js'

/** The longest `--from/--to` range, in days. */
export const MAX_RANGE_DAYS = 36_600

/** Which dates an export covers. */
export type DateSelection =
  | { kind: 'latest' }
  | { kind: 'dates'; from: string; to: string }
  | { kind: 'historical' }

/** The partition dates a selection writes, and requested dates no input is named for. */
export interface Targets {
  /** Partition dates to write; `'all'` means every date the rows hold. */
  dates: ReadonlySet<string> | 'all'
  /** Requested dates that no input is named for (reported as missing). */
  missingDates: string[]
}

/**
 * The dates a selection covers: `dates` the range given; `historical` every
 * date; `latest` the dates the newest dated input is named for (or, when no
 * input names a date, every date its rows hold).
 */
export function targetsOf(inputs: readonly Input[], selection: DateSelection): Targets {
  if (selection.kind === 'historical') return { dates: 'all', missingDates: [] }
  const dated = inputs.filter((input) => input.dates.length > 0)
  if (selection.kind === 'latest') {
    if (dated.length === 0) return { dates: 'all', missingDates: [] }
    const newest = dated.reduce((best, input) => ((input.dates.at(-1) as string) > (best.dates.at(-1) as string) ? input : best))
    return { dates: new Set(newest.dates), missingDates: [] }
  }
  // A range is materialised date by date: one of centuries is a mistake (use historical), not a plan.
  const span = (Date.parse(`${selection.to}T00:00:00Z`) - Date.parse(`${selection.from}T00:00:00Z`)) / 86_400_000 + 1
  if (span > MAX_RANGE_DAYS) {
    throw new ParquetryError('USAGE', `--from ${selection.from} --to ${selection.to} spans ${Math.round(span).toLocaleString('en-US')} days; a range may span at most ${MAX_RANGE_DAYS.toLocaleString('en-US')} (100 years): export far dates with --date, or every date with --historical`)
  }
  const dates = dateRange(selection.from, selection.to)
  const named = new Set(dated.flatMap((input) => input.dates))
  const undated = inputs.length - dated.length
  return { dates: new Set(dates), missingDates: dated.length > 0 || undated === 0 ? dates.filter((date) => !named.has(date)) : [] }
}
