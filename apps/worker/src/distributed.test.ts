import { rtdPageviews, seedRtd, testPostgres, useTempDir, type TestDatabase } from '@parquetry/testing'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addDays } from './due.js'

// Two real worker processes, one real PostgreSQL (data, queue and ledgers), one output folder.
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const generator = fileURLToPath(new URL('../../../examples/ops/generate.mjs', import.meta.url))
const dir = useTempDir({ each: true })
const DAYS = 60
// The workers' clock (PARQUETRY_NOW) and the test's dates are one instant: noon UTC, the config's zone.
const NOW = '2025-11-05T12:00:00.000Z'
const yesterday = addDays(NOW.slice(0, 10), -1)
const first = addDays(yesterday, -(DAYS - 1))
const dates = Array.from({ length: DAYS }, (_, index) => addDays(first, index))
let database: TestDatabase

beforeEach(async () => {
  database = await (await testPostgres()).createDatabase()
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  await seedRtd((sql, params) => client.query(sql, params as never[]), rtdPageviews(dates))
  await client.end()
  execFileSync(process.execPath, [generator, '--days', String(DAYS), '--start', first, '--out', dir.path])
  await writeFile(
    join(dir.path, 'parquetry.config.json'),
    JSON.stringify({
      output: 'out',
      worker: { http: false, catchUpDays: DAYS, timeoutSeconds: 8, graceSeconds: 0, retries: { attempts: 10, delaySeconds: 1, maxDelaySeconds: 2 }, queue: { connection: database.url } },
      datasets: { query_perf: {}, pageviews: { connection: database.url, retentionDays: false } },
    }),
  )
}, 120_000)
afterEach(async () => {
  await database?.drop()
})

interface Run {
  child: ChildProcess
  out: () => string
  exit: Promise<number | null>
}

function worker(): Run {
  const child = spawn(process.execPath, [bin, '--once'], { cwd: dir.path, env: { ...process.env, PARQUETRY_WEBHOOK_URL: '', PARQUETRY_NOW: NOW }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()))
  return { child, out: () => out, exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) }
}

/** Every publication the workers logged (`export:parquet file=… rows=…`), by file name. */
function publications(runs: readonly Run[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const run of runs) for (const match of run.out().matchAll(/\[INFO\] export:parquet file=(\S+) rows=/g)) counts.set(match[1] as string, (counts.get(match[1] as string) ?? 0) + 1)
  return counts
}

async function ledger(): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  try {
    const { rows } = await client.query<{ dataset: string; days: number }>('SELECT dataset, count(*)::int AS days FROM parquetry_worker_ledger GROUP BY dataset')
    return new Map(rows.map((row) => [row.dataset, row.days]))
  } finally {
    await client.end()
  }
}

const expectedFiles = () => [...dates.map((date) => `query_perf_${date.replaceAll('-', '')}.parquet`), ...dates.map((date) => `pageviews_${date.replaceAll('-', '')}.parquet`)].sort()

describe('distributed mode: two workers, one PostgreSQL', () => {
  it('share a 60-day backfill of a file dataset and of pageviews: every (dataset, date) published exactly once', async () => {
    const runs = [worker(), worker()]
    const codes = await Promise.all(runs.map((run) => run.exit))
    expect([codes, runs.map((run) => run.out().split('\n').filter((line) => line.includes('ERROR')).slice(0, 5))]).toEqual([[0, 0], [[], []]])
    const published = publications(runs)
    expect([...published.keys()].sort()).toEqual(expectedFiles())
    expect(Object.fromEntries(published)).toEqual(Object.fromEntries(expectedFiles().map((file) => [file, 1])))
    // Both took part.
    for (const run of runs) expect(publications([run]).size).toBeGreaterThan(0)
    expect(await ledger()).toEqual(new Map([['query_perf', DAYS], ['pageviews', DAYS]]))
    // A third run finds nothing to do.
    const again = worker()
    expect(await again.exit).toBe(0)
    expect(publications([again]).size).toBe(0)
  }, 240_000)

  it('the same while one worker is SIGKILLed mid-backfill and restarted', async () => {
    const killed = worker()
    const other = worker()
    // Kill it once it has published a few files (it is then in the middle of more).
    const deadline = Date.now() + 120_000
    while (publications([killed]).size < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
    killed.child.kill('SIGKILL')
    await killed.exit
    const restarted = worker()
    expect(await Promise.all([other.exit, restarted.exit])).toEqual([0, 0])
    // Whatever the killed worker had in hand comes back after pg-boss's expiry; the advisory lock,
    // the ledger and the conditional publication keep it from being written twice.
    let published = publications([killed, other, restarted])
    if (published.size < 2 * DAYS) {
      // A job still held by the dead worker's expired lease: a last --once picks it up.
      const last = worker()
      expect(await last.exit).toBe(0)
      published = publications([killed, other, restarted, last])
    }
    expect([...published.keys()].sort()).toEqual(expectedFiles())
    expect([...published.entries()].filter(([, count]) => count !== 1)).toEqual([])
    expect(await ledger()).toEqual(new Map([['query_perf', DAYS], ['pageviews', DAYS]]))
  }, 300_000)
})
