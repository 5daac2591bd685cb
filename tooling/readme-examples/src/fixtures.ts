import { createLayout } from '@parquetry/partitioner'
import { openProject } from '@parquetry/pipeline'
import { pageviewsSchema, type InferRow } from '@parquetry/schema'
import { connectPostgres } from '@parquetry/sources/postgres'
import { makeTempDir, startS3Server, testPostgres, type S3TestServer, type TestDatabase } from '@parquetry/testing'
import { writeParquet } from '@parquetry/writer'
import { cp, mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url))

const opsExample = join(repositoryRoot, 'examples/ops')

/** The ops inputs the examples run on: three days of the sample month (examples/ops), their ISO week, the advisor report and the event log. */
export const opsInputs = [
  'g/reports/query_perf_daily_20251027.csv',
  'g/reports/query_perf_daily_20251028.csv',
  'g/reports/query_perf_daily_20251029.csv',
  'g/reports/query_perf_weekly_202544.csv',
  'knowledge/optimize/index_advisor_report.json',
  'knowledge/optimize/optimization_summary.txt',
] as const

/** Copies {@link opsInputs} into `dir`, in the layout of examples/ops. */
export async function copyOpsInputs(dir: string): Promise<void> {
  for (const file of opsInputs) {
    await mkdir(dirname(join(dir, file)), { recursive: true })
    await cp(join(opsExample, file), join(dir, file))
  }
}

let exported: Promise<string> | undefined

/**
 * The ops inputs and their export (`knowledge/optimize/parquet`, made once per
 * test process with the pipeline's defaults, as `parquetry export
 * --historical` would) copied into `dir`.
 */
export async function copyExportedOps(dir: string): Promise<void> {
  exported ??= (async () => {
    const template = await makeTempDir('parquetry-readme-ops-')
    await copyOpsInputs(template.path)
    const project = await openProject({ cwd: template.path })
    try {
      const result = await project.export({ selection: { kind: 'historical' } })
      if (!result.ok) throw new Error(`the ops example data did not export: ${JSON.stringify(result.datasets.map((dataset) => dataset.error ?? dataset.failures))}`)
    } finally {
      await project.close()
    }
    return template.path
  })()
  await cp(await exported, dir, { recursive: true })
}

/** `data/orders/orders_20251028.csv` of the pipeline's library example: three orders, one of them late on the 28th at UTC−1. */
export const ordersCsv =
  'order_id,currency,amount,created_at\n1,EUR,10.5,2025-10-28T09:00:00Z\n2,USD,3,2025-10-28T10:00:00Z\n9007199254740993,EUR,7.25,2025-10-28T23:59:59-01:00\n'

/** Writes `files` (path → text) under `dir`. */
export async function writeFiles(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), text)
  }
}

type Pageview = InferRow<typeof pageviewsSchema>

/** Page views of 'docs' (and of another project) on `days[0]` and `days[1]`. */
export function pageviewRows(days: readonly [string, string]): Pageview[] {
  const view = (id: number, project: string, path: string, views: number, date: string, status = 200): Pageview => ({
    id: 3_000_000_000n + BigInt(id),
    project_id: project === 'docs' ? 1 : 2,
    project_slug: project,
    version_id: status === 404 ? 11 : null,
    version_slug: status === 404 ? 'latest' : null,
    path,
    full_path: status === 404 ? `/en/latest${path}` : null,
    view_count: views,
    date,
    status,
  })
  return [
    view(1, 'docs', '/index.html', 10, days[0]),
    view(2, 'docs', '/install.html', 7, days[0]),
    view(3, 'docs', '/missing.html', 3, days[0], 404),
    view(4, 'other', '/index.html', 100, days[0]),
    view(5, 'docs', '/index.html', 5, days[1]),
  ]
}

/**
 * A project of one `pageviews` dataset on local disk (`lake/`), with files
 * for yesterday and the day before (in UTC, the config's time zone) written
 * where the dataset's layout puts them. No database: reports read Parquet only.
 */
export async function preparePageviewsProject(dir: string): Promise<{ days: [string, string] }> {
  await writeFiles(dir, { 'parquetry.config.json': JSON.stringify({ output: 'lake', timezone: 'UTC', datasets: { pageviews: { perProject: false } } }) })
  const project = await openProject({ cwd: dir })
  try {
    const today = project.today()
    const dayBefore = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10)
    const days: [string, string] = [dayBefore(today, 1), dayBefore(today, 2)]
    const [info] = project.layouts(['pageviews'])
    if (!info) throw new Error('no pageviews layout')
    const layout = createLayout({ template: info.template, dataset: info.name, columns: info.schema.columns })
    const rows = pageviewRows(days)
    for (const day of days) {
      const path = layout.render(day, {})
      await writeParquet({ schema: pageviewsSchema, rows: rows.filter((row) => row.date === day), sink: await project.storage.createSink(path) })
    }
    return { days }
  } finally {
    await project.close()
  }
}

let database: Promise<TestDatabase> | undefined

/**
 * A database (the tests' PostgreSQL: `testPostgres`) holding a `pageviews`
 * table of Read the Docs' columns with three views on 2026-11-01 and one on
 * the day after; its URL, as the example's `DATABASE_URL`.
 */
export async function pageviewsDatabase(): Promise<TestDatabase> {
  database ??= (async () => {
    const created = await (await testPostgres()).createDatabase()
    const session = await connectPostgres({ connectionString: created.url })
    try {
      await session.query(
        'CREATE TABLE pageviews (id bigint PRIMARY KEY, project_id integer NOT NULL, project_slug text NOT NULL, version_id integer, version_slug text, path text NOT NULL, full_path text, view_count integer NOT NULL, date date NOT NULL, status smallint NOT NULL)',
      )
      await session.query(
        `INSERT INTO pageviews VALUES
          (3000000001, 1, 'docs', 11, 'latest', '/index.html', '/en/latest/index.html', 42, '2026-11-01', 200),
          (3000000002, 1, 'docs', NULL, NULL, '/guide/ünïcødé.html', NULL, 7, '2026-11-01', 200),
          (3000000003, 2, 'pip', 21, 'stable', '/missing.html', '/en/stable/missing.html', 3, '2026-11-01', 404),
          (3000000004, 1, 'docs', 11, 'latest', '/index.html', '/en/latest/index.html', 9, '2026-11-02', 200)`,
      )
    } finally {
      await session.close()
    }
    return created
  })()
  return database
}

/** Drops the database of {@link pageviewsDatabase}, when one was made. */
export async function dropPageviewsDatabase(): Promise<void> {
  if (database) await (await database).drop()
}

let s3: Promise<S3TestServer> | undefined

/** An S3-protocol server (fauxqs, in this process) with an `analytics` bucket. */
export function s3Server(): Promise<S3TestServer> {
  s3 ??= startS3Server({ buckets: ['analytics'] })
  return s3
}

/** Stops the server of {@link s3Server}, when one was started. */
export async function stopS3Server(): Promise<void> {
  if (s3) await (await s3).stop()
}
