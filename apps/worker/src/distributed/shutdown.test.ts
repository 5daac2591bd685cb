import { describe, expect, it, vi } from 'vitest'
import type { HandlerResult, JobHandler } from './queue.js'
import { bossJobs, sleep, useQueues, type LogLine } from './test-support.js'

const harness = useQueues()

function events(lines: readonly LogLine[], event: string): LogLine['fields'][] {
  return lines.filter((line) => line.fields['event'] === event).map((line) => line.fields)
}

describe('DistributedQueue when a job outlives its expiry', () => {
  it('lets the retry meet the lock while the first run goes on, and settles it from the ledger afterwards', { timeout: 40_000 }, async () => {
    const lines: LogLine[] = []
    const a = await harness.create({ queue: 'expiry', workerId: 'a:1', expireInSeconds: 1, retryLimit: 10 }, lines)
    const b = await harness.create({ queue: 'expiry', workerId: 'b:2', expireInSeconds: 1, retryLimit: 10 }, lines)
    let running = 0
    let mostAtOnce = 0
    const runs: string[] = []
    const handler =
      (worker: string): JobHandler =>
      async (): Promise<HandlerResult> => {
        running += 1
        mostAtOnce = Math.max(mostAtOnce, running)
        runs.push(worker)
        try {
          // Outlive expireInSeconds until pg-boss has handed the job out again
          // and the retry has found the lock held.
          await vi.waitFor(() => expect(events(lines, 'lock_held').length).toBeGreaterThan(0), { timeout: 20_000, interval: 50 })
          return { ok: true, rows: 1, files: 1 }
        } finally {
          running -= 1
        }
      }
    expect(await a.enqueue([{ dataset: 'orders', dates: ['2025-04-01'] }])).toBe(1)
    await a.work(handler('a'))
    await b.work(handler('b'))
    await vi.waitFor(() => expect(events(lines, 'done_elsewhere')).toHaveLength(1), { timeout: 25_000, interval: 100 })
    await vi.waitFor(async () => expect((await bossJobs(harness, 'expiry')).map((job) => job.state)).toEqual(['completed']), { timeout: 5_000, interval: 100 })

    expect(runs).toHaveLength(1)
    expect(mostAtOnce).toBe(1)
    const runner = runs[0] === 'a' ? 'a:1' : 'b:2'
    const [held] = events(lines, 'lock_held')
    expect(held?.['worker']).not.toBe(runner)
    expect(held?.['attempt']).toBeGreaterThanOrEqual(2)
    expect(await harness.query("SELECT worker, to_char(date, 'YYYY-MM-DD') AS date FROM ledger_expiry")).toEqual([{ worker: runner, date: '2025-04-01' }])
  })
})

describe('DistributedQueue.stop', () => {
  it('waits graceMs for the running job, then aborts its signal; the job goes back to the queue, not into the ledger', { timeout: 20_000 }, async () => {
    const lines: LogLine[] = []
    const queue = await harness.create({ queue: 'stop-abort', workerId: 'w:1' }, lines)
    let seen: AbortSignal | undefined
    await queue.enqueue([{ dataset: 'orders', dates: ['2025-05-01'] }])
    await queue.work(async (_job, { signal }): Promise<HandlerResult> => {
      seen = signal
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
      return { ok: false, transient: false, error: { code: 'ABORTED', message: 'stopped' } }
    })
    await vi.waitFor(() => expect(seen).toBeDefined(), { timeout: 5_000, interval: 20 })
    const stopped = queue.stop({ graceMs: 1_500 })
    await sleep(200)
    expect(seen?.aborted).toBe(false)
    await stopped
    expect(seen?.aborted).toBe(true)
    expect(seen?.reason).toMatchObject({ name: 'ParquetryError', code: 'ABORTED' })
    expect(await harness.query('SELECT * FROM ledger_stop_abort')).toEqual([])
    // Cut short by shutdown, it is retried whatever the handler reported.
    expect(await bossJobs(harness, 'stop-abort')).toEqual([expect.objectContaining({ state: 'retry', output: expect.objectContaining({ code: 'ABORTED' }) })])
    expect(events(lines, 'shutdown_abort')).toEqual([expect.objectContaining({ worker: 'w:1', graceMs: 1_500 })])
    expect(lines.at(-1)?.fields['event']).toBe('queue_stopped')
    await expect(queue.work(async () => ({ ok: true }))).rejects.toMatchObject({ code: 'USAGE' })
  })

  it('lets a job that ends within graceMs finish and record itself', { timeout: 20_000 }, async () => {
    const queue = await harness.create({ queue: 'stop-finish', workerId: 'w:1' })
    let seen: AbortSignal | undefined
    await queue.enqueue([{ dataset: 'orders', dates: ['2025-05-02'] }])
    await queue.work(async (_job, { signal }) => {
      seen = signal
      await sleep(400)
      return { ok: true, rows: 5 }
    })
    await vi.waitFor(() => expect(seen).toBeDefined(), { timeout: 5_000, interval: 20 })
    await queue.stop({ graceMs: 10_000 })
    expect(seen?.aborted).toBe(false)
    expect(await harness.query("SELECT to_char(date, 'YYYY-MM-DD') AS date, rows::int FROM ledger_stop_finish")).toEqual([{ date: '2025-05-02', rows: 5 }])
    expect((await bossJobs(harness, 'stop-finish')).map((job) => job.state)).toEqual(['completed'])
  })

  it('returns at once when no job runs', { timeout: 10_000 }, async () => {
    const queue = await harness.create({ queue: 'stop-idle', workerId: 'w:1', pollingIntervalSeconds: 30 })
    await queue.work(async () => ({ ok: true }))
    await sleep(100)
    const stopping = queue.stop({ graceMs: 60_000 })
    expect(queue.stop()).toBe(stopping)
    await stopping
    await expect(queue.ping()).rejects.toMatchObject({ code: 'QUERY_FAILED' })
  })
})
