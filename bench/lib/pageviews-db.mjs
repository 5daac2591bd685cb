// Read the Docs' page views in a PostgreSQL database of the benchmark's own
// (bench/pageviews.mjs, bench/vs-duckdb.mjs): the tables (`rtdTablesSql`: the
// real constraints and indexes), 200 projects with 3 versions each, and days of
// page views seeded server-side (generate_series), plus the query that
// `parquetry export pageviews` runs, for `psql \copy`.
import { rtdTablesSql } from '@parquetry/testing'

/** The PostgreSQL server of the benchmarks: `DATABASE_URL`, else 127.0.0.1:5432 (user postgres, trust auth). */
export const benchServerUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** `serverUrl` with its database replaced by `name`. */
export function databaseUrlOf(serverUrl, name) {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** Creates Read the Docs' tables, projects and versions in `pg` (an empty database). */
export async function createPageviewTables(pg) {
  for (const sql of rtdTablesSql) await pg.query(sql)
  await pg.query("INSERT INTO projects_project (slug, name) SELECT 'project-' || g, 'Project ' || g FROM generate_series(1, 200) AS g")
  await pg.query("INSERT INTO builds_version (project_id, slug) SELECT p, v FROM generate_series(1, 200) AS p, unnest(ARRAY['latest', 'stable', 'v1.0']) AS v")
}

/**
 * Inserts `rows` RTD-shaped page views dated `date`: a fifth without a
 * version, one in twenty a 404, paths of 20-60 characters.
 */
export async function insertPageviewDay(pg, date, rows) {
  await pg.query(
    `INSERT INTO analytics_pageview (project_id, version_id, path, full_path, view_count, date, status)
     SELECT 1 + g % 200, CASE WHEN g % 5 = 0 THEN NULL ELSE (g % 200) * 3 + 1 + g % 3 END,
            '/en/latest/section-' || (g % 97) || '/page-' || g || '.html', '/en/latest/section-' || (g % 97) || '/page-' || g || '.html',
            1 + g % 1000, $1::date, CASE WHEN g % 20 = 0 THEN 404 ELSE 200 END
       FROM generate_series(1, $2::int) AS g`,
    [date, String(rows)],
  )
}

/** Tables, then one day per `{ date, rows }`, then ANALYZE. */
export async function seedPageviews(pg, days) {
  await createPageviewTables(pg)
  for (const { date, rows } of days) await insertPageviewDay(pg, date, rows)
  await pg.query('ANALYZE analytics_pageview')
}

/** The rows of one day as the pageviews preset reads them (its join), for `psql \copy (…) TO file CSV`. */
export function pageviewsDaySql(date) {
  return `SELECT pv.id, pv.project_id, p.slug AS project_slug, pv.version_id, v.slug AS version_slug, pv.path, pv.full_path, pv.view_count, pv.date, pv.status FROM analytics_pageview pv LEFT JOIN projects_project p ON p.id = pv.project_id LEFT JOIN builds_version v ON v.id = pv.version_id WHERE pv.date = '${date}'`
}
