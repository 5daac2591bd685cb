import { addDays } from '@parquetry/partitioner'
import { ParquetryError, parseDateText, quoteIdentifier } from '@parquetry/schema'
import type { Querier } from './querier.js'

/** Reports give JSON-safe values whatever the querier's defaults: their row types say numbers and text. */
const reportValues = { bigint: 'json', timestamp: 'string' } as const

/**
 * A sum of views: a number, or — in a result where some sum passes
 * 2^53 − 1 — the exact decimal text, for every row of that column (as
 * {@link Querier.query} returns BIGINT and HUGEINT columns by default).
 */
export type ViewCount = number | string

/** The window of a pageview report: a project's days from `endDate − days` through `endDate`. */
export interface PageviewWindowOptions {
  /** The project's slug (`project_slug`). */
  project: string
  /** How many days before `endDate` the window starts. Default 30: 31 days, today included, as Read the Docs counts. */
  days?: number
  /** The last day (`YYYY-MM-DD`, inclusive): give today in the dataset's time zone (`project.today()`). */
  endDate: string
}

/** Options shared by the pageview reports. */
export interface PageviewReportOptions extends PageviewWindowOptions {
  /** The dataset (or view) holding the pageviews. Default `pageviews`. */
  dataset?: string
}

/** The Querier options that make a pageview report read only its files: the window's dates, and the project's partition. */
export interface PageviewReportScope {
  range: { from: string; to: string }
  keys: { project_slug: string }
}

/**
 * What to open a querier with for a pageview report, so that it lists and
 * reads only the window's files (`range`) of the project (`keys`, where the
 * layout has a `{project_slug}` folder): spread it into
 * `Querier.create({ storage, layouts, ...pageviewReportScope(options) })`.
 * A report over a querier opened without it returns the same rows, reading
 * more files.
 *
 * @throws ParquetryError `USAGE` for an empty project, a `days` that is not
 *   an integer from 0 to 36,600, or an `endDate` that is not a date.
 */
export function pageviewReportScope(options: PageviewWindowOptions): PageviewReportScope {
  const window = windowOf(options)
  return { range: { from: window.since, to: window.end }, keys: { project_slug: options.project } }
}

/** One page of the top pages (status 200): views summed over versions. */
export interface TopPageRow {
  path: string
  total_views: ViewCount
}

/** One page of the top 404s: per version (null when the request matched none) and full path. */
export interface TopNotFoundRow {
  version_slug: string | null
  full_path: string | null
  total_views: ViewCount
}

/** Options for {@link topPages}. */
export interface TopPagesOptions extends PageviewReportOptions {
  /** 200 (default): pages by `path`; 404: requests by version and `full_path`. */
  status?: 200 | 404
  /** Rows at most. Default 10. */
  limit?: number
}

/**
 * Read the Docs' `PageView.top_viewed_pages`: a project's most viewed pages
 * over the window. With status 200, views summed per `path` (every version
 * together); with 404, per `version_slug` and `full_path`, as the dashboard
 * lists 404s. Most views first, then by path (byte order), a null version
 * or full path first; at most `limit` rows.
 *
 * @throws ParquetryError `USAGE` for bad options or a dataset without the
 *   pageviews columns; `QUERY_FAILED` from DuckDB.
 */
export async function topPages(querier: Querier, options: TopPagesOptions & { status: 404 }): Promise<TopNotFoundRow[]>
export async function topPages(querier: Querier, options: TopPagesOptions & { status?: 200 }): Promise<TopPageRow[]>
export async function topPages(querier: Querier, options: TopPagesOptions): Promise<TopPageRow[] | TopNotFoundRow[]>
export async function topPages(querier: Querier, options: TopPagesOptions): Promise<TopPageRow[] | TopNotFoundRow[]> {
  const window = windowOf(options)
  const status = statusOf(options.status)
  const limit = options.limit ?? 10
  if (!Number.isSafeInteger(limit) || limit < 1) throw new ParquetryError('USAGE', `top pages: limit ${limit} is not a positive integer`)
  const view = await pageviewView(querier, options.dataset)
  const params = { project: options.project, since: window.since, end: window.end, status, limit }
  const where = `project_slug = $project AND "date" >= $since::DATE AND "date" <= $end::DATE AND status = $status`
  if (status === 200) {
    const result = await querier.query<TopPageRow>(
      `SELECT path, SUM(view_count) AS total_views
FROM ${view}
WHERE ${where}
GROUP BY path
ORDER BY total_views DESC, path ASC
LIMIT $limit`,
      params,
      reportValues,
    )
    return result.rows
  }
  const result = await querier.query<TopNotFoundRow>(
    `SELECT version_slug, full_path, SUM(view_count) AS total_views
FROM ${view}
WHERE ${where}
GROUP BY version_slug, full_path
ORDER BY total_views DESC, full_path ASC NULLS FIRST, version_slug ASC NULLS FIRST
LIMIT $limit`,
    params,
    reportValues,
  )
  return result.rows
}

/** One day of {@link dailyTotals}. */
export interface DailyTotalRow {
  /** `YYYY-MM-DD` */
  date: string
  total_views: ViewCount
}

/**
 * Read the Docs' `PageView.page_views_by_date`: a project's views per day,
 * one row for every day of the window (`days + 1` rows, 31 by default),
 * oldest first, a day without views as 0. Counts status 200 by default, as
 * Read the Docs does (`status=200`); `status: 404` counts the 404s.
 *
 * @throws ParquetryError `USAGE` for bad options or a dataset without the
 *   pageviews columns; `QUERY_FAILED` from DuckDB.
 */
export async function dailyTotals(querier: Querier, options: PageviewReportOptions & { status?: 200 | 404 }): Promise<DailyTotalRow[]> {
  const window = windowOf(options)
  const status = statusOf(options.status)
  const view = await pageviewView(querier, options.dataset)
  const result = await querier.query<DailyTotalRow>(
    `WITH days AS (
  SELECT CAST(day AS DATE) AS "date" FROM generate_series($since::DATE, $end::DATE, INTERVAL 1 DAY) AS series(day)
), totals AS (
  SELECT "date", SUM(view_count) AS total_views
  FROM ${view}
  WHERE project_slug = $project AND "date" >= $since::DATE AND "date" <= $end::DATE AND status = $status
  GROUP BY "date"
)
SELECT days."date"::VARCHAR AS "date", COALESCE(totals.total_views, 0) AS total_views
FROM days LEFT JOIN totals ON totals."date" = days."date"
ORDER BY days."date"`,
    { project: options.project, since: window.since, end: window.end, status },
    reportValues,
  )
  return result.rows
}

/** The totals of {@link pageviewTotals}. */
export interface PageviewTotalsRow {
  /** The window: first and last day. */
  from: string
  to: string
  /** Views answered 200. */
  total_views: ViewCount
  /** Distinct `path`s viewed (200). */
  distinct_pages: number
  /** Requests answered 404. */
  not_found_views: ViewCount
  /** Days with at least one view (200). */
  days_with_views: number
}

/**
 * A project's totals over the window: views (200), distinct pages viewed,
 * 404s, and days with views. One row, zeros when there were none.
 *
 * @throws ParquetryError `USAGE` for bad options or a dataset without the
 *   pageviews columns; `QUERY_FAILED` from DuckDB.
 */
export async function pageviewTotals(querier: Querier, options: PageviewReportOptions): Promise<PageviewTotalsRow> {
  const window = windowOf(options)
  const view = await pageviewView(querier, options.dataset)
  const result = await querier.query<PageviewTotalsRow>(
    `SELECT
  $since AS "from",
  $end AS "to",
  COALESCE(SUM(view_count) FILTER (WHERE status = 200), 0) AS total_views,
  COUNT(DISTINCT path) FILTER (WHERE status = 200) AS distinct_pages,
  COALESCE(SUM(view_count) FILTER (WHERE status = 404), 0) AS not_found_views,
  COUNT(DISTINCT "date") FILTER (WHERE status = 200 AND view_count > 0) AS days_with_views
FROM ${view}
WHERE project_slug = $project AND "date" >= $since::DATE AND "date" <= $end::DATE`,
    { project: options.project, since: window.since, end: window.end },
    reportValues,
  )
  return result.rows[0] as PageviewTotalsRow
}

/** The most days back a window may start (100 years, as a CLI date range). */
const maxDays = 36_600

function windowOf(options: PageviewWindowOptions): { since: string; end: string } {
  const days = options.days ?? 30
  if (typeof options.project !== 'string' || options.project === '') throw new ParquetryError('USAGE', 'pageview report: give the project (its slug)')
  if (!Number.isSafeInteger(days) || days < 0 || days > maxDays) throw new ParquetryError('USAGE', `pageview report: days ${days} is not an integer from 0 to ${maxDays.toLocaleString('en-US')}`)
  const problem = parseDateText(options.endDate)
  if (typeof problem === 'string') throw new ParquetryError('USAGE', `pageview report: end date ${JSON.stringify(options.endDate)}: ${problem}`)
  return { since: addDays(options.endDate, -days), end: options.endDate }
}

function statusOf(status: number | undefined): 200 | 404 {
  if (status === undefined) return 200
  if (status !== 200 && status !== 404) throw new ParquetryError('USAGE', `pageview report: status ${status}: Read the Docs records 200 and 404`)
  return status
}

/** The columns the pageview reports read. */
const pageviewColumns = ['project_slug', 'version_slug', 'path', 'full_path', 'view_count', 'date', 'status']

/** The quoted view of a dataset holding pageviews, checked for the columns the reports read. */
async function pageviewView(querier: Querier, dataset = 'pageviews'): Promise<string> {
  const found = querier.views.find((view) => view.dataset === dataset || view.view === dataset)
  if (!found) throw new ParquetryError('USAGE', `pageview report: no dataset ${JSON.stringify(dataset)}; the querier has ${querier.views.map((view) => view.dataset).join(', ') || 'none'}`)
  const columns = new Set((await querier.describe(found.dataset)).map((column) => column.name))
  const missing = pageviewColumns.filter((name) => !columns.has(name))
  if (missing.length > 0) throw new ParquetryError('USAGE', `pageview report: dataset ${JSON.stringify(found.dataset)} has no ${missing.join(', ')} (a pageviews dataset has the columns of the built-in pageviews schema)`)
  return quoteIdentifier(found.view)
}
