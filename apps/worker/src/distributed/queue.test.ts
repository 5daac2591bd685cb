import { testPostgres } from '@parquetry/testing'
import { describe, expect, it, vi } from 'vitest'
import type { Job } from '../types.js'
import { DistributedQueue } from './queue.js'
import type { HandlerResult, JobHandler } from './queue.js'
import { bossJobs, days, sleep, useQueues, type LogLine } from './test-support.js'

const harness = useQueues()

describe('DistributedQueue options', () => {
  it('refuses names that are not identifiers before touching the database', async () => {
    const base = { connectionString: 'postgres://u:hunter2@127.0.0.1:1/none', expireInSeconds: 60, workerId: 'w' }
    await expect(DistributedQueue.create({ ...base, ledgerTable: 'ledger; DROP TABLE x' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('"ledger; DROP TABLE x"') })
    await expect(DistributedQueue.create({ ...base, ledgerTable: 'a.b.c' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
    await expect(DistributedQueue.create({ ...base, schema: 'boss"x' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
    await expect(DistributedQueue.create({ ...base, pollingIntervalSeconds: 0.1 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
    await expect(DistributedQueue.create({ ...base, expireInSeconds: 0 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
  })

  it('names the database without its password when it cannot start', async () => {
    const failure: unknown = await DistributedQueue.create({ connectionString: 'postgres://u:hunter2@127.0.0.1:1/none', expireInSeconds: 60, workerId: 'w' }).catch((error: unknown) => error)
    expect(failure).toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining('postgres://127.0.0.1:1/none') })
    expect((failure as Error).message).not.toContain('hunter2')
  })
})

describe('DistributedQueue starting', () => {
  it('starts on a fresh database when several workers start at the same moment (setup is taken in turn)', { timeout: 120_000 }, async () => {
    const server = await testPostgres()
    for (let round = 0; round < 5; round++) {
      const database = await server.createDatabase()
      try {
        const started = await Promise.allSettled([1, 2, 3].map((index) => DistributedQueue.create({ connectionString: database.url, expireInSeconds: 60, workerId: `host-${index}:1` })))
        expect(started.map((result) => (result.status === 'fulfilled' ? 'started' : (result.reason as Error).message))).toEqual(['started', 'started', 'started'])
        await Promise.all(started.map((result) => (result.status === 'fulfilled' ? result.value.stop({ graceMs: 0 }) : undefined)))
      } finally {
        await database.drop()
      }
    }
  })
})

describe('DistributedQueue across two workers', () => {
  it('runs every (dataset, date) exactly once, whoever enqueues it and however often', { timeout: 40_000 }, async () => {
    const a = await harness.create({ queue: 'once', workerId: 'host-a:1' })
    const b = await harness.create({ queue: 'once', workerId: 'host-b:2' })
    const dates = days('2025-01-01', 20)
    // a sends one job per date, b one job of all twenty dates (split per date), both at once.
    const [sentByA, sentByB] = await Promise.all([a.enqueue(dates.map((date) => ({ dataset: 'orders', dates: [date] }))), b.enqueue([{ dataset: 'orders', dates }])])
    expect(sentByA + sentByB).toBe(20)
    expect(await a.enqueue([{ dataset: 'orders', dates: dates.slice(0, 5) }])).toBe(0)
    expect(await a.counts()).toEqual({ queued: 20, active: 0 })
    // Queued in the order sent (pg-boss fetches by created_on): oldest date first.
    expect((await bossJobs(harness, 'once')).map((job) => job.singleton_key)).toEqual(dates.map((date) => `orders:${date}`))

    const calls: { worker: string; key: string; attempt: number }[] = []
    const handler =
      (worker: string): JobHandler =>
      async (job, context) => {
        expect(job.dates).toHaveLength(1)
        calls.push({ worker, key: `${job.dataset}:${job.dates[0]}`, attempt: context.attempt })
        await sleep(30)
        return { ok: true, rows: 10, files: 1 }
      }
    await a.work(handler('a'))
    await b.work(handler('b'))
    await vi.waitFor(async () => expect((await a.completed('orders', '2025-01-01', '2025-01-31')).size).toBe(20), { timeout: 30_000, interval: 200 })
    await vi.waitFor(async () => expect(await b.counts()).toEqual({ queued: 0, active: 0 }), { timeout: 5_000, interval: 100 })

    expect(calls).toHaveLength(20)
    expect(new Set(calls.map((call) => call.key))).toEqual(new Set(dates.map((date) => `orders:${date}`)))
    expect(calls.map((call) => [call.key, call.attempt])).toEqual(calls.map((call) => [call.key, 1]))
    // Both took their share (both poll from the start; each job takes 30 ms).
    expect(new Set(calls.map((call) => call.worker))).toEqual(new Set(['a', 'b']))
    const ledger = await harness.query<{ date: string; worker: string; rows: string; files: number; job_id: string }>("SELECT to_char(date, 'YYYY-MM-DD') AS date, worker, rows, files, job_id FROM ledger_once WHERE dataset = 'orders' ORDER BY date")
    expect(ledger).toEqual(dates.map((date) => ({ date, worker: expect.stringMatching(/^(host-a:1|host-b:2)$/), rows: '10', files: 1, job_id: expect.stringMatching(/^.+$/) })))
    expect(await b.completed('orders', '2025-01-05', '2025-01-07')).toEqual(new Set(['2025-01-05', '2025-01-06', '2025-01-07']))
    expect(await b.completed('other', '2025-01-01', '2025-01-31')).toEqual(new Set())

    // The ledger refuses them all now, from either worker, and nothing runs again.
    expect(await b.enqueue([{ dataset: 'orders', dates }])).toBe(0)
    expect(await a.enqueue(dates.map((date) => ({ dataset: 'orders', dates: [date] })))).toBe(0)
    await sleep(1_200)
    expect(calls).toHaveLength(20)
    expect(await a.counts()).toEqual({ queued: 0, active: 0 })
    await a.ping()
  })

  it('does not send a date again while its job runs, so the stately queue never stalls', { timeout: 20_000 }, async () => {
    // pg-boss alone would take that second job, and activating it would break
    // the stately index: every fetch of the queue returns nothing until the
    // first job ends (measured on 10.4.2; pg-boss #536).
    const a = await harness.create({ queue: 'no-stall', workerId: 'a:1' })
    const b = await harness.create({ queue: 'no-stall', workerId: 'b:2' })
    let release: () => void = () => undefined
    const released = new Promise<void>((resolve) => (release = resolve))
    const calls: string[] = []
    const handler: JobHandler = async (job): Promise<HandlerResult> => {
      calls.push(`${job.dataset}:${job.dates[0]}`)
      if (job.dataset === 'slow') await released
      return { ok: true }
    }
    await a.enqueue([{ dataset: 'slow', dates: ['2025-03-01'] }])
    await a.work(handler)
    await vi.waitFor(() => expect(calls).toEqual(['slow:2025-03-01']), { timeout: 5_000, interval: 50 })
    expect(await b.enqueue([{ dataset: 'slow', dates: ['2025-03-01'] }])).toBe(0)
    expect(await b.enqueue([{ dataset: 'fast', dates: ['2025-03-02'] }])).toBe(1)
    expect(await a.counts()).toEqual({ queued: 1, active: 1 })
    await b.work(handler)
    await vi.waitFor(async () => expect((await b.completed('fast', '2025-03-02', '2025-03-02')).size).toBe(1), { timeout: 5_000, interval: 50 })
    expect(await a.completed('slow', '2025-03-01', '2025-03-01')).toEqual(new Set())
    release()
    await vi.waitFor(async () => expect((await a.completed('slow', '2025-03-01', '2025-03-01')).size).toBe(1), { timeout: 5_000, interval: 50 })
    expect(calls).toEqual(['slow:2025-03-01', 'fast:2025-03-02'])
  })

  it('refuses a job that is not a dataset and YYYY-MM-DD dates', async () => {
    const lines: LogLine[] = []
    const queue = await harness.create({ queue: 'bad-input', workerId: 'w:1' }, lines)
    await expect(queue.enqueue([{ dataset: 'x', dates: ['2025-02-30'] }])).rejects.toMatchObject({ code: 'VALUE_INVALID', message: expect.stringContaining('"2025-02-30"') })
    await expect(queue.enqueue([{ dataset: '', dates: ['2025-02-01'] } as Job])).rejects.toMatchObject({ code: 'VALUE_INVALID' })
    await expect(queue.completed('x', '2025-1-1', '2025-01-02')).rejects.toMatchObject({ code: 'VALUE_INVALID' })
    await expect(queue.work(async () => ({ ok: true }))).resolves.toBeUndefined()
    await expect(queue.work(async () => ({ ok: true }))).rejects.toMatchObject({ code: 'USAGE' })
    expect(lines[0]?.fields).toMatchObject({ event: 'queue_started', database: expect.stringMatching(/^postgres:\/\/[^@]+$/) })
  })
})
