import { connectPostgres, type PostgresSession } from '@parquetry/sources/postgres'
import { createS3Storage } from '@parquetry/storage/s3'
import { duckDbQuery, rtdPageviews, seedRtd, startS3Server, testPostgres, useTempDir, type S3TestServer } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runExport } from '../engine/run-export.js'
import type { ExportEvent, ExportResult } from '../engine/types.js'
import { createLocalStorage, type Storage } from '@parquetry/storage'
import { pageviewsDataset, type PageviewsOptions } from './pageviews.js'

// Today is 2026-01-20 (UTC): the closed days are 14..19; the 20th's counters still change.
const now = () => new Date('2026-01-20T15:00:00Z')
const closed = ['2026-01-14', '2026-01-15', '2026-01-16', '2026-01-17', '2026-01-18', '2026-01-19']
const bucket = 'rtd'
const dir = useTempDir({ each: true })

let server: S3TestServer
let database: { url: string; drop(): Promise<void> }
let pg: PostgresSession
let storage: Storage
let prefix = 0

beforeAll(async () => {
  server = await startS3Server({ buckets: [bucket] })
})
afterAll(async () => {
  await server.stop()
})
beforeEach(async () => {
  database = await (await testPostgres()).createDatabase()
  pg = await connectPostgres({ connectionString: database.url })
  await seedRtd((sql, params) => pg.query(sql, params as never), rtdPageviews([...closed, '2026-01-20']))
  storage = createS3Storage({ url: `s3://${bucket}/run${++prefix}`, ...server.options })
})
afterEach(async () => {
  server.onRequest = undefined
  await storage.close()
  await pg.close()
  await database.drop()
})

function dataset(options: PageviewsOptions = {}) {
  return pageviewsDataset({ connection: { connectionString: database.url }, now, ...options })
}

function exportPageviews(options: { selection?: Parameters<typeof runExport>[0]['selection']; dryRun?: boolean; deleteAfterExport?: boolean; pageviews?: PageviewsOptions; onEvent?: (event: ExportEvent) => void } = {}): Promise<ExportResult> {
  return runExport({
    datasets: [dataset(options.pageviews)],
    storage,
    selection: options.selection ?? { kind: 'historical' },
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.deleteAfterExport !== undefined ? { deleteAfterExport: options.deleteAfterExport } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  })
}

/** Final object keys of this run's prefix (temporary objects and Parquetry's own state apart). */
function keys(): string[] {
  return server
    .keys(bucket)
    .filter((key) => key.startsWith(`run${prefix}/`) && !key.includes('/_parquetry/'))
    .map((key) => key.slice(`run${prefix}/`.length))
}

/** Every row of the objects, read back through DuckDB from a local copy. */
async function objectRows(): Promise<Record<string, unknown>[]> {
  const paths: string[] = []
  for (const key of keys().filter((key) => key.endsWith('.parquet'))) {
    const path = join(dir.path, 'copy', key)
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, await storage.readBytes(key))
    paths.push(path)
  }
  if (paths.length === 0) return []
  // This test's own temporary paths, as literals (a list parameter would need a typed DuckDB value).
  const list = paths.map((path) => `'${path.replaceAll("'", "''")}'`).join(', ')
  const rows = await duckDbQuery(
    `SELECT id::VARCHAR AS id, project_id, project_slug, version_id, version_slug, path, full_path, view_count, date::VARCHAR AS date, status
       FROM read_parquet([${list}], hive_partitioning = false) ORDER BY id`,
  )
  return rows.map((row) => ({ ...row }))
}

/** The same rows, as PostgreSQL has them (`date` given: that day's). */
async function tableRows(where = "date < '2026-01-20'"): Promise<Record<string, unknown>[]> {
  return pg.query(
    `SELECT pv.id::text AS id, pv.project_id, p.slug AS project_slug, pv.version_id, v.slug AS version_slug, pv.path, pv.full_path, pv.view_count, pv.date::text AS date, pv.status
       FROM analytics_pageview pv JOIN projects_project p ON p.id = pv.project_id LEFT JOIN builds_version v ON v.id = pv.version_id
      WHERE ${where} ORDER BY pv.id`,
  )
}

async function count(where = 'true'): Promise<number> {
  const [row] = await pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM analytics_pageview WHERE ${where}`)
  return Number(row?.n)
}

describe('pageviews: PostgreSQL to Parquet on S3', () => {
  it('exports every closed day, one object a day, equal row for row to PostgreSQL; today is left; an unchanged rerun reads no row', async () => {
    const before = await tableRows()
    expect(before.length).toBeGreaterThan(200)
    const first = await exportPageviews()
    expect(first.ok).toBe(true)
    expect(first.written).toBe(6)
    expect(keys()).toEqual(closed.map((date) => `pageviews/date=${date}/pageviews_${date.replaceAll('-', '')}.parquet`))
    const rows = await objectRows()
    expect(rows).toEqual(before.map((row) => ({ ...row })))
    // ids above 2^31 stay exact; NULL versions stay NULL.
    expect(BigInt(rows[0]?.id as string)).toBeGreaterThan(2n ** 31n)
    const unversioned = rows.filter((row) => row.version_id === null)
    expect(unversioned.length).toBe(await count("version_id IS NULL AND date < '2026-01-20'"))
    expect(unversioned.length).toBeGreaterThan(0)
    expect(unversioned.map((row) => [row.id, row.version_slug])).toEqual(unversioned.map((row) => [row.id, null]))
    // Recorded in the ledger: what, where, digest, rows and sum.
    const ledger = await pg.query<Record<string, unknown>>("SELECT date::text AS date, rows::text AS rows, sum::text AS sum, digest, deleted_at FROM parquetry_export_ledger WHERE dataset = 'pageviews' ORDER BY date")
    expect(ledger.map((entry) => entry.date)).toEqual(closed)
    const [sums] = await pg.query<{ rows: string; sum: string }>("SELECT count(*)::text AS rows, sum(view_count)::text AS sum FROM analytics_pageview WHERE date = '2026-01-14'")
    expect(ledger[0]).toMatchObject({ rows: sums?.rows, sum: sums?.sum, deleted_at: null, digest: expect.stringMatching(/^rows=\d+;view_count=\d+;max_id=\d+$/) })
    expect(first.datasets[0]?.actions.filter((action) => action.action === 'recorded').length).toBe(6)

    const rerun = await exportPageviews()
    expect(rerun.ok).toBe(true)
    expect(rerun.written).toBe(0)
    expect(rerun.skipped).toBe(6)
    expect(rerun.datasets[0]?.inputs).toEqual([])
    expect(await count()).toBe(before.length + (await count("date = '2026-01-20'")))
  })

  it('to a local folder as well: the ledger names the folder', async () => {
    const local = createLocalStorage({ root: join(dir.path, 'lake') })
    const result = await runExport({ datasets: [dataset()], storage: local, selection: { kind: 'dates', from: '2026-01-19', to: '2026-01-19' } })
    expect(result.ok).toBe(true)
    const [entry] = await pg.query<{ location: string; objects: string }>("SELECT location, objects::text AS objects FROM parquetry_export_ledger WHERE date = '2026-01-19'")
    expect(entry?.location).toBe(join(dir.path, 'lake'))
    expect(JSON.parse(entry?.objects ?? '[]')).toEqual([expect.objectContaining({ path: 'pageviews/date=2026-01-19/pageviews_20260119.parquet', rows: await count("date = '2026-01-19'") })])
  })

  it('per project: one object a day per project, slugs hive-encoded inside their key; latest is yesterday', async () => {
    const result = await exportPageviews({ selection: { kind: 'latest' }, pageviews: { perProject: true } })
    expect(result.ok).toBe(true)
    expect(keys()).toEqual([
      'pageviews/project=docs/date=2026-01-19/pageviews_20260119.parquet',
      // Hive encoding: the '/' '%' '=' of the slug escaped, so it stays one folder under project=.
      'pageviews/project=odd slug%2Fü%25%3Dx/date=2026-01-19/pageviews_20260119.parquet',
      // (pip has no views that day)
    ])
    expect(await objectRows()).toEqual(await tableRows("date = '2026-01-19'"))
  })

  it('a day that is not over is not exported: it is reported, and the closed days of the range are', async () => {
    const result = await exportPageviews({ selection: { kind: 'dates', from: '2026-01-19', to: '2026-01-20' } })
    expect(result.written).toBe(1)
    expect(result.datasets[0]?.missing).toContainEqual(expect.stringContaining('2026-01-20 is not over yet (today is 2026-01-20 in UTC)'))
    expect(keys()).toEqual(['pageviews/date=2026-01-19/pageviews_20260119.parquet'])
  })

  it('a dry run reads and reports but writes nothing and deletes nothing', async () => {
    const rows = await count()
    const result = await exportPageviews({ dryRun: true, deleteAfterExport: true })
    expect(result.ok).toBe(true)
    expect(result.datasets[0]?.files.map((file) => file.status)).toEqual(Array(6).fill('would-write'))
    expect(keys()).toEqual([])
    expect(await count()).toBe(rows)
    expect((await pg.query("SELECT to_regclass('parquetry_export_ledger') AS t"))[0]).toEqual({ t: null })
  })

  it('delete after export: each verified day is deleted in one transaction and marked in the ledger; a rerun skips the deleted days', async () => {
    const exported = await tableRows()
    const todays = await count("date = '2026-01-20'")
    const result = await exportPageviews({ deleteAfterExport: true })
    expect(result.ok).toBe(true)
    const deleted = result.datasets[0]?.actions.filter((action) => action.action === 'deleted') ?? []
    expect(deleted.map((action) => action.date)).toEqual(closed)
    expect(deleted.reduce((sum, action) => sum + (action.rows ?? 0), 0)).toBe(exported.length)
    expect(await count()).toBe(todays)
    expect(await objectRows()).toEqual(exported)
    const ledger = await pg.query<{ deleted_rows: string }>("SELECT deleted_rows::text AS deleted_rows FROM parquetry_export_ledger WHERE deleted_at IS NOT NULL ORDER BY date")
    expect(ledger.length).toBe(6)

    // The deleted days are known by their ledger digest: skipped, never rebuilt from an empty table.
    const rerun = await exportPageviews({ deleteAfterExport: true })
    expect(rerun.ok).toBe(true)
    expect(rerun.skipped).toBe(6)
    expect(rerun.written).toBe(0)
    expect(await objectRows()).toEqual(exported)

    // Rows arriving for a day already exported and deleted: that day fails, loudly; its object stays.
    await pg.query("INSERT INTO analytics_pageview (project_id, version_id, path, full_path, view_count, date, status) VALUES (1, NULL, '/late.html', NULL, 3, '2026-01-15', 200)")
    const late = await exportPageviews()
    expect(late.ok).toBe(false)
    expect(late.datasets[0]?.failures[0]?.message).toMatch(/2026-01-15: the day was exported and its rows deleted .* rows for it have arrived since/)
    expect(await objectRows()).toEqual(exported)
  })

  it('a rerun with --delete-after-export deletes the days exported earlier whose objects still verify; one whose object is gone is kept', async () => {
    const first = await exportPageviews()
    expect(first.ok).toBe(true)
    const total = await count("date < '2026-01-20'")
    const gone = 'pageviews/date=2026-01-16/pageviews_20260116.parquet'
    await storage.remove(gone)
    const sixteenth = await count("date = '2026-01-16'")
    const result = await exportPageviews({ selection: { kind: 'dates', from: '2026-01-19', to: '2026-01-19' }, deleteAfterExport: true })
    const actions = result.datasets[0]?.actions ?? []
    expect(actions.filter((action) => action.action === 'deleted').map((action) => action.date)).toEqual(closed.filter((date) => date !== '2026-01-16'))
    expect(actions.find((action) => action.date === '2026-01-16')).toMatchObject({ action: 'kept', level: 'warn', detail: expect.stringContaining(`${gone} is missing`) })
    expect(result.ok).toBe(false)
    expect(await count("date < '2026-01-20'")).toBe(sixteenth)
    expect(total).toBeGreaterThan(sixteenth)
  })

  it('retention deletes only exported, verified days older than retentionDays; older days never exported are kept and reported', async () => {
    await exportPageviews({ selection: { kind: 'dates', from: '2026-01-14', to: '2026-01-16' } })
    const left = await count("date >= '2026-01-16'")
    // With 5 days kept, the days before 2026-01-15 go: only the 14th is old enough (and exported).
    const result = await exportPageviews({ selection: { kind: 'dates', from: '2026-01-19', to: '2026-01-19' }, pageviews: { retentionDays: 5 } })
    expect(result.ok).toBe(true)
    const actions = result.datasets[0]?.actions ?? []
    expect(actions.filter((action) => action.action === 'deleted').map((action) => action.date)).toEqual(['2026-01-14'])
    expect(await count("date = '2026-01-14'")).toBe(0)
    expect(await count("date = '2026-01-15'")).toBeGreaterThan(0)
    expect(await count("date >= '2026-01-16'")).toBe(left)
    // A day past retention that was never exported stays (none here: 14 was exported) — try with 3 days kept.
    await pg.query("DELETE FROM parquetry_export_ledger WHERE date = '2026-01-15'")
    const strict = await exportPageviews({ selection: { kind: 'dates', from: '2026-01-19', to: '2026-01-19' }, pageviews: { retentionDays: 3 } })
    const pending = strict.datasets[0]?.actions.find((action) => action.action === 'retention-pending')
    expect(pending?.detail).toMatch(/^1 day\(s\) older than 3 days/)
    expect(await count("date = '2026-01-15'")).toBeGreaterThan(0)
  })

  it('a delete whose re-check fails rolls back: every row stays, the ledger keeps the day undeleted, the run fails', async () => {
    expect((await exportPageviews({ selection: { kind: 'dates', from: '2026-01-18', to: '2026-01-18' } })).ok).toBe(true)
    const rows = await count("date = '2026-01-18'")
    // A row that cannot be deleted as exported (held by another writer): the delete matches fewer rows than were exported.
    await pg.query(`CREATE FUNCTION hold_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF OLD.id = (SELECT min(id) FROM analytics_pageview WHERE date = '2026-01-18') THEN RETURN NULL; END IF; RETURN OLD; END $$`)
    await pg.query('CREATE TRIGGER hold_one BEFORE DELETE ON analytics_pageview FOR EACH ROW EXECUTE FUNCTION hold_one()')
    const result = await exportPageviews({ selection: { kind: 'dates', from: '2026-01-18', to: '2026-01-18' }, deleteAfterExport: true })
    expect(result.ok).toBe(false)
    expect(result.datasets[0]?.failures).toContainEqual({ code: 'CONFLICT', message: expect.stringMatching(/2026-01-18: nothing deleted \(rolled back\): the rows changed since the export: [\d,]+ rows with view_count \d+ matched/) })
    expect(await count("date = '2026-01-18'")).toBe(rows)
    const [entry] = await pg.query("SELECT deleted_at FROM parquetry_export_ledger WHERE date = '2026-01-18'")
    expect(entry).toEqual({ deleted_at: null })
  })

  it('a row added while the day is deleted survives and is reported; the exported rows go', async () => {
    expect((await exportPageviews({ selection: { kind: 'dates', from: '2026-01-17', to: '2026-01-17' } })).ok).toBe(true)
    // Inserted inside the delete's own statement: newer than the export (a larger id), so not one of its rows.
    await pg.query(`CREATE FUNCTION add_one() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      INSERT INTO analytics_pageview (project_id, version_id, path, full_path, view_count, date, status) VALUES (1, NULL, '/during.html', NULL, 9, '2026-01-17', 200);
      RETURN NULL; END $$`)
    await pg.query('CREATE TRIGGER add_one BEFORE DELETE ON analytics_pageview FOR EACH STATEMENT EXECUTE FUNCTION add_one()')
    const result = await exportPageviews({ selection: { kind: 'dates', from: '2026-01-17', to: '2026-01-17' }, deleteAfterExport: true })
    const actions = result.datasets[0]?.actions ?? []
    expect(actions.find((action) => action.action === 'deleted')?.date).toBe('2026-01-17')
    expect(actions.find((action) => action.action === 'kept')).toMatchObject({ rows: 1, detail: expect.stringContaining('1 row(s) added after the export remain') })
    expect(await pg.query("SELECT path FROM analytics_pageview WHERE date = '2026-01-17'")).toEqual([{ path: '/during.html' }])
  })

  it('rows changed after the export are exported again before their day is deleted', async () => {
    expect((await exportPageviews()).ok).toBe(true)
    await pg.query("UPDATE analytics_pageview SET view_count = view_count + 1000 WHERE id = (SELECT min(id) FROM analytics_pageview WHERE date = '2026-01-15')")
    const expected = await tableRows()
    const result = await exportPageviews({ deleteAfterExport: true })
    expect(result.ok).toBe(true)
    expect(result.written).toBe(1)
    expect(await objectRows()).toEqual(expected)
    expect(await count("date < '2026-01-20'")).toBe(0)
  })
})

describe('pageviews under faults', () => {
  it('the connection killed mid-export leaves no object for that day and deletes no row; a rerun completes', async () => {
    // A day big enough to be caught mid-COPY.
    await pg.query(`INSERT INTO analytics_pageview (project_id, version_id, path, full_path, view_count, date, status)
      SELECT 2, NULL, '/bulk/' || g, NULL, g % 100, '2026-01-13', 200 FROM generate_series(1, 300000) AS g`)
    const rows = await count()
    // Killed at a known point: the day's first rows have been read. The kill runs synchronously (a
    // process of its own), so this one cannot read on meanwhile: 300,000 rows cannot have arrived.
    const killer = `
      const { connectPostgres } = await import(process.argv[1])
      const session = await connectPostgres({ connectionString: process.argv[2] })
      const [row] = await session.query("SELECT count(pg_terminate_backend(pid))::text AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'COPY%'")
      process.stdout.write(row.n)
      await session.close()`
    const sources = pathToFileURL(createRequire(import.meta.url).resolve('@parquetry/sources/postgres')).href
    let killed: string | undefined
    const result = await exportPageviews({
      selection: { kind: 'dates', from: '2026-01-13', to: '2026-01-13' },
      deleteAfterExport: true,
      onEvent: (event) => {
        if (killed !== undefined || event.type !== 'progress' || event.phase !== 'read' || !event.identity.endsWith('date=2026-01-13')) return
        killed = execFileSync(process.execPath, ['--input-type=module', '-e', killer, sources, database.url], { encoding: 'utf8' })
      },
    })
    expect(killed).toBe('1')
    expect(result.ok).toBe(false)
    expect(result.datasets[0]?.failures[0]).toMatchObject({ code: 'SOURCE_READ_FAILED', input: expect.stringContaining('analytics_pageview?date=2026-01-13') })
    expect(keys()).toEqual([])
    expect(await count()).toBe(rows)

    const rerun = await exportPageviews({ selection: { kind: 'dates', from: '2026-01-13', to: '2026-01-13' }, deleteAfterExport: true })
    expect(rerun.ok).toBe(true)
    expect(keys()).toEqual(['pageviews/date=2026-01-13/pageviews_20260113.parquet'])
    expect(await count("date = '2026-01-13'")).toBe(0)
  }, 60_000)

  it('S3 failing mid-upload leaves no object at a final key and deletes no row; a rerun completes', async () => {
    const rows = await count()
    let failed = 0
    server.onRequest = (request) => {
      if ((request.action === 'put' || request.action === 'upload-part') && request.key.includes('/pageviews/') && request.key.includes('2026-01-17')) {
        failed++
        throw new Error('injected S3 failure')
      }
    }
    const result = await exportPageviews({ deleteAfterExport: true })
    expect(failed).toBeGreaterThan(0)
    expect(result.ok).toBe(false)
    expect(keys()).toEqual(closed.filter((date) => date !== '2026-01-17').map((date) => `pageviews/date=${date}/pageviews_${date.replaceAll('-', '')}.parquet`))
    // The other days were exported and deleted; the 17th, not exported, keeps its rows.
    expect(await count("date = '2026-01-17'")).toBeGreaterThan(0)
    expect(await count("date < '2026-01-20' AND date <> '2026-01-17'")).toBe(0)
    expect(rows).toBeGreaterThan(await count())

    server.onRequest = undefined
    const rerun = await exportPageviews({ deleteAfterExport: true })
    expect(rerun.ok).toBe(true)
    expect(rerun.written).toBe(1)
    expect(await count("date < '2026-01-20'")).toBe(0)
  }, 60_000)
})
