import pg from 'pg'
import { describe, expect, it, vi } from 'vitest'
import { EXPORT_LOCK_CLASS } from './advisory-lock.js'
import type { HandlerResult, JobContext } from './queue.js'
import { bossJobs, sleep, useQueues, type LogLine } from './test-support.js'

const harness = useQueues()

function events(lines: readonly LogLine[], event: string): LogLine['fields'][] {
  return lines.filter((line) => line.fields['event'] === event).map((line) => line.fields)
}

describe('DistributedQueue failures', () => {
  it('retries, without running it, a date whose lock another session holds, and runs it once the lock is free', { timeout: 30_000 }, async () => {
    const blocker = new pg.Client({ connectionString: harness.url })
    await blocker.connect()
    try {
      await blocker.query('SELECT pg_advisory_lock($1::int, hashtext($2))', [EXPORT_LOCK_CLASS, 'orders:2025-02-01'])
      const lines: LogLine[] = []
      const skips: string[] = []
      const queue = await harness.create({ queue: 'locked', workerId: 'w:1', retryLimit: 10, onSkip: (job, context) => skips.push(`${job.dates[0]} ${context.reason} ${context.attempt}`) }, lines)
      const calls: JobContext[] = []
      expect(await queue.enqueue([{ dataset: 'orders', dates: ['2025-02-01'] }])).toBe(1)
      await queue.work(async (_job, context) => {
        calls.push(context)
        return { ok: true, rows: 3 }
      })
      await vi.waitFor(() => expect(events(lines, 'lock_held').length).toBeGreaterThanOrEqual(2), { timeout: 15_000, interval: 100 })
      expect(calls).toHaveLength(0)
      expect(skips.slice(0, 2)).toEqual(['2025-02-01 lock-held 1', '2025-02-01 lock-held 2'])
      expect(events(lines, 'lock_held')[0]).toMatchObject({ dataset: 'orders', date: '2025-02-01', worker: 'w:1', attempt: 1 })
      await blocker.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [EXPORT_LOCK_CLASS, 'orders:2025-02-01'])
      await vi.waitFor(async () => expect((await queue.completed('orders', '2025-02-01', '2025-02-01')).size).toBe(1), { timeout: 15_000, interval: 100 })
      expect(calls).toHaveLength(1)
      expect(calls[0]?.attempt).toBe(events(lines, 'lock_held').length + 1)
      await vi.waitFor(async () => expect((await bossJobs(harness, 'locked')).map((job) => job.state)).toEqual(['completed']), { timeout: 5_000, interval: 100 })
    } finally {
      await blocker.end()
    }
  })

  it('retries a transient failure with backoff until it succeeds, and records it once', { timeout: 30_000 }, async () => {
    const lines: LogLine[] = []
    const queue = await harness.create({ queue: 'transient', workerId: 'w:1' }, lines)
    const attempts: number[] = []
    await queue.enqueue([{ dataset: 'orders', dates: ['2025-02-02'] }])
    await queue.work(async (_job, context): Promise<HandlerResult> => {
      attempts.push(context.attempt)
      if (attempts.length <= 2) return { ok: false, transient: true, error: { code: 'STORAGE_FAILED', message: 'S3 answered 503' } }
      return { ok: true, rows: 7, files: 2 }
    })
    await vi.waitFor(async () => expect((await queue.completed('orders', '2025-02-02', '2025-02-02')).size).toBe(1), { timeout: 20_000, interval: 100 })
    expect(attempts).toEqual([1, 2, 3])
    expect(events(lines, 'will_retry')).toEqual([expect.objectContaining({ code: 'STORAGE_FAILED', message: 'S3 answered 503' }), expect.objectContaining({ code: 'STORAGE_FAILED' })])
    expect(await harness.query("SELECT dataset, to_char(date, 'YYYY-MM-DD') AS date, rows::int, files FROM ledger_transient")).toEqual([{ dataset: 'orders', date: '2025-02-02', rows: 7, files: 2 }])
    await vi.waitFor(async () => expect(await bossJobs(harness, 'transient')).toEqual([expect.objectContaining({ state: 'completed', retry_count: 2 })]), { timeout: 5_000, interval: 100 })
  })

  it('fails a permanent failure for good: run once, never retried, not in the ledger', { timeout: 30_000 }, async () => {
    const lines: LogLine[] = []
    const queue = await harness.create({ queue: 'permanent', workerId: 'w:1' }, lines)
    let calls = 0
    await queue.enqueue([{ dataset: 'orders', dates: ['2025-02-03'] }])
    await queue.work(async (): Promise<HandlerResult> => {
      calls += 1
      return { ok: false, transient: false, error: { code: 'REJECTS_EXCEEDED', message: '12 of 100 rows rejected' } }
    })
    await vi.waitFor(async () => expect((await bossJobs(harness, 'permanent')).map((job) => job.state)).toEqual(['failed']), { timeout: 10_000, interval: 100 })
    const [job] = await bossJobs(harness, 'permanent')
    expect(job).toMatchObject({ retry_count: 0, retry_limit: 0, output: expect.objectContaining({ code: 'REJECTS_EXCEEDED', message: '12 of 100 rows rejected', retry: false }) })
    expect(events(lines, 'failed')).toEqual([expect.objectContaining({ code: 'REJECTS_EXCEEDED', worker: 'w:1' })])
    // A retry would come 1-2 s after the failure (retryDelaySeconds 1, backoff).
    await sleep(2_500)
    expect(calls).toBe(1)
    expect(await queue.completed('orders', '2025-02-01', '2025-02-28')).toEqual(new Set())
    expect(await queue.counts()).toEqual({ queued: 0, active: 0 })
    // Failed for good is not done: the date may be enqueued again.
    expect(await queue.enqueue([{ dataset: 'orders', dates: ['2025-02-03'] }])).toBe(1)
  })

  it('fails for good a job whose handler throws a bug, and retries one that throws a reset connection', { timeout: 30_000 }, async () => {
    const queue = await harness.create({ queue: 'throws', workerId: 'w:1' })
    const calls: string[] = []
    await queue.enqueue([{ dataset: 'bug', dates: ['2025-02-04'] }, { dataset: 'network', dates: ['2025-02-04'] }])
    await queue.work(async (job) => {
      calls.push(job.dataset)
      if (job.dataset === 'bug') throw new TypeError('cannot read properties of undefined')
      if (calls.filter((name) => name === 'network').length === 1) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
      return { ok: true }
    })
    await vi.waitFor(async () => expect((await queue.completed('network', '2025-02-04', '2025-02-04')).size).toBe(1), { timeout: 15_000, interval: 100 })
    const jobs = (await bossJobs(harness, 'throws')).sort((left, right) => left.singleton_key.localeCompare(right.singleton_key))
    expect(jobs.map((job) => [job.singleton_key, job.state])).toEqual([
      ['bug:2025-02-04', 'failed'],
      ['network:2025-02-04', 'completed'],
    ])
    expect(jobs[0]?.output).toMatchObject({ code: 'HANDLER_FAILED', message: 'cannot read properties of undefined' })
    expect(calls).toEqual(['bug', 'network', 'network'])
  })

  it('aborts a run whose lock session dies (another worker could start it now) and retries it', { timeout: 30_000 }, async () => {
    const lines: LogLine[] = []
    const queue = await harness.create({ queue: 'lock-lost', workerId: 'w:1' }, lines)
    const reasons: unknown[] = []
    await queue.enqueue([{ dataset: 'orders', dates: ['2025-02-05'] }])
    await queue.work(async (_job, { signal }): Promise<HandlerResult> => {
      if (reasons.length > 0) return { ok: true }
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
      reasons.push(signal.reason)
      return { ok: false, transient: false, error: { code: 'ABORTED', message: 'aborted' } }
    })
    await vi.waitFor(async () => expect(await harness.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'parquetry-worker-lock' AND datname = current_database()")).toHaveLength(1), { timeout: 5_000, interval: 50 })
    await harness.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'parquetry-worker-lock' AND datname = current_database()")
    await vi.waitFor(async () => expect((await queue.completed('orders', '2025-02-05', '2025-02-05')).size).toBe(1), { timeout: 15_000, interval: 100 })
    expect(reasons).toEqual([expect.objectContaining({ code: 'ABORTED', message: expect.stringContaining('orders:2025-02-05') })])
    expect(events(lines, 'lock_session_lost')).toHaveLength(1)
    expect(events(lines, 'will_retry')).toEqual([expect.objectContaining({ code: 'ABORTED' })])
  })
})
