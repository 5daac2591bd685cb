import { addDays } from '@parquetry/partitioner'
import { connectPostgres, type PostgresSession } from '@parquetry/sources/postgres'
import { rtdPageviews, rtdProjects, seedRtd, startS3Server, testPostgres, useTempDir, type S3TestServer } from '@parquetry/testing'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runIn } from '../test-io.js'

// End to end: Read the Docs' tables in a real PostgreSQL → `parquetry export pageviews` → S3 (fauxqs)
// → `parquetry report …`, compared row for row with the same questions asked of PostgreSQL.
const dir = useTempDir()
// One instant is "now" for the test and, through the CLI's injected clock, for the commands it
// runs: which days of the table are over, retention, reports' default windows. The config's zone is UTC.
const now = new Date('2025-11-20T12:00:00Z')
const today = now.toISOString().slice(0, 10)
const days = Array.from({ length: 34 }, (_, index) => addDays(today, index - 34))
let server: S3TestServer
let database: { url: string; drop(): Promise<void> }
let pg: PostgresSession

beforeAll(async () => {
  server = await startS3Server({ buckets: ['rtd'] })
  database = await (await testPostgres()).createDatabase()
  pg = await connectPostgres({ connectionString: database.url })
  await seedRtd((sql, params) => pg.query(sql, params as never), rtdPageviews([...days, today]))
}, 120_000)
afterAll(async () => {
  await pg?.close()
  await database?.drop()
  await server?.stop()
})

function cli(folder: string, ...args: string[]) {
  return runIn(folder, { ...server.env }, args, { now })
}

async function json(folder: string, ...args: string[]): Promise<unknown> {
  const result = await cli(folder, ...args, '--format', 'json')
  expect(result.err).toBe('')
  expect(result.code).toBe(0)
  return JSON.parse(result.out)
}

// The reports' window ends yesterday: today is not over, so it is in PostgreSQL only.
const end = addDays(today, -1)
const since = addDays(end, -30)
const number = (rows: Record<string, unknown>[]) => rows.map((row) => ({ ...row, total_views: Number(row.total_views) }))

/** Read the Docs' questions, asked of PostgreSQL (byte order for ties, as the reports). */
const golden = {
  top200: async (slug: string) =>
    number(
      await pg.query(
        `SELECT pv.path, sum(pv.view_count) AS total_views FROM analytics_pageview pv JOIN projects_project p ON p.id = pv.project_id
          WHERE p.slug = $1 AND pv.date >= $2::date AND pv.date <= $3::date AND pv.status = 200
          GROUP BY pv.path ORDER BY total_views DESC, pv.path COLLATE "C" LIMIT 10`,
        [slug, since, end],
      ),
    ),
  top404: async (slug: string) =>
    number(
      await pg.query(
        `SELECT v.slug AS version_slug, pv.full_path, sum(pv.view_count) AS total_views
           FROM analytics_pageview pv JOIN projects_project p ON p.id = pv.project_id LEFT JOIN builds_version v ON v.id = pv.version_id
          WHERE p.slug = $1 AND pv.date >= $2::date AND pv.date <= $3::date AND pv.status = 404
          GROUP BY v.slug, pv.full_path ORDER BY total_views DESC, pv.full_path COLLATE "C" NULLS FIRST, v.slug COLLATE "C" NULLS FIRST LIMIT 10`,
        [slug, since, end],
      ),
    ),
  daily: async (slug: string) =>
    number(
      await pg.query(
        `SELECT d::date::text AS date, coalesce(sum(pv.view_count), 0) AS total_views
           FROM generate_series($2::date, $3::date, interval '1 day') AS d
           LEFT JOIN (analytics_pageview pv JOIN projects_project p ON p.id = pv.project_id AND p.slug = $1 AND pv.status = 200) ON pv.date = d::date
          GROUP BY d ORDER BY d`,
        [slug, since, end],
      ),
    ),
}

describe.each([
  { layout: 'daily', perProject: false },
  { layout: 'per project', perProject: true },
])('pageviews from PostgreSQL to S3 ($layout), and the reports Read the Docs shows', ({ perProject }) => {
  const folder = () => join(dir.path, perProject ? 'per-project' : 'daily')
  let answers: Record<string, unknown>

  beforeAll(async () => {
    await mkdir(folder(), { recursive: true })
    const config = {
      output: `s3://rtd/${perProject ? 'per-project' : 'daily'}`,
      s3: { endpoint: server.endpoint, forcePathStyle: true },
      cacheDir: 'cache',
      datasets: { pageviews: { format: 'postgres', connection: database.url, perProject, deleteAfterExport: false, retentionDays: 90 } },
    }
    await writeFile(join(folder(), 'parquetry.config.json'), JSON.stringify(config))
    answers = {}
    for (const { slug } of rtdProjects) answers[slug] = { top200: await golden.top200(slug), top404: await golden.top404(slug), daily: await golden.daily(slug) }
  }, 60_000)

  it('exports every closed day (today is not over), and an unchanged rerun skips them all', async () => {
    const first = await cli(folder(), 'export', 'pageviews', '--historical')
    expect(first.code).toBe(0)
    expect(first.out).toMatch(/✓ Export complete \((\d+) new files\)/)
    const written = Number(/\((\d+) new files/.exec(first.out)?.[1])
    // Every project every day, but pip, which has no views every third day.
    expect(written).toBe(perProject ? days.length * 3 - days.filter((_, index) => index % 3 === 2).length : days.length)
    const prefix = perProject ? 'per-project' : 'daily'
    const keys = server.keys('rtd').filter((key) => key.startsWith(`${prefix}/pageviews/`))
    // Every day before today, and not today.
    expect([...new Set(keys.map((key) => /\/date=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1]))].sort()).toEqual(days)
    expect(keys).toHaveLength(written)
    if (perProject) expect(keys).toContain(`${prefix}/pageviews/project=odd slug%2Fü%25%3Dx/date=${days[0]}/pageviews_${(days[0] as string).replaceAll('-', '')}.parquet`)
    const again = await cli(folder(), 'export', 'pageviews', '--historical')
    expect(again.code).toBe(0)
    expect(again.out).toMatch(new RegExp(`✓ Export complete \\(0 new files, ${written} skipped\\)`))
  }, 120_000)

  it('top-pages and daily-totals equal the same questions asked of PostgreSQL, row for row, for every project', async () => {
    for (const { slug } of rtdProjects) {
      const expected = answers[slug] as { top200: unknown; top404: unknown; daily: unknown[] }
      expect(await json(folder(), 'report', 'top-pages', '--project', slug, '--end', end)).toEqual(expected.top200)
      expect(await json(folder(), 'report', 'top-pages', '--project', slug, '--status', '404', '--end', end)).toEqual(expected.top404)
      const daily = await json(folder(), 'report', 'daily-totals', '--project', slug, '--end', end)
      expect(daily).toEqual(expected.daily)
      expect(expected.daily).toHaveLength(31)
    }
  }, 120_000)

  it('--dry-run lists what it would delete and deletes nothing; --delete-after-export deletes every verified day, and the reports still answer', async () => {
    const [before] = await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM analytics_pageview')
    const dry = await cli(folder(), 'export', 'pageviews', '--historical', '--dry-run', '--delete-after-export')
    expect(dry.code).toBe(0)
    expect(dry.out).toContain(`→ ${days[0]}: would delete `)
    expect(dry.out).toContain('DRY RUN - no files written')
    expect((await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM analytics_pageview'))[0]).toEqual(before)
    if (!perProject) return
    const deleted = await cli(folder(), 'export', 'pageviews', '--delete-after-export')
    expect(deleted.code).toBe(0)
    expect(deleted.err).toMatch(new RegExp(`\\[INFO\\] export:parquet dataset=pageviews deleted=${days[0]} rows=\\d+ ${days[0]}: deleted \\d+ exported rows from analytics_pageview`))
    expect(deleted.out).toMatch(/source rows deleted \(34 days\)/)
    expect(await pg.query("SELECT date::text AS date FROM analytics_pageview GROUP BY date")).toEqual([{ date: today }])
    for (const { slug } of rtdProjects) {
      const expected = answers[slug] as { top200: unknown; daily: unknown[] }
      expect(await json(folder(), 'report', 'top-pages', '--project', slug, '--end', end)).toEqual(expected.top200)
      expect(await json(folder(), 'report', 'daily-totals', '--project', slug, '--end', end)).toEqual(expected.daily)
    }
  }, 120_000)
})

describe('pageviews: a password never appears in what parquetry prints', () => {
  it('a refused connection names the server without the password', async () => {
    const folder = join(dir.path, 'secret')
    await mkdir(folder, { recursive: true })
    await writeFile(join(folder, 'parquetry.config.json'), JSON.stringify({ output: 'out', datasets: { pageviews: { connection: 'postgres://rtd:hunter2-s3cret@127.0.0.1:1/readthedocs' } } }))
    const result = await cli(folder, 'export', 'pageviews', '--json')
    expect(result.code).toBe(1)
    expect(result.out + result.err).not.toContain('hunter2-s3cret')
    expect(result.out + result.err).toContain('127.0.0.1:1')
  })
})
