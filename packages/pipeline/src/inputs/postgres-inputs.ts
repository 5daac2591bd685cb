import { addDays, dateRange } from '@parquetry/partitioner'
import { ParquetryError, type ColumnDefinition } from '@parquetry/schema'
import type { RecordSource } from '@parquetry/sources'
import type { PostgresConnectionOptions, PostgresSession } from '@parquetry/sources/postgres'
import type { Input, InputCatalog } from '../engine/definition.js'
import type { DateSelection } from '../engine/select.js'
import { todayIn } from '../engine/zoned-date.js'

/** `@parquetry/sources/postgres`, loaded only when a PostgreSQL dataset is used (pg is not loaded otherwise). */
export const loadPostgres = () => import('@parquetry/sources/postgres')

/** A day's digest, as the catalog's digest query gives it. */
export interface DayDigest {
  date: string
  /** Equal digests mean equal rows (`rows=1000;view_count=5230;max_id=4294967400`). */
  digest: string
}

/** A day whose rows were taken out of the table on purpose once exported (deleted after export, retention). */
export interface RetiredDay {
  date: string
  /** The digest its rows had when exported: its files record it, so the day is skipped, never rebuilt from nothing. */
  digest: string
  /** For messages: where its only copy is and since when. */
  note: string
}

/** Options for {@link postgresInputs}. */
export interface PostgresInputsOptions {
  /** Where the rows come from. Default: `DATABASE_URL`, else the `PG*` variables. */
  connection?: PostgresConnectionOptions
  /** What the inputs are named after: `postgres://<database>/<relation>?date=2026-01-15`. */
  relation: string
  /** One day's rows: a SELECT whose `$1` is the day (a date). Bound, never interpolated. */
  query: string
  /** The columns the rows are checked against (types before the first row). */
  columns: readonly ColumnDefinition[]
  /**
   * The days from `$1` to `$2` (dates, inclusive; `-infinity` for "since the
   * beginning") that have rows, each with a cheap digest that changes when
   * the day's rows change, in one query: columns `date` (text) and `digest`
   * (text). Default: per day, `count(*)` and a sum of `hashtextextended` of
   * every row of `query` — computed by the server, no row sent (one query a day).
   */
  digestQuery?: string
  /** The days that have rows, for `--historical` when there is no `digestQuery`: a query returning `date` (`$1` is today: only earlier days are taken). */
  datesQuery?: string
  /** Days whose rows were taken out of the table on purpose after their export (see {@link RetiredDay}). */
  retired?: (session: PostgresSession) => Promise<readonly RetiredDay[]>
  /**
   * Only days that are over (before today in `timezone`) are inputs: today's
   * counters still change. Default true.
   */
  closedOnly?: boolean
  /** The time zone whose calendar says which days are over. Default `'UTC'`. */
  timezone?: string
  /** The clock (tests). */
  now?: () => Date
}

function changedError(identity: string, listed: string, now: string): ParquetryError {
  return new ParquetryError('SOURCE_READ_FAILED', `${identity} changed while it was exported (${listed} when listed, ${now} when read); it was not exported, run again`, { details: { source: identity } })
}

/** The database name of a described connection (`postgres://user@host:5432/db` → `db`). */
function databaseOf(description: string): string {
  try {
    return decodeURIComponent(new URL(description).pathname.replace(/^\//, '')) || 'postgres'
  } catch {
    return 'postgres'
  }
}

/** Digests of some days (a range, or a list of days), through the catalog's digest query (one query) or, without one, day by day. */
async function digestsOf(session: PostgresSession, options: PostgresInputsOptions, days: { from: string; to: string } | readonly string[]): Promise<Map<string, string>> {
  const list = isDayList(days) ? days : undefined
  const range = isDayList(days) ? { from: days[0], to: days.at(-1) } : days
  const found = new Map<string, string>()
  if (range.from === undefined || range.to === undefined) return found
  if (options.digestQuery) {
    for (const row of await session.query<{ date: unknown; digest: unknown }>(options.digestQuery, [range.from, range.to])) {
      const date = String(row.date)
      if (!list || list.includes(date)) found.set(date, String(row.digest))
    }
    return found
  }
  const sql = `SELECT count(*)::text AS rows, coalesce(sum(hashtextextended(q::text, 0)::numeric), 0)::text AS hash FROM (${options.query}) AS q`
  for (const date of list ?? dateRange(range.from, range.to)) {
    const [row] = await session.query<{ rows: string; hash: string }>(sql, [date])
    if (row && row.rows !== '0') found.set(date, `rows=${row.rows};hash=${row.hash}`)
  }
  return found
}

function isDayList(days: { from: string; to: string } | readonly string[]): days is readonly string[] {
  return Array.isArray(days)
}

/** The days a selection reaches: `latest` the last closed day; `historical` every day the table has. */
async function daysOf(session: PostgresSession, options: PostgresInputsOptions, selection: DateSelection, today: string, closedOnly: boolean): Promise<{ digests: Map<string, string>; open: string[] }> {
  const last = closedOnly ? addDays(today, -1) : '9999-12-31'
  if (selection.kind === 'latest') return { digests: await digestsOf(session, options, [closedOnly ? last : today]), open: [] }
  if (selection.kind === 'dates') {
    const to = selection.to <= last ? selection.to : last
    const open = selection.to > last ? dateRange(selection.from > last ? selection.from : addDays(last, 1), selection.to) : []
    return { digests: selection.from <= to ? await digestsOf(session, options, { from: selection.from, to }) : new Map(), open }
  }
  if (options.digestQuery) return { digests: await digestsOf(session, options, { from: '-infinity', to: last }), open: [] }
  if (!options.datesQuery) throw new ParquetryError('USAGE', `${options.relation}: --historical needs the days the table has: give the dataset a "datesQuery" (or a "digestQuery")`)
  const rows = await session.query<{ date: unknown }>(options.datesQuery, [today])
  const dates = [...new Set(rows.map((row) => String(row.date)))].filter((date) => date <= last).sort()
  return { digests: await digestsOf(session, options, dates), open: [] }
}

/**
 * A table (or any SELECT) as one input per day: `query` with `$1` the day,
 * read by binary COPY in one `REPEATABLE READ READ ONLY` transaction per day
 * (`@parquetry/sources/postgres`). Each day's digest comes from one cheap
 * query (`digestQuery`: count, sum, max id of the day) before any row is
 * read; footers record it, so an unchanged closed day is skipped without
 * reading its rows, and the day is read only if its digest in the read's own
 * snapshot is still the listed one. Only days that are over are listed
 * (`closedOnly`); the selection decides which: `latest` the last closed day,
 * a range its closed days, `historical` every day the table has.
 *
 * Days taken out of the table after their export (`retired`) stay inputs
 * with the digest they had, so their files are kept as they are; one whose
 * file is gone, or that has rows again, fails with the reason.
 */
export function postgresInputs(options: PostgresInputsOptions): InputCatalog {
  const timezone = options.timezone ?? 'UTC'
  const closedOnly = options.closedOnly ?? true
  return {
    description: `${options.relation} rows of a day`,
    spread: 0,
    async list(listOptions = {}) {
      const { connectPostgres } = await loadPostgres()
      const session = await connectPostgres({ ...options.connection, ...(listOptions.signal ? { signal: listOptions.signal } : {}) })
      try {
        const database = databaseOf(session.description)
        const today = todayIn(timezone, options.now?.())
        const selection = listOptions.selection ?? { kind: 'latest' }
        const { digests, open } = await daysOf(session, options, selection, today, closedOnly)
        const retired = options.retired ? await options.retired(session) : []
        const inputs: Input[] = []
        const problems = open.map((date) => `${options.relation} ${date} is not over yet (today is ${today} in ${timezone}): its rows still change, it is exported once the day is over`)
        const identityOf = (date: string) => `postgres://${database}/${options.relation}?date=${date}`
        const nameOf = (date: string) => `${options.relation}_${date}`
        const inSelection = (date: string) => selection.kind === 'historical' || (selection.kind === 'dates' ? date >= selection.from && date <= selection.to : digests.has(date))
        const retiredDates = new Set<string>()
        for (const day of retired) {
          if (!inSelection(day.date) && selection.kind !== 'historical') continue
          retiredDates.add(day.date)
          const identity = identityOf(day.date)
          const now = digests.get(day.date)
          const reason =
            now === undefined
              ? `${identity}: its rows were deleted from PostgreSQL after they were exported (${day.note}); they cannot be read again`
              : `${identity}: the day was exported and its rows deleted (${day.note}), and rows for it have arrived since (${now}); they are not exported: move them to another day or export them by hand`
          inputs.push(fixedInput(identity, nameOf(day.date), day.date, now === undefined ? day.digest : undefined, reason))
        }
        for (const [date, digest] of [...digests].sort(([left], [right]) => (left < right ? -1 : 1))) {
          if (retiredDates.has(date)) continue
          inputs.push(tableDayInput(options, identityOf(date), nameOf(date), date, digest))
        }
        inputs.sort((left, right) => (left.identity < right.identity ? -1 : 1))
        return { inputs, problems }
      } finally {
        await session.close()
      }
    },
  }
}

/** A day of the table: its listed digest, and its rows through binary COPY if that digest still holds in the read's snapshot. */
function tableDayInput(options: PostgresInputsOptions, identity: string, name: string, date: string, digest: string): Input {
  return {
    identity,
    name,
    dates: [date],
    digest: () => Promise.resolve(digest),
    open(openOptions = {}): RecordSource {
      return (async function* () {
        const { readPostgres } = await loadPostgres()
        yield* readPostgres({
          ...options.connection,
          query: options.query,
          params: [date],
          name: identity,
          columns: options.columns,
          before: async (session) => {
            const now = (await digestsOf(session, options, [date])).get(date) ?? 'no rows'
            if (now !== digest) throw changedError(identity, digest, now)
          },
          ...(openOptions.signal ? { signal: openOptions.signal } : {}),
          ...(openOptions.onProgress ? { onProgress: (_rows: number, bytes: number) => openOptions.onProgress?.(bytes) } : {}),
        })
      })()
    },
  }
}

/** A day that cannot be read: with a digest (its files are skipped while they record it), or failing at once. */
function fixedInput(identity: string, name: string, date: string, digest: string | undefined, reason: string): Input {
  const fail = () => new ParquetryError('SOURCE_READ_FAILED', reason, { details: { source: identity } })
  return {
    identity,
    name,
    dates: [date],
    digest: () => (digest === undefined ? Promise.reject(fail()) : Promise.resolve(digest)),
    open: () =>
      (async function* () {
        yield* []
        throw fail()
      })(),
  }
}
