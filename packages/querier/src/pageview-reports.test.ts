import { isParquetryError, type Row } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { useTempDir } from '@parquetry/testing'
import { copyFile, mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { dailyTotals, pageviewReportScope, pageviewTotals, topPages } from './pageview-reports.js'
import { Querier } from './querier.js'
import { quoteLiteral } from './sql.js'
import { opsLayouts, pageviewLayout, pageviewRow, pageviewTemplates, writePageviews } from './test-data.js'

const dir = useTempDir()
const project = 'a b/ü%'
const odd = '/a,b "c"\td.html'
const unicode = '/ünïcødé/页面.html'

// The window of 2025-10-31 and 30 days: 2025-10-01 through 2025-10-31.
const rows: Row[] = [
  pageviewRow({ project, date: '2025-09-30', path: '/index.html', version: 'latest', views: 1000 }),
  pageviewRow({ project, date: '2025-10-01', path: '/index.html', version: 'latest', views: 5 }),
  pageviewRow({ project, date: '2025-10-01', path: '/index.html', version: null, views: 3 }),
  pageviewRow({ project, date: '2025-10-02', path: unicode, version: 'stable', views: 8 }),
  pageviewRow({ project, date: '2025-10-05', path: odd, version: 'latest', views: 8 }),
  pageviewRow({ project, date: '2025-10-05', path: '/index.html', version: 'stable', views: 2 }),
  pageviewRow({ project, date: '2025-10-31', path: '/zeta.html', version: 'latest', views: 1 }),
  pageviewRow({ project, date: '2025-10-31', path: '/Zeta.html', version: 'latest', views: 1 }),
  pageviewRow({ project, date: '2025-11-01', path: '/index.html', version: 'latest', views: 500 }),
  pageviewRow({ project, date: '2025-10-03', path: '/missing.html', version: 'latest', status: 404, views: 4 }),
  pageviewRow({ project, date: '2025-10-07', path: '/missing.html', version: 'latest', status: 404, views: 1 }),
  pageviewRow({ project, date: '2025-10-04', path: '/missing.html', version: null, fullPath: '/en/nope/missing.html', status: 404, views: 4 }),
  pageviewRow({ project, date: '2025-10-04', path: '/missing.html', version: 'stable', fullPath: '/en/nope/missing.html', status: 404, views: 4 }),
  pageviewRow({ project, date: '2025-10-04', path: '/missing.html', version: 'stable', status: 404, views: 2 }),
  pageviewRow({ project, date: '2025-10-06', path: '/x', version: null, fullPath: null, status: 404, views: 4 }),
  // Other projects on the same days: one a prefix of the project's slug.
  pageviewRow({ project: 'a b', date: '2025-10-01', path: '/index.html', version: 'latest', views: 100 }),
  pageviewRow({ project: 'docs', date: '2025-10-05', path: '/index.html', version: 'latest', views: 100 }),
  pageviewRow({ project: 'docs', date: '2025-10-20', path: '/other.html', version: 'latest', views: 7 }),
]

const expectedTop = [
  { path: '/index.html', total_views: 10 },
  { path: odd, total_views: 8 },
  { path: unicode, total_views: 8 },
  { path: '/Zeta.html', total_views: 1 },
  { path: '/zeta.html', total_views: 1 },
]
const expectedNotFound = [
  { version_slug: 'latest', full_path: '/en/latest/missing.html', total_views: 5 },
  { version_slug: null, full_path: null, total_views: 4 },
  { version_slug: null, full_path: '/en/nope/missing.html', total_views: 4 },
  { version_slug: 'stable', full_path: '/en/nope/missing.html', total_views: 4 },
  { version_slug: 'stable', full_path: '/en/stable/missing.html', total_views: 2 },
]
const viewsByDay: Record<string, number> = { '2025-10-01': 8, '2025-10-02': 8, '2025-10-05': 10, '2025-10-31': 2 }
const notFoundByDay: Record<string, number> = { '2025-10-03': 4, '2025-10-04': 10, '2025-10-06': 4, '2025-10-07': 1 }
const october = Array.from({ length: 31 }, (_, index) => `2025-10-${String(index + 1).padStart(2, '0')}`)

beforeAll(async () => {
  for (const [name, template] of Object.entries(pageviewTemplates)) {
    await writePageviews(createLocalStorage({ root: join(dir.path, name) }), pageviewLayout(template), rows)
  }
})

describe.each(Object.entries(pageviewTemplates))('pageview reports over the %s layout', (name, template) => {
  const open = (options: Partial<Parameters<typeof Querier.create>[0]> = {}) => Querier.create({ root: join(dir.path, name), layouts: [pageviewLayout(template)], ...options })

  it('read only the files of the window (and of the project, where the path holds it)', async () => {
    const scope = pageviewReportScope({ project, endDate: '2025-10-31' })
    expect(scope).toEqual({ range: { from: '2025-10-01', to: '2025-10-31' }, keys: { project_slug: project } })
    const querier = await open(scope)
    try {
      // The project's days in the window: 8 of them; the daily layout also holds docs' 10-20.
      expect(querier.views[0]?.files).toBe(name === 'perProject' ? 8 : 9)
    } finally {
      querier.close()
    }
  })

  it('top pages: 200s by path over every version, 404s by version and full path, most viewed first then byte order', async () => {
    const querier = await open(pageviewReportScope({ project, endDate: '2025-10-31' }))
    try {
      expect(await topPages(querier, { project, endDate: '2025-10-31' })).toEqual(expectedTop)
      expect(await topPages(querier, { project, endDate: '2025-10-31', limit: 2 })).toEqual(expectedTop.slice(0, 2))
      expect(await topPages(querier, { project, endDate: '2025-10-31', status: 404 })).toEqual(expectedNotFound)
      expect(await topPages(querier, { project, endDate: '2025-10-31', days: 0 })).toEqual([{ path: '/Zeta.html', total_views: 1 }, { path: '/zeta.html', total_views: 1 }])
      expect(await topPages(querier, { project: 'nobody', endDate: '2025-10-31' })).toEqual([])
    } finally {
      querier.close()
    }
    // Without the scope: the same rows, more files read.
    const whole = await open()
    try {
      expect(whole.views[0]?.files).toBe(name === 'perProject' ? 13 : 11)
      expect(await topPages(whole, { project, endDate: '2025-10-31', status: 200 })).toEqual(expectedTop)
      expect(await topPages(whole, { project, endDate: '2025-11-01', days: 0 })).toEqual([{ path: '/index.html', total_views: 500 }])
      expect(await topPages(whole, { project: 'docs', endDate: '2025-10-31', days: 365 })).toEqual([{ path: '/index.html', total_views: 100 }, { path: '/other.html', total_views: 7 }])
    } finally {
      whole.close()
    }
  })

  it('daily totals: every day of the window, oldest first, zero-filled; 200 by default, 404 on request', async () => {
    const querier = await open(pageviewReportScope({ project, endDate: '2025-10-31' }))
    try {
      const daily = await dailyTotals(querier, { project, endDate: '2025-10-31' })
      expect(daily).toEqual(october.map((date) => ({ date, total_views: viewsByDay[date] ?? 0 })))
      expect(await dailyTotals(querier, { project, endDate: '2025-10-31', status: 404 })).toEqual(october.map((date) => ({ date, total_views: notFoundByDay[date] ?? 0 })))
      expect(await dailyTotals(querier, { project, endDate: '2025-10-05', days: 2 })).toEqual([
        { date: '2025-10-03', total_views: 0 },
        { date: '2025-10-04', total_views: 0 },
        { date: '2025-10-05', total_views: 10 },
      ])
    } finally {
      querier.close()
    }
  })

  it('totals: views, distinct pages, 404s and days with views; zeros for a project without any', async () => {
    const querier = await open(pageviewReportScope({ project, endDate: '2025-10-31' }))
    try {
      expect(await pageviewTotals(querier, { project, endDate: '2025-10-31' })).toEqual({ from: '2025-10-01', to: '2025-10-31', total_views: 28, distinct_pages: 5, not_found_views: 19, days_with_views: 4 })
      expect(await pageviewTotals(querier, { project: 'nobody', endDate: '2025-10-31' })).toEqual({ from: '2025-10-01', to: '2025-10-31', total_views: 0, distinct_pages: 0, not_found_views: 0, days_with_views: 0 })
    } finally {
      querier.close()
    }
  })

  it('expose one date column, a DATE, equal to each file’s own date column', async () => {
    const querier = await open()
    try {
      const columns = await querier.describe('pageviews')
      expect(columns.filter((column) => column.name === 'date')).toEqual([{ name: 'date', type: 'DATE' }])
      expect(columns.map((column) => column.name)).toEqual([
        'id', 'project_id', 'project_slug', 'version_id', 'version_slug', 'path', 'full_path', 'view_count', 'date', 'status',
        ...(name === 'perProject' ? ['project'] : []),
      ])
      // The view's date (DuckDB takes a hive key's value from the path) against the file's own column.
      const compared = await querier.query(
        `SELECT count(*) AS n, count(*) FILTER (WHERE own."date" = viewed."date" AND typeof(own."date") = 'DATE' AND typeof(viewed."date") = 'DATE') AS equal
FROM read_parquet(${quoteLiteral(join(dir.path, name, 'pageviews', '**', '*.parquet'))}, hive_partitioning = false) AS own JOIN pageviews AS viewed USING (id)`,
      )
      expect(compared.rows).toEqual([{ n: rows.length, equal: rows.length }])
      if (name === 'perProject') {
        expect((await querier.query('SELECT DISTINCT project FROM pageviews WHERE project_slug = $project', { project })).rows).toEqual([{ project }])
      }
    } finally {
      querier.close()
    }
  })

  it('refuse bad options and a dataset without the pageviews columns (USAGE)', async () => {
    const querier = await open()
    try {
      const failures = await Promise.all([
        topPages(querier, { project, endDate: '2025-10-31', status: 500 as 404 }),
        topPages(querier, { project, endDate: '2025-10-31', limit: 0 }),
        dailyTotals(querier, { project, endDate: '2025-02-30' }),
        pageviewTotals(querier, { project, endDate: '2025-10-31', days: -1 }),
        pageviewTotals(querier, { project: '', endDate: '2025-10-31' }),
        pageviewTotals(querier, { project, endDate: '2025-10-31', dataset: 'nope' }),
      ].map((promise) => promise.then(() => undefined, (error: unknown) => error)))
      expect(failures.map((error) => isParquetryError(error, 'USAGE') && error.message)).toEqual([
        'pageview report: status 500: Read the Docs records 200 and 404',
        'top pages: limit 0 is not a positive integer',
        'pageview report: end date "2025-02-30": day 30 does not exist in 2025-02',
        'pageview report: days -1 is not an integer from 0 to 36,600',
        'pageview report: give the project (its slug)',
        'pageview report: no dataset "nope"; the querier has pageviews',
      ])
    } finally {
      querier.close()
    }
    const ops = await Querier.create({ root: join(dir.path, name), layouts: opsLayouts() })
    try {
      const error = await pageviewTotals(ops, { project, endDate: '2025-10-31', dataset: 'query_perf' }).catch((failure: unknown) => failure)
      expect(isParquetryError(error, 'USAGE') && error.message).toBe(
        'pageview report: dataset "query_perf" has no project_slug, version_slug, path, full_path, view_count, date, status (a pageviews dataset has the columns of the built-in pageviews schema)',
      )
    } finally {
      ops.close()
    }
  })
})

describe('a hive key that is also a file column', () => {
  it("is read from the path: a day's file copied over another day's path reads as that day (verify names it)", async () => {
    const storage = createLocalStorage({ root: join(dir.path, 'copied') })
    const layout = pageviewLayout(pageviewTemplates.daily)
    const [written] = await writePageviews(storage, layout, [pageviewRow({ project, date: '2025-10-01', path: '/index.html', views: 1 })])
    const copy = join(dir.path, 'copied', 'pageviews', 'date=2025-10-09', 'pageviews_20251009.parquet')
    await mkdir(dirname(copy), { recursive: true })
    await copyFile(join(dir.path, 'copied', written as string), copy)
    const querier = await Querier.create({ storage, layouts: [layout] })
    try {
      const { rows: read } = await querier.query(`SELECT "date"::VARCHAR AS viewed, (SELECT min("date")::VARCHAR FROM read_parquet(${quoteLiteral(copy)}, hive_partitioning = false)) AS own FROM pageviews ORDER BY 1`)
      expect(read).toEqual([{ viewed: '2025-10-01', own: '2025-10-01' }, { viewed: '2025-10-09', own: '2025-10-01' }])
    } finally {
      querier.close()
    }
  })
})
