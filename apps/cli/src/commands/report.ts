import { addDays } from '@parquetry/partitioner'
import type { Project } from '@parquetry/pipeline'
import type { Querier, QuerierOptions } from '@parquetry/querier'
import { z } from 'zod'
import { commonFlags, dateValue, flag, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { writeRows } from '../output/formats.js'
import { loadQuerier, withProject } from '../project.js'
import { usageError } from '../usage-error.js'
import { formatFlag, writeProblems } from './query.js'

export const reportUsage = `Usage: parquetry report <name> [flags] [--format table|csv|json|ndjson] [--config FILE]

Reports over query_perf (the ops datasets):
  daily-summary   per day, newest first: queries, mean and max execution ms  [--limit N]
  slow-queries    queries slower than a threshold, slowest first      [--threshold MS] [--limit N]
  weekly-trend    per day of the 7 days ending a date (default: the newest date
                  of query_perf's files, so it shows the latest week the data has)
                  [--end YYYY-MM-DD]

Read the Docs page views of one project (a pageviews dataset), over
the days from END - DAYS through END (default: today in the config's time
zone, and 30 days: 31 days, as Read the Docs shows):
  top-pages       most viewed pages: 200s by path (every version together),
                  404s by version and full path; most views first
                  --project SLUG [--days 30] [--status 200|404] [--limit 10] [--end YYYY-MM-DD]
  daily-totals    views per day, every day of the window (0 without views), oldest first;
                  200s as Read the Docs counts them, or the 404s
                  --project SLUG [--days 30] [--status 200|404] [--end YYYY-MM-DD]
  totals          views (200), distinct pages, 404s and days with views
                  --project SLUG [--days 30] [--end YYYY-MM-DD]
  --dataset NAME  the dataset of the page views (default pageviews)

A page view report reads only the files of its days (and of its project, when
the layout has a project={project_slug} folder); on an s3:// output only those
are downloaded. A file DuckDB cannot read is left out, with a warning on stderr.
`

type ReportName = 'daily-summary' | 'slow-queries' | 'weekly-trend' | 'top-pages' | 'daily-totals' | 'totals'

/** The flags each report takes (besides --format, --json and --config). */
const reportFlags: Record<ReportName, readonly string[]> = {
  'daily-summary': ['limit'],
  'slow-queries': ['threshold', 'limit'],
  'weekly-trend': ['end'],
  'top-pages': ['project', 'days', 'status', 'limit', 'end', 'dataset'],
  'daily-totals': ['project', 'days', 'status', 'end', 'dataset'],
  totals: ['project', 'days', 'end', 'dataset'],
}

const reportFlagSpec = {
  ...commonFlags,
  ...formatFlag,
  limit: flag.string(z.coerce.number().int().positive().optional()),
  threshold: flag.string(z.coerce.number().nonnegative().optional()),
  end: flag.string(dateValue.optional()),
  project: flag.string(z.string().min(1).optional()),
  days: flag.string(z.coerce.number().int().min(0).max(36_600).optional()),
  status: flag.string(z.enum(['200', '404']).optional()),
  dataset: flag.string(z.string().min(1).optional()),
}

type ReportValues = ReturnType<typeof parseFlags<typeof reportFlagSpec>>['values']

/** `parquetry report`. */
export async function runReportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, reportFlagSpec)
  const name = positionals[0] as ReportName | undefined
  if (positionals.length !== 1 || !Object.hasOwn(reportFlags, name as string)) {
    throw usageError(`choose one report: ${Object.keys(reportFlags).join(', ')}${name ? ` (not ${JSON.stringify(name)})` : ''}`)
  }
  const report = name as ReportName
  const allowed = reportFlags[report]
  for (const key of Object.keys(reportFlagSpec)) {
    if (key in commonFlags || key in formatFlag || allowed.includes(key) || values[key as keyof ReportValues] === undefined) continue
    throw usageError(`report ${report} takes no --${key}`)
  }
  if (allowed.includes('project') && values.project === undefined) throw usageError(`report ${report} needs --project SLUG`)
  return withProject(io, values.config, async (project) => {
    const plan = allowed.includes('project') ? await pageviewPlan(project, report, values) : await opsPlan(project, report, values)
    const querier = await openReportQuerier(project, io, plan.dataset, plan.scope)
    try {
      const { rows, columns } = await plan.run(querier)
      if (plan.window && !io.quiet) io.stderr.write(`parquetry: report ${report}: ${plan.window.from} to ${plan.window.to} (${plan.window.chosen})\n`)
      if (!io.quiet && (rows.length === 0 || (report === 'totals' && rows[0]?.['days_with_views'] === 0))) io.stderr.write(`parquetry: report ${report}: ${await whyEmpty(project, plan)}\n`)
      writeRows(io, rows, columns, values.json ? 'json' : (values.format ?? (io.stdout.isTTY ? 'table' : 'ndjson')), { bigint: values['bigint-strings'] ? 'string' : 'number' })
    } finally {
      writeProblems(io, project, querier.problems)
      querier.close()
    }
    return 0
  }, { reads: true })
}

/** What a report reads (one dataset, the files of a scope) and how it runs. */
interface ReportPlan {
  dataset: string
  scope: Pick<QuerierOptions, 'range' | 'keys'>
  /** The days it covers, and why those (for the note on stderr). */
  window?: { from: string; to: string; chosen: string }
  /** The dataset's files' dates, when the plan listed them already. */
  span?: { first: string; last: string; files: number }
  run: (querier: Querier) => Promise<{ rows: Record<string, unknown>[]; columns: string[] }>
}

/** The seed's reports, over the dataset whose view is query_performance (query_perf). */
async function opsPlan(project: Project, report: ReportName, values: ReportValues): Promise<ReportPlan> {
  const dataset = project.layouts().find((layout) => layout.view === 'query_performance')
  if (!dataset) throw usageError(`report ${report} reads query_perf (the view query_performance), which ${configName(project)} does not declare; its datasets: ${datasetNames(project)}`)
  // The weekly trend names a 7-day range: its view lists those days' files from the layout
  // (2.5x faster than globbing a year of daily files, bench/querier.mjs).
  // The trend's week ends on the newest day the data has unless --end says otherwise:
  // counting back from today shows nothing for data that stops before it.
  const span = report === 'weekly-trend' && values.end === undefined ? await project.dateSpan(dataset.name) : undefined
  const end = values.end ?? span?.last ?? project.today()
  const { dailySummary, slowQueries, weeklyTrend } = await loadQuerier()
  return {
    dataset: dataset.name,
    scope: report === 'weekly-trend' ? { range: { from: addDays(end, -6), to: end } } : {},
    ...(report === 'weekly-trend' ? { window: { from: addDays(end, -6), to: end, chosen: values.end !== undefined ? 'by --end' : span ? `ending on ${dataset.name}'s newest date` : 'ending today' } } : {}),
    ...(span ? { span } : {}),
    run: async (querier) => {
      let rows: Record<string, unknown>[]
      if (report === 'daily-summary') rows = (await dailySummary(querier, values.limit ? { limit: values.limit } : {})) as unknown as Record<string, unknown>[]
      else if (report === 'slow-queries') rows = (await slowQueries(querier, { ...(values.threshold !== undefined ? { thresholdMs: values.threshold } : {}), ...(values.limit ? { limit: values.limit } : {}) })) as unknown as Record<string, unknown>[]
      else rows = (await weeklyTrend(querier, { endDate: end })) as unknown as Record<string, unknown>[]
      return { rows, columns: rows[0] ? Object.keys(rows[0]) : [] }
    },
  }
}

/** The page view reports, over the dataset of --dataset (default pageviews): only the files of the window and the project. */
async function pageviewPlan(project: Project, report: ReportName, values: ReportValues): Promise<ReportPlan> {
  const dataset = values.dataset ?? 'pageviews'
  if (!project.datasets.some((definition) => definition.name === dataset)) {
    throw usageError(
      `report ${report} reads the page views of dataset ${JSON.stringify(dataset)}, which ${configName(project)} does not declare; its datasets: ${datasetNames(project)}. Declare it under "datasets", or name another with --dataset NAME`,
    )
  }
  const { dailyTotals, pageviewReportScope, pageviewTotals, topPages } = await loadQuerier()
  const options = { project: values.project as string, endDate: values.end ?? project.today(), dataset, ...(values.days !== undefined ? { days: values.days } : {}) }
  const status = values.status === '404' ? 404 : 200
  return {
    dataset,
    scope: pageviewReportScope(options),
    window: { ...pageviewWindow(options.endDate, values.days), chosen: values.end !== undefined ? `by --end, project ${options.project}` : `ending today in ${project.config.timezone}, project ${options.project}` },
    run: async (querier) => {
      if (report === 'top-pages') {
        const rows = await topPages(querier, { ...options, status, ...(values.limit ? { limit: values.limit } : {}) })
        return { rows: rows as unknown as Record<string, unknown>[], columns: status === 404 ? ['version_slug', 'full_path', 'total_views'] : ['path', 'total_views'] }
      }
      if (report === 'daily-totals') return { rows: (await dailyTotals(querier, { ...options, status })) as unknown as Record<string, unknown>[], columns: ['date', 'total_views'] }
      return { rows: [(await pageviewTotals(querier, options)) as unknown as Record<string, unknown>], columns: ['from', 'to', 'total_views', 'distinct_pages', 'not_found_views', 'days_with_views'] }
    },
  }
}

/** A querier over one dataset of the project, narrowed to a date range and partition keys. */
async function openReportQuerier(project: Project, io: CliIo, dataset: string, scope: Pick<QuerierOptions, 'range' | 'keys'>): Promise<Querier> {
  const { Querier } = await loadQuerier()
  return Querier.create({
    storage: project.storage,
    layouts: project.layouts([dataset]),
    ...(project.config.cacheDir ? { cacheDir: project.config.cacheDir } : {}),
    ...scope,
    ...(io.signal ? { signal: io.signal } : {}),
  })
}

function configName(project: Project): string {
  return project.config.path ? `the config ${project.config.path}` : 'the default config'
}

function datasetNames(project: Project): string {
  return project.datasets.map((definition) => definition.name).join(', ') || 'none'
}

/** The days of a page view report: END - DAYS through END (30 days back by default, 31 days as Read the Docs shows). */
function pageviewWindow(end: string, days: number | undefined): { from: string; to: string } {
  return { from: addDays(end, -(days ?? 30)), to: end }
}

/** Why a report found nothing: no files at all, or none in its window (and where the files are). */
async function whyEmpty(project: Project, plan: ReportPlan): Promise<string> {
  const span = plan.span ?? (await project.dateSpan(plan.dataset))
  if (!span) return `no rows: ${plan.dataset} has no files yet (parquetry export writes them)`
  const where = plan.window ? ` between ${plan.window.from} and ${plan.window.to}` : ''
  return `no rows${where}: ${plan.dataset}'s ${span.files} file${span.files === 1 ? '' : 's'} span ${span.first} to ${span.last}${plan.window ? ' (--end picks another window)' : ''}`
}
