import { addDays } from '@parquetry/partitioner'
import { pageviewsSchema } from '@parquetry/schema'
import { startS3Server, useTempDir, type S3TestServer } from '@parquetry/testing'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runIn } from '../test-io.js'

const dir = useTempDir()
let server: S3TestServer

const templates = {
  daily: 'pageviews/date={date}/pageviews_{yyyymmdd}.parquet',
  perProject: 'pageviews/project={project_slug}/date={date}/pageviews_{yyyymmdd}.parquet',
}

/** A config declaring `pageviews` as a dataset of JSONL files with the built-in schema's columns. */
function config(output: string, template: string) {
  return {
    output,
    cacheDir: 'cache',
    datasets: {
      pageviews: {
        format: 'jsonl',
        input: 'input',
        pattern: 'pageviews_{yyyymmdd}.jsonl',
        columns: pageviewsSchema.columns.map((column) => ({ name: column.name, type: column.type, nullable: column.nullable })),
        dateColumn: 'date',
        output: template,
      },
    },
  }
}

const project = 'a b/ü%'
const odd = '/a,b "c"\td.html'
const unicode = '/ünïcødé/页面.html'

interface View {
  project?: string
  date: string
  path: string
  version: string | null
  views: number
  status?: number
  fullPath?: string | null
}
// The window of --end 2025-10-31 (30 days): 2025-10-01 through 2025-10-31.
const views: View[] = [
  { date: '2025-09-30', path: '/index.html', version: 'latest', views: 1000 },
  { date: '2025-10-01', path: '/index.html', version: 'latest', views: 5 },
  { date: '2025-10-01', path: '/index.html', version: null, views: 3 },
  { date: '2025-10-02', path: unicode, version: 'stable', views: 8 },
  { date: '2025-10-05', path: odd, version: 'latest', views: 8 },
  { date: '2025-10-05', path: '/index.html', version: 'stable', views: 2 },
  { date: '2025-10-31', path: '/zeta.html', version: 'latest', views: 1 },
  { date: '2025-10-31', path: '/Zeta.html', version: 'latest', views: 1 },
  { date: '2025-11-01', path: '/index.html', version: 'latest', views: 500 },
  { date: '2025-10-03', path: '/missing.html', version: 'latest', status: 404, views: 4 },
  { date: '2025-10-07', path: '/missing.html', version: 'latest', status: 404, views: 1 },
  { date: '2025-10-04', path: '/missing.html', version: null, fullPath: '/en/nope/missing.html', status: 404, views: 4 },
  { date: '2025-10-04', path: '/missing.html', version: 'stable', status: 404, views: 2 },
  { date: '2025-10-06', path: '/x', version: null, fullPath: null, status: 404, views: 3 },
  { project: 'a b', date: '2025-10-01', path: '/index.html', version: 'latest', views: 100 },
  { project: 'docs', date: '2025-10-05', path: odd, version: 'latest', views: 100 },
]

/** The JSONL inputs: one file a day, rows as Read the Docs' PageView with the slugs joined in. */
async function writeInputs(folder: string): Promise<void> {
  await mkdir(join(folder, 'input'), { recursive: true })
  const byDate = new Map<string, string[]>()
  for (const [index, view] of views.entries()) {
    const slug = view.project ?? project
    const line = JSON.stringify({
      id: index + 1,
      project_id: slug.length,
      project_slug: slug,
      version_id: view.version === null ? null : view.version.length,
      version_slug: view.version,
      path: view.path,
      full_path: view.fullPath === undefined ? (view.version === null ? null : `/en/${view.version}${view.path}`) : view.fullPath,
      view_count: view.views,
      date: view.date,
      status: view.status ?? 200,
    })
    byDate.set(view.date, [...(byDate.get(view.date) ?? []), line])
  }
  for (const [date, lines] of byDate) await writeFile(join(folder, 'input', `pageviews_${date.replaceAll('-', '')}.jsonl`), `${lines.join('\n')}\n`)
}

function cli(folder: string, ...args: string[]) {
  return runIn(folder, server ? { ...server.env } : {}, args)
}

async function json(folder: string, ...args: string[]): Promise<unknown> {
  const result = await cli(folder, ...args, '--format', 'json')
  expect(result.err).toBe('')
  expect(result.code).toBe(0)
  return JSON.parse(result.out)
}

const top200 = [
  { path: '/index.html', total_views: 10 },
  { path: odd, total_views: 8 },
  { path: unicode, total_views: 8 },
  { path: '/Zeta.html', total_views: 1 },
  { path: '/zeta.html', total_views: 1 },
]
const top404 = [
  { version_slug: 'latest', full_path: '/en/latest/missing.html', total_views: 5 },
  { version_slug: null, full_path: '/en/nope/missing.html', total_views: 4 },
  { version_slug: null, full_path: null, total_views: 3 },
  { version_slug: 'stable', full_path: '/en/stable/missing.html', total_views: 2 },
]
const byDay: Record<string, number> = { '2025-10-01': 8, '2025-10-02': 8, '2025-10-05': 10, '2025-10-31': 2 }
const october = Array.from({ length: 31 }, (_, index) => `2025-10-${String(index + 1).padStart(2, '0')}`)

beforeAll(async () => {
  server = await startS3Server({ buckets: ['rtd'] })
})
afterAll(async () => {
  await server.stop()
})

describe.each(Object.entries(templates))('parquetry report over pageviews exported in the %s layout', (name, template) => {
  const folder = () => join(dir.path, name)

  beforeAll(async () => {
    await writeInputs(folder())
    await writeFile(join(folder(), 'parquetry.config.json'), JSON.stringify(config('lake', template)))
    const exported = await cli(folder(), 'export', '--historical')
    expect(exported.err).toBe('')
    expect(exported.code).toBe(0)
  })

  it('writes the layout, the slug hive-encoded', async () => {
    const files = (await readdir(join(folder(), 'lake'), { recursive: true })).filter((file) => file.endsWith('.parquet')).sort()
    if (name === 'perProject') {
      expect(files).toContain('pageviews/project=a b%2Fü%25/date=2025-10-01/pageviews_20251001.parquet')
      expect(files).toContain('pageviews/project=a b/date=2025-10-01/pageviews_20251001.parquet')
      expect(files).toHaveLength(12)
    } else {
      expect(files).toHaveLength(10)
    }
  })

  it('top-pages: 200s by path, 404s by version and full path, --limit', async () => {
    expect(await json(folder(), 'report', 'top-pages', '--project', project, '--end', '2025-10-31')).toEqual(top200)
    expect(await json(folder(), 'report', 'top-pages', '--project', project, '--end', '2025-10-31', '--status', '404')).toEqual(top404)
    expect(await json(folder(), 'report', 'top-pages', '--project', project, '--end', '2025-10-31', '--limit', '2')).toEqual(top200.slice(0, 2))
    expect(await json(folder(), 'report', 'top-pages', '--project', 'docs', '--end', '2025-10-31', '--days', '365')).toEqual([{ path: odd, total_views: 100 }])
    expect(await json(folder(), 'report', 'top-pages', '--project', 'nobody', '--end', '2025-10-31')).toEqual([])
    const csv = await cli(folder(), 'report', 'top-pages', '--project', project, '--end', '2025-10-31', '--format', 'csv', '--limit', '3')
    expect(csv.out).toBe(`path,total_views\n/index.html,10\n"/a,b ""c""\td.html",8\n${unicode},8\n`)
    const ndjson = await cli(folder(), 'report', 'top-pages', '--project', project, '--end', '2025-10-31', '--status', '404', '--limit', '2')
    expect(ndjson.out).toBe(`${top404.slice(0, 2).map((row) => JSON.stringify(row)).join('\n')}\n`)
    const empty = await cli(folder(), 'report', 'top-pages', '--project', 'nobody', '--end', '2025-10-31', '--format', 'csv', '--status', '404')
    expect(empty.out).toBe('version_slug,full_path,total_views\n')
  })

  it('daily-totals: every day, zero-filled, oldest first; 404s on request', async () => {
    expect(await json(folder(), 'report', 'daily-totals', '--project', project, '--end', '2025-10-31')).toEqual(october.map((date) => ({ date, total_views: byDay[date] ?? 0 })))
    expect(await json(folder(), 'report', 'daily-totals', '--project', project, '--end', '2025-10-07', '--days', '4', '--status', '404')).toEqual([
      { date: '2025-10-03', total_views: 4 },
      { date: '2025-10-04', total_views: 6 },
      { date: '2025-10-05', total_views: 0 },
      { date: '2025-10-06', total_views: 3 },
      { date: '2025-10-07', total_views: 1 },
    ])
  })

  it('totals: over the window; ending today in the config’s time zone by default', async () => {
    expect(await json(folder(), 'report', 'totals', '--project', project, '--end', '2025-10-31')).toEqual([
      { from: '2025-10-01', to: '2025-10-31', total_views: 28, distinct_pages: 5, not_found_views: 14, days_with_views: 4 },
    ])
    // "Today" comes from the CLI's injected clock: 02:00 UTC on 1 November is the 1st in UTC
    // (the config's default) and still the 31st in New York.
    await writeFile(join(folder(), 'new-york.json'), JSON.stringify({ ...config('lake', template), timezone: 'America/New_York' }))
    const now = new Date('2025-11-01T02:00:00Z')
    const at = async (...args: string[]) => JSON.parse((await runIn(folder(), server ? { ...server.env } : {}, [...args, '--format', 'json'], { now })).out) as unknown
    expect(await at('report', 'totals', '--project', project, '--days', '7')).toEqual([
      { from: addDays('2025-11-01', -7), to: '2025-11-01', total_views: 502, distinct_pages: 3, not_found_views: 0, days_with_views: 2 },
    ])
    expect(await at('report', 'totals', '--project', project, '--days', '7', '--config', 'new-york.json')).toEqual([
      { from: addDays('2025-10-31', -7), to: '2025-10-31', total_views: 2, distinct_pages: 2, not_found_views: 0, days_with_views: 1 },
    ])
  })

  it('usage errors (exit 2): no --project, a flag the report does not take, no such dataset, no query_perf for the ops reports', async () => {
    const cases: [string[], string][] = [
      [['top-pages'], 'report top-pages needs --project SLUG'],
      [['totals', '--project', project, '--status', '404'], 'report totals takes no --status'],
      [['weekly-trend', '--project', project], 'report weekly-trend takes no --project'],
      [['top-pages', '--project', project, '--status', '500'], '--status "500": expected one of 200, 404'],
      [['daily-totals', '--project', project, '--days=-1'], '--days "-1": expected a number of at least 0'],
      [['daily-totals', '--project', project, '--days', '1.5'], '--days "1.5": expected a whole number'],
      [['top-pages', '--project', project, '--dataset', 'views'], `report top-pages reads the page views of dataset "views", which the config ${join(folder(), 'parquetry.config.json')} does not declare; its datasets: pageviews. Declare it under "datasets", or name another with --dataset NAME`],
      [['daily-summary'], `report daily-summary reads query_perf (the view query_performance), which the config ${join(folder(), 'parquetry.config.json')} does not declare; its datasets: pageviews`],
    ]
    for (const [args, message] of cases) {
      const result = await cli(folder(), 'report', ...args)
      expect(result.code).toBe(2)
      expect(result.err.split('\n')[0]).toBe(`parquetry report: ${message}`)
    }
  })
})

describe('parquetry report over pageviews on S3', () => {
  it('exports to s3://, then reads only the project’s files of the window into the cache', async () => {
    const folder = join(dir.path, 's3')
    await writeInputs(folder)
    await writeFile(join(folder, 'parquetry.config.json'), JSON.stringify(config('s3://rtd/analytics', templates.perProject)))
    const exported = await cli(folder, 'export', '--historical')
    expect(exported.code).toBe(0)
    expect(server.keys('rtd').filter((key) => key.endsWith('.parquet'))).toHaveLength(12)

    server.requests.length = 0
    expect(await json(folder, 'report', 'top-pages', '--project', project, '--end', '2025-10-31')).toEqual(top200)
    // The project's 8 days of the window, listed folder by folder (31 of them), downloaded once each.
    const gets = server.requests.filter((request) => request.action === 'get' && request.key.endsWith('.parquet'))
    expect(gets).toHaveLength(8)
    expect(gets.map((request) => request.key).sort()).toEqual(
      ['2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04', '2025-10-05', '2025-10-06', '2025-10-07', '2025-10-31'].map((date) => `analytics/pageviews/project=a b%2Fü%25/date=${date}/pageviews_${date.replaceAll('-', '')}.parquet`),
    )
    expect(server.requests.filter((request) => request.action === 'list')).toHaveLength(31)
    const cached = (await readdir(join(folder, 'cache'), { recursive: true })).filter((file) => file.endsWith('.parquet'))
    expect(cached).toHaveLength(8)

    server.requests.length = 0
    expect(await json(folder, 'report', 'top-pages', '--project', project, '--end', '2025-10-31', '--status', '404')).toEqual(top404)
    expect(await json(folder, 'report', 'daily-totals', '--project', project, '--end', '2025-10-31')).toEqual(october.map((date) => ({ date, total_views: byDay[date] ?? 0 })))
    expect(await json(folder, 'report', 'totals', '--project', project, '--end', '2025-10-31')).toEqual([
      { from: '2025-10-01', to: '2025-10-31', total_views: 28, distinct_pages: 5, not_found_views: 14, days_with_views: 4 },
    ])
    // Cached by ETag: nothing downloaded again.
    expect(server.requests.filter((request) => request.action === 'get')).toHaveLength(0)
  })
})
