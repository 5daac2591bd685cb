import { acquireLock, openProject, type Project } from '@parquetry/pipeline'
import { readParquetRows, useTempDir } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock } from './clock.js'
import { startWorker } from './service.js'
import type { JobOutcome } from './types.js'
import { Worker } from './worker.js'

const generator = fileURLToPath(new URL('../../../examples/ops/generate.mjs', import.meta.url))
const dir = useTempDir({ each: true })
const output = { stdout: { write: (text: string) => lines.push(text) }, stderr: { write: (text: string) => lines.push(text) } }
let lines: string[] = []
let project: Project | undefined
let worker: Worker | undefined

async function setup(config: Record<string, unknown> = {}, days = 10): Promise<Project> {
  execFileSync(process.execPath, [generator, '--days', String(days), '--out', dir.path])
  await writeFile(
    join(dir.path, 'parquetry.config.json'),
    JSON.stringify({ output: 'parquet', timezone: 'Asia/Bangkok', datasets: { query_perf: { input: 'g/reports', pattern: 'query_perf_daily_{yyyymmdd}.csv' } }, ...config }),
  )
  project = await openProject({ cwd: dir.path })
  return project
}

const files = () => {
  const root = join(dir.path, 'parquet/query_perf')
  if (!existsSync(root)) return []
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((path) => path.endsWith('.parquet')).map((path) => path.split('/').at(-1)).sort()
}

beforeEach(() => {
  lines = []
})
afterEach(async () => {
  await worker?.stop({ graceMs: 0 })
  await project?.close()
  worker = undefined
  project = undefined
})

describe('the worker (controlled clock)', () => {
  it("runs a dataset at its schedule's local time: 05:00 in Bangkok, yesterday's file", async () => {
    const clock = new ManualClock('2025-10-05T12:00:00Z') // 19:00 in Bangkok
    worker = new Worker({ project: await setup(), clock, output, settings: { catchUpDays: 2 } })
    const outcomes: JobOutcome[] = []
    worker.onOutcome((outcome) => outcomes.push(outcome))
    worker.start()
    // At start-up: the missed days of the window (Oct 3 and 4), oldest first.
    await waitFor(() => outcomes.length === 2)
    expect(outcomes.map((outcome) => [outcome.job.dates.join(), outcome.status])).toEqual([
      ['2025-10-03', 'success'],
      ['2025-10-04', 'success'],
    ])
    expect(worker.state.get('query_perf')?.nextRun?.toISOString()).toBe('2025-10-05T22:00:00.000Z')
    // 04:59 in Bangkok on Oct 6: nothing yet.
    await clock.set('2025-10-05T21:59:00Z')
    await settle()
    expect(outcomes).toHaveLength(2)
    // 05:00: Oct 5 is closed and due.
    await clock.set('2025-10-05T22:00:00Z')
    await waitFor(() => outcomes.length === 3)
    expect(outcomes[2]?.job.dates).toEqual(['2025-10-05'])
    expect(outcomes[2]?.startedAt.toISOString()).toBe('2025-10-05T22:00:00.000Z')
    expect(files()).toEqual(['query_perf_20251003.parquet', 'query_perf_20251004.parquet', 'query_perf_20251005.parquet'])
    const rows = await readParquetRows(join(dir.path, 'parquet/query_perf/year=2025/month=10/query_perf_20251005.parquet'))
    expect(rows.length).toBe(outcomes[2]?.result?.files[0]?.rows)
    expect(worker.state.get('query_perf')?.nextRun?.toISOString()).toBe('2025-10-06T22:00:00.000Z')
    // The seed's log lines: INFO on stdout, in its format.
    expect(lines.map((line) => line.trim()).filter((line) => line.includes('export:parquet file=query_perf_20251005.parquet'))).toEqual([
      expect.stringMatching(/^\[2025-10-05T22:00:0\d\.\d{3}Z\] \[INFO\] export:parquet file=query_perf_20251005\.parquet rows=\d+ compressed_kb=\d+ ratio=\d+\.\d%$/),
    ])
    // The next day at 05:00 again; an unchanged day is not redone.
    await clock.set('2025-10-06T22:00:00Z')
    await waitFor(() => outcomes.length === 4)
    expect(outcomes.map((outcome) => outcome.job.dates[0])).toEqual(['2025-10-03', '2025-10-04', '2025-10-05', '2025-10-06'])
  })

  it('catches up missed days after downtime, oldest first, bounded by catchUpDays', async () => {
    const clock = new ManualClock('2025-10-10T06:00:00Z') // 13:00 in Bangkok on Oct 10: Oct 1–9 closed
    worker = new Worker({ project: await setup(), clock, output, settings: { catchUpDays: 5 } })
    const outcomes = await worker.runDue()
    expect(outcomes.map((outcome) => [outcome.job.dates.join(), outcome.status])).toEqual(['05', '06', '07', '08', '09'].map((day) => [`2025-10-${day}`, 'success']))
    // Older days are outside the bound: left for `parquetry export --from`.
    expect(files()).toEqual(['05', '06', '07', '08', '09'].map((day) => `query_perf_202510${day}.parquet`))
    // Nothing is due any more: the footers record the inputs.
    expect(await worker.runDue()).toEqual([])
  })

  it('retries a transient failure with exponential backoff, then reports it and calls the webhook', async () => {
    const received: unknown[] = []
    const server = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk.toString()))
      request.on('end', () => {
        received.push(JSON.parse(body))
        response.end('ok')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/services/T000/B000/secret-token`
    try {
      const clock = new ManualClock('2025-10-05T06:00:00Z')
      await setup({ worker: { http: false, catchUpDays: 1, retries: { attempts: 3, delaySeconds: 30 }, webhook: { url } } })
      // Another worker holds the day: LOCKED is transient.
      const held = await acquireLock((project as Project).storage, 'query_perf/2025-10-04')
      const run = startWorker({ cwd: dir.path, once: true, clock, output, random: () => 1 })
      // Attempt 1 now, 2 after 30 s, 3 after 60 s more.
      await waitFor(() => lines.filter((line) => line.includes('worker:job') && line.includes('status=failure')).length === 1)
      await clock.advance(30_000)
      await waitFor(() => lines.filter((line) => line.includes('worker:job') && line.includes('status=failure')).length === 2)
      await clock.advance(59_000)
      await settle()
      expect(lines.filter((line) => line.includes('worker:job') && line.includes('status=failure'))).toHaveLength(2)
      await clock.advance(1_000)
      const { outcomes, ok } = await run
      await held.release()
      expect(ok).toBe(false)
      expect(outcomes.map((outcome) => [outcome.attempt, outcome.status, outcome.error?.code, outcome.startedAt.toISOString()])).toEqual([
        [1, 'failure', 'LOCKED', '2025-10-05T06:00:00.000Z'],
        [2, 'failure', 'LOCKED', '2025-10-05T06:00:30.000Z'],
        [3, 'failure', 'LOCKED', '2025-10-05T06:01:30.000Z'],
      ])
      expect(outcomes[0]?.willRetryAt?.toISOString()).toBe('2025-10-05T06:00:30.000Z')
      expect(outcomes[2]?.willRetryAt).toBeUndefined()
      // The final failure only, once, Slack-shaped.
      expect(received).toHaveLength(1)
      expect(received[0]).toMatchObject({ text: expect.stringContaining('query_perf 2025-10-04'), parquetry: { dataset: 'query_perf', dates: ['2025-10-04'], status: 'failure', attempt: 3, code: 'LOCKED' } })
      expect(lines.join('')).not.toContain('secret-token')
      expect(files()).toEqual([])
    } finally {
      server.close()
    }
  })

  it('does not retry bad input: a rejects threshold fails the day once', async () => {
    const clock = new ManualClock('2025-10-05T06:00:00Z')
    await setup({ worker: { catchUpDays: 1 } })
    await writeFile(join(dir.path, 'g/reports/query_perf_daily_20251004.csv'), 'timestamp,query_hash,query_type,execution_time_ms,rows_examined,rows_returned,index_used,table_name,index_name\nnot-a-time,x,SELECT,oops,1,1,true,t,i\n')
    worker = new Worker({ project: project as Project, clock, output })
    const outcomes = await worker.runDue()
    expect(outcomes.map((outcome) => [outcome.attempt, outcome.status, outcome.error?.code, outcome.error?.transient])).toEqual([[1, 'failure', 'REJECTS_EXCEEDED', false]])
    expect(lines.map((line) => line.trim()).filter((line) => line.includes('worker:job'))).toEqual([
      expect.stringMatching(/\[INFO\] worker:job dataset=query_perf dates=2025-10-04 attempt=1 status=started/),
      expect.stringMatching(/\[ERROR\] worker:job dataset=query_perf dates=2025-10-04 attempt=1 status=failure .*code=REJECTS_EXCEEDED/),
    ])
  })
})

async function settle(): Promise<void> {
  for (let index = 0; index < 5; index++) await new Promise((resolve) => setImmediate(resolve))
}

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting; log:\n${lines.join('')}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
