import { readParquetRows, testPostgres, useTempDir, type TestDatabase } from '@parquetry/testing'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addDays } from './due.js'

// The built worker, as operators run it: a real process, real PostgreSQL, real signals.
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const dir = useTempDir({ each: true })
// The worker's clock (PARQUETRY_NOW) and the test's "today" are one instant: noon UTC, the config's zone.
const NOW = '2025-11-05T12:00:00.000Z'
const today = NOW.slice(0, 10)
const days = [addDays(today, -3), addDays(today, -2), addDays(today, -1)]
const slowDay = days[2] as string
const ROWS = 500
let database: TestDatabase

beforeAll(async () => {
  database = await (await testPostgres()).createDatabase()
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  await client.query('CREATE TABLE orders (id bigint PRIMARY KEY, day date NOT NULL, amount integer NOT NULL)')
  for (const [index, day] of days.entries()) await client.query('INSERT INTO orders SELECT $1::bigint * 100000 + g, $2::date, g FROM generate_series(1, $3::int) g', [index, day, ROWS])
  await client.end()
}, 120_000)
afterAll(async () => {
  await database?.drop()
})

/** A config whose latest day takes a minute to read (pg_sleep in its query): a job that is still running. */
async function writeConfig(worker: Record<string, unknown>): Promise<void> {
  await writeFile(
    join(dir.path, 'parquetry.config.json'),
    JSON.stringify({
      output: 'out',
      worker: { catchUpDays: 3, ...worker },
      datasets: {
        orders: {
          format: 'postgres',
          connection: database.url,
          query: `SELECT id, day, amount FROM orders WHERE day = $1 AND (SELECT pg_sleep(CASE WHEN $1::date = '${slowDay}'::date THEN 60 ELSE 0 END)) IS NOT NULL ORDER BY id`,
          digestQuery: 'SELECT day::text AS date, count(*)::text AS digest FROM orders WHERE day BETWEEN $1 AND $2 GROUP BY day',
          output: '{dataset}/date={date}/{dataset}_{yyyymmdd}.parquet',
          dateColumn: 'day',
          columns: [
            { name: 'id', type: 'int64', nullable: false },
            { name: 'day', type: 'date', nullable: false },
            { name: 'amount', type: 'int32', nullable: false },
          ],
        },
      },
    }),
  )
}

function start(args: string[]): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: dir.path, env: { ...process.env, PARQUETRY_WEBHOOK_URL: '', PARQUETRY_NOW: NOW }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, out: () => out, err: () => err, exit }
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Every file under the output but the worker's own bookkeeping (`_parquetry/`): no temp file, no partial file. */
function outputFiles(): string[] {
  const root = join(dir.path, 'out')
  if (!existsSync(root)) return []
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((path) => !path.startsWith('_parquetry') && path.includes('.'))
    .sort()
}

const fileOf = (day: string) => `orders/date=${day}/orders_${day.replaceAll('-', '')}.parquet`

async function sleepingBackends(): Promise<number> {
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  try {
    const { rows } = await client.query<{ count: string }>("SELECT count(*) AS count FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid() AND state = 'active'")
    return Number(rows[0]?.count)
  } finally {
    await client.end()
  }
}

describe('parquetry-worker (processes)', () => {
  it('--once: a job over its timeout is aborted cleanly, no file of its day, its query cancelled; the others are exported; exit 1', async () => {
    await writeConfig({ timeoutSeconds: 3, http: false })
    const run = start(['--once'])
    const code = await run.exit
    expect(code).toBe(1)
    expect(outputFiles()).toEqual([fileOf(days[0] as string), fileOf(days[1] as string)])
    for (const day of days.slice(0, 2)) {
      const rows = await readParquetRows(join(dir.path, 'out', fileOf(day)))
      expect(rows).toHaveLength(ROWS)
    }
    expect(run.err()).toMatch(new RegExp(`\\[ERROR\\] worker:job dataset=orders dates=${slowDay} attempt=1 status=aborted duration_ms=\\d+ code=TIMEOUT error="orders ${slowDay}: timed out after 3 s"`))
    expect(run.out()).toMatch(/\[INFO\] export:parquet file=orders_\d{8}\.parquet rows=500 compressed_kb=\d+\n/)
    await until('the COPY to be cancelled', async () => (await sleepingBackends()) === 0 || undefined, 10_000)
    expect(await sleepingBackends()).toBe(0)
  }, 90_000)

  it('answers /healthz, /readyz, /status and /metrics while a job runs; SIGTERM aborts it after the grace, keeps nothing partial, exits 0', async () => {
    await writeConfig({ timeoutSeconds: 120, graceSeconds: 1, http: { port: 0 } })
    const run = start([])
    const url = await until('the HTTP server', () => /worker:http url=(\S+)/.exec(run.out())?.[1])
    await until('the slow job', () => run.out().includes(`worker:job dataset=orders dates=${slowDay} attempt=1 status=started`) || undefined)
    expect((await fetch(`${url}/healthz`)).status).toBe(200)
    const ready = await fetch(`${url}/readyz`)
    const readyBody = await ready.json()
    expect([ready.status, JSON.stringify(readyBody)]).toEqual([200, expect.anything()])
    expect((readyBody as { checks: { name: string; ok: boolean }[] }).checks.map((check) => [check.name, check.ok])).toEqual([
      ['config', true],
      ['storage', true],
      ['postgres:orders', true],
    ])
    const status = (await (await fetch(`${url}/status`)).json()) as { datasets: { orders: { running: { dates: string[] }; lastSuccess: string; schedule: unknown; nextRun: string } } }
    expect(status.datasets.orders.running.dates).toEqual([slowDay])
    expect(status.datasets.orders.schedule).toEqual({ cron: '0 1 * * *', timezone: 'UTC' })
    // The next 01:00 UTC after the worker's noon: tomorrow's.
    expect(status.datasets.orders.nextRun).toBe(`${addDays(today, 1)}T01:00:00.000Z`)
    const metrics = (await (await fetch(`${url}/metrics`)).text()).replace(/^# TYPE parquetry_job_duration_seconds histogram\n/m, '')
    const families = new Map(parsePrometheusTextFormat(metrics).map((family) => [family.name, family]))
    const value = (name: string, labels: Record<string, string> = {}) =>
      Number(families.get(name)?.metrics.find((metric) => Object.entries(labels).every(([key, wanted]) => (metric as { labels?: Record<string, string> }).labels?.[key] === wanted))?.value ?? 'NaN')
    expect(value('parquetry_rows_written_total', { dataset: 'orders' })).toBe(2 * ROWS)
    expect(value('parquetry_files_written_total', { dataset: 'orders' })).toBe(2)
    expect(value('parquetry_job_runs_total', { dataset: 'orders', status: 'success' })).toBe(2)
    expect(value('parquetry_files_stored', { dataset: 'orders' })).toBe(2)
    expect(value('parquetry_jobs', { state: 'active' })).toBe(1)
    run.child.kill('SIGTERM')
    expect(await run.exit).toBe(0)
    expect(run.out()).toContain('worker:stop reason=SIGTERM grace_seconds=1 running=1')
    expect(run.err()).toMatch(new RegExp(`worker:job dataset=orders dates=${slowDay} attempt=1 status=aborted`))
    expect(outputFiles()).toEqual([fileOf(days[0] as string), fileOf(days[1] as string)])
  }, 90_000)
})
