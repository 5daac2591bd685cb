import { ParquetryError, isParquetryError, type ParquetryErrorCode } from '@parquetry/schema'
import { cadenceOf, lastDuePeriod, planExport, type DatasetDefinition, type Project } from '@parquetry/pipeline'

/** `date` plus `days` (may be negative), `YYYY-MM-DD`. */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10)
}

/** What a dataset has left to do. */
export interface DueDays {
  /** Closed days with input and no complete export, oldest first. */
  dates: string[]
  /** The window looked at: the last `catchUpDays` closed days. */
  from: string
  to: string
  /** Set when an input that names no date changed: the window's dates, to export in one job (the input is read once). */
  window?: string[]
  /**
   * What is due by the dataset's cadence has no input yet (upstream late, or
   * a quiet day): the latest closed day of a daily dataset, the last week
   * that has ended of a weekly one; never for a dataset whose inputs name no
   * date (a report rewritten in place), which has no calendar to be late by.
   */
  latestMissing: boolean
  /** What it waits for when `latestMissing`: the day (`2025-10-31`) or the week (`week 2025-W44`). */
  waitingFor?: string
  /** Why it waits, for the log, when some input is there: no input for that day or week yet. */
  reason?: string
  /** Set when the dataset has no input at all yet: the catalog's words (`input folder g/reports does not exist (…)`). */
  noInput?: string
}

/**
 * The days of a dataset that are due and not yet done: closed days (before
 * today in the config's time zone) of the last `catchUpDays`, that have
 * input, and whose export is not complete — by the dataset's own ledger
 * (`exportedDates`: the pageviews ledger table, with no row read), else by
 * its files' footers (the engine's plan, no row read: a day is done when
 * its files record exactly its current inputs and digests). `completed` adds a
 * ledger of the worker's own (distributed mode). Oldest first.
 */
export async function dueDays(options: {
  project: Project
  definition: DatasetDefinition
  now: Date
  catchUpDays: number
  completed?: (from: string, to: string) => Promise<ReadonlySet<string>>
  signal?: AbortSignal
}): Promise<DueDays> {
  const { project, definition, signal } = options
  const to = addDays(project.today(options.now), -1)
  const from = addDays(to, -(options.catchUpDays - 1))
  const selection = { kind: 'dates' as const, from, to }
  let due: Set<string>
  let latestMissing: boolean
  // What is due by the dataset's cadence, and whether any input names a date of it.
  const period = lastDuePeriod(cadenceOf(definition), to)
  const reason = period && period.from !== period.to ? 'no input for the last week that has ended yet' : 'no input for the latest closed day yet'
  const lacks = (named: ReadonlySet<string>) => period !== undefined && ![...named].some((date) => date >= period.from && date <= period.to)
  let undated: string[] | undefined
  // Listed once. No input at all yet (a folder missing or empty: a new deployment, a weekly
  // file not yet come): nothing is due, and the worker waits — saying why — instead of failing each tick.
  let listed
  try {
    listed = await definition.inputs.list({ selection, ...(signal ? { signal } : {}) })
  } catch (error) {
    if (!isParquetryError(error, 'SOURCE_READ_FAILED') || error.details.noInput !== true) throw error
    return { dates: [], from, to, latestMissing: true, waitingFor: period?.label ?? 'an input', noInput: error.message }
  }
  const named = new Set(listed.inputs.flatMap((input) => input.dates))
  if (definition.exportedDates) {
    const exported = await definition.exportedDates({ from, to, ...(signal ? { signal } : {}) })
    due = new Set([...named].filter((date) => date >= from && date <= to && !exported.has(date)))
    latestMissing = lacks(named)
  } else {
    const plan = await planExport({ dataset: definition, storage: project.storage, selection, ...(signal ? { signal } : {}) })
    if (plan.failures.length > 0 && plan.dates.length === 0 && !plan.undated) {
      // An input that cannot be read: its day is due, and its job will report why.
      const first = plan.failures[0] as { code: string; message: string }
      throw new ParquetryError(first.code as ParquetryErrorCode, first.message)
    }
    // A new or changed input that names no date (index_advisor_report.json): the whole window, read once.
    due = new Set(plan.undated ? [] : plan.dates)
    undated = plan.undated ? dateRangeOf(from, to) : undefined
    latestMissing = lacks(named) && !plan.undated
  }
  if (options.completed) {
    const completed = await options.completed(from, to)
    for (const date of completed) due.delete(date)
  }
  return { dates: [...due].filter((date) => date >= from && date <= to).sort(), ...(undated ? { window: undated } : {}), from, to, latestMissing, ...(latestMissing && period ? { waitingFor: period.label, reason } : {}) }
}

function dateRangeOf(from: string, to: string): string[] {
  const dates: string[] = []
  for (let date = from; date <= to; date = addDays(date, 1)) dates.push(date)
  return dates
}
