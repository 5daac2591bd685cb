import type { ExportDatasetResult, ExportFileResult } from '@parquetry/pipeline'
import { createServer } from 'node:http'
import type { IncomingHttpHeaders, Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobOutcome } from '../types.js'
import { WebhookNotifier, webhookBody } from './webhook.js'
import type { WebhookOptions } from './webhook.js'

/** The secret part of a Slack webhook URL: must never reach a log. */
const token = 'XXXXsecretTOKEN42'

interface Received {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: unknown
}

type Answer = { status: number; body?: string; headers?: Record<string, string> }
type Reply = Answer | 'hang' | ((path: string) => Answer)

/** A real webhook receiver: records each POST and answers from a script (200 `ok` once it runs out). */
class Receiver {
  readonly received: Received[] = []
  readonly replies: Reply[] = []
  readonly #server: Server
  #waiters: (() => void)[] = []

  private constructor(server: Server) {
    this.#server = server
  }

  static async start(): Promise<Receiver> {
    const server = createServer()
    const receiver = new Receiver(server)
    server.on('request', (request, response) => {
      let text = ''
      request.on('data', (chunk: Buffer) => (text += chunk.toString()))
      request.on('end', () => {
        receiver.received.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: JSON.parse(text) })
        for (const wake of receiver.#waiters.splice(0)) wake()
        const scripted = receiver.replies.shift() ?? { status: 200, body: 'ok' }
        if (scripted === 'hang') return
        const reply: Answer = typeof scripted === 'function' ? scripted(request.url ?? '') : scripted
        response.writeHead(reply.status, { 'content-type': 'text/plain', ...(reply.headers ?? {}) })
        response.end(reply.body ?? '')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return receiver
  }

  get url(): string {
    const address = this.#server.address()
    if (address === null || typeof address === 'string') throw new Error('not listening')
    return `http://127.0.0.1:${address.port}/services/T0001/B0002/${token}`
  }

  /** Resolves once `count` requests have arrived. */
  async requests(count: number): Promise<void> {
    while (this.received.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve))
  }

  close(): Promise<void> {
    this.#server.closeAllConnections()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }
}

type Logged = { level: 'INFO' | 'WARN' | 'ERROR'; fields: Record<string, string | number> }

const receivers: Receiver[] = []
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()))
})

async function setup(options: Partial<WebhookOptions> = {}) {
  const receiver = await Receiver.start()
  receivers.push(receiver)
  const logs: Logged[] = []
  const sleeps: number[] = []
  const notifier = new WebhookNotifier({
    url: receiver.url,
    log: (level, fields) => logs.push({ level, fields }),
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    random: () => 0.5,
    ...options,
  })
  return { receiver, notifier, logs, sleeps }
}

function file(status: ExportFileResult['status'], date: string, rows: number): ExportFileResult {
  const name = `query_perf_${date.replaceAll('-', '')}.parquet`
  return { dataset: 'query_perf', date, path: `query_perf/${name}`, file: name, status, rows, bytes: rows * 10, sourceBytes: rows * 60, sources: [] }
}

function result(files: ExportFileResult[]): ExportDatasetResult {
  return { dataset: 'query_perf', inputs: [], missing: [], files, rejects: [], rowsOutsideDates: 0, outsideDates: {}, failures: [], actions: [] }
}

const finishedAt = new Date('2025-10-29T03:00:04.200Z')

const failure: JobOutcome = {
  job: { dataset: 'query_perf', dates: ['2025-10-28'] },
  status: 'failure',
  attempt: 3,
  startedAt: new Date(finishedAt.getTime() - 4200),
  finishedAt,
  durationMs: 4200,
  error: { code: 'SOURCE_READ_FAILED', message: 'csv: unterminated quote at line 812 of query_perf_daily_20251028.csv', transient: false },
}

const success: JobOutcome = {
  job: { dataset: 'query_perf', dates: ['2025-10-28'] },
  status: 'success',
  attempt: 1,
  startedAt: new Date(finishedAt.getTime() - 1500),
  finishedAt,
  durationMs: 1500,
  result: result([file('written', '2025-10-28', 1234), file('written', '2025-10-27', 1000), file('skipped', '2025-10-26', 500)]),
}

describe('WebhookNotifier', () => {
  it('posts a failure as a Slack-compatible message', async () => {
    const { receiver, notifier, logs } = await setup()
    notifier.notify(failure, { worker: 'worker-1' })
    await notifier.flush()
    expect(receiver.received).toHaveLength(1)
    const [request] = receiver.received
    expect(request?.method).toBe('POST')
    expect(request?.path).toBe(`/services/T0001/B0002/${token}`)
    expect(request?.headers['content-type']).toBe('application/json')
    const text = '✗ parquetry: query_perf 2025-10-28 failed (attempt 3): csv: unterminated quote at line 812 of query_perf_daily_20251028.csv'
    expect(request?.body).toEqual({
      text,
      attachments: [
        {
          color: 'danger',
          fallback: text,
          fields: [
            { title: 'Dataset', value: 'query_perf', short: true },
            { title: 'Dates', value: '2025-10-28', short: true },
            { title: 'Status', value: 'failure', short: true },
            { title: 'Attempt', value: '3', short: true },
            { title: 'Duration', value: '4.2 s', short: true },
            { title: 'Worker', value: 'worker-1', short: true },
            { title: 'Error', value: 'SOURCE_READ_FAILED: csv: unterminated quote at line 812 of query_perf_daily_20251028.csv', short: false },
          ],
        },
      ],
      parquetry: {
        dataset: 'query_perf',
        dates: ['2025-10-28'],
        status: 'failure',
        attempt: 3,
        code: 'SOURCE_READ_FAILED',
        message: 'csv: unterminated quote at line 812 of query_perf_daily_20251028.csv',
        rows: 0,
        files: 0,
        durationMs: 4200,
        worker: 'worker-1',
        finishedAt: '2025-10-29T03:00:04.200Z',
      },
    })
    expect(logs).toEqual([])
  })

  it('sends failures that will not be retried and timeouts; successes only with onSuccess', async () => {
    const { receiver, notifier } = await setup()
    notifier.notify(success)
    notifier.notify({ ...failure, willRetryAt: new Date('2025-10-29T03:05:00Z') })
    notifier.notify({ ...failure, status: 'done-elsewhere', error: undefined })
    notifier.notify({ ...failure, status: 'aborted', error: { code: 'ABORTED', message: 'query_perf 2025-10-28: stopped (shutdown)', transient: false } })
    notifier.notify({ ...failure, status: 'aborted', error: { code: 'TIMEOUT', message: 'query_perf 2025-10-28: timed out after 30 min', transient: false } })
    await notifier.flush()
    expect(receiver.received.map((request) => (request.body as { text: string }).text)).toEqual([
      '✗ parquetry: query_perf 2025-10-28 aborted (attempt 3): query_perf 2025-10-28: timed out after 30 min',
    ])

    const withSuccess = await setup({ onSuccess: true })
    withSuccess.notifier.notify(success, { worker: 'w2' })
    await withSuccess.notifier.flush()
    const body = withSuccess.receiver.received[0]?.body as ReturnType<typeof webhookBody>
    expect(body.text).toBe('✓ parquetry: query_perf 2025-10-28 exported 2,234 rows in 2 files (attempt 1)')
    expect(body.attachments).toEqual([
      {
        color: 'good',
        fallback: body.text,
        fields: [
          { title: 'Dataset', value: 'query_perf', short: true },
          { title: 'Dates', value: '2025-10-28', short: true },
          { title: 'Status', value: 'success', short: true },
          { title: 'Attempt', value: '1', short: true },
          { title: 'Duration', value: '1.5 s', short: true },
          { title: 'Worker', value: 'w2', short: true },
          { title: 'Rows written', value: '2,234', short: true },
          { title: 'Files written', value: '2', short: true },
        ],
      },
    ])
    expect(body.parquetry).toMatchObject({ status: 'success', code: null, message: null, rows: 2234, files: 2, worker: 'w2' })
  })

  it('retries 5xx with exponential jittered delays and delivers on the third attempt', async () => {
    const { receiver, notifier, logs, sleeps } = await setup()
    receiver.replies.push({ status: 500, body: 'internal' }, { status: 503, body: 'unavailable' })
    notifier.notify(failure)
    await notifier.flush()
    expect(receiver.received).toHaveLength(3)
    expect(receiver.received[2]?.body).toEqual(receiver.received[0]?.body)
    // random() 0.5 of 1000 * 2^0, then of 1000 * 2^1.
    expect(sleeps).toEqual([500, 1000])
    expect(logs).toEqual([
      { level: 'WARN', fields: { event: 'webhook', dataset: 'query_perf', attempt: 1, status: 500, body: 'internal' } },
      { level: 'WARN', fields: { event: 'webhook', dataset: 'query_perf', attempt: 2, status: 503, body: 'unavailable' } },
      { level: 'INFO', fields: { event: 'webhook', outcome: 'delivered', dataset: 'query_perf', attempt: 3 } },
    ])
  })

  it('waits as Retry-After says on 429, capped at a minute', async () => {
    const { receiver, notifier, sleeps } = await setup()
    receiver.replies.push({ status: 429, headers: { 'retry-after': '7' } }, { status: 429, headers: { 'retry-after': '86400' } })
    notifier.notify(failure)
    await notifier.flush()
    expect(receiver.received).toHaveLength(3)
    expect(sleeps).toEqual([7000, 60_000])
  })

  it('does not retry another 4xx, and gives up after the last attempt', async () => {
    const rejected = await setup()
    rejected.receiver.replies.push({ status: 400, body: 'invalid_payload' })
    rejected.notifier.notify(failure)
    await rejected.notifier.flush()
    expect(rejected.receiver.received).toHaveLength(1)
    expect(rejected.sleeps).toEqual([])
    expect(rejected.logs).toEqual([
      { level: 'ERROR', fields: { event: 'webhook', dataset: 'query_perf', attempt: 1, status: 400, body: 'invalid_payload', outcome: 'rejected' } },
    ])

    const down = await setup({ attempts: 3, baseDelayMs: 100, random: () => 1 })
    down.receiver.replies.push({ status: 502 }, { status: 502 }, { status: 502 }, { status: 200 })
    down.notifier.notify(failure)
    await down.notifier.flush()
    expect(down.receiver.received).toHaveLength(3)
    expect(down.sleeps).toEqual([100, 200])
    expect(down.logs.map((entry) => entry.level)).toEqual(['WARN', 'WARN', 'WARN', 'ERROR'])
    expect(down.logs.at(-1)).toEqual({ level: 'ERROR', fields: { event: 'webhook', outcome: 'undelivered', dataset: 'query_perf', attempts: 3 } })
  })

  it('never logs the URL or any part of it', async () => {
    // A receiver that echoes the URL back in its error, as some proxies do.
    const echo = await setup()
    echo.receiver.replies.push((path) => ({ status: 500, body: `no route for http://127.0.0.1${path}` }), (path) => ({ status: 404, body: `unknown hook ${path}` }))
    echo.notifier.notify(failure)
    await echo.notifier.flush()
    expect(echo.logs).toHaveLength(2)
    expect(echo.logs[0]?.fields.body).toBe('no route for http://[webhook]')
    expect(echo.logs[1]?.fields.body).toBe('unknown hook [webhook]')

    // Network errors: nothing listening any more.
    const gone = await setup({ attempts: 2 })
    const url = gone.receiver.url
    await gone.receiver.close()
    gone.notifier.notify(failure)
    await gone.notifier.flush()
    expect(gone.logs).toHaveLength(3)
    expect(gone.logs[0]).toEqual({ level: 'WARN', fields: { event: 'webhook', dataset: 'query_perf', attempt: 1, error: 'TypeError: fetch failed: ECONNREFUSED' } })

    const host = new URL(url).host
    for (const entry of [...echo.logs, ...gone.logs]) {
      for (const value of Object.values(entry.fields)) {
        expect(String(value)).not.toContain(token)
        expect(String(value)).not.toContain('T0001/B0002')
        expect(String(value)).not.toContain(host)
      }
    }
  })

  it('times out a request that does not answer, as a retryable error', async () => {
    const { receiver, notifier, logs } = await setup({ attempts: 2, timeoutMs: 100 })
    receiver.replies.push('hang', 'hang')
    notifier.notify(failure)
    await notifier.flush()
    expect(receiver.received).toHaveLength(2)
    expect(logs.map((entry) => entry.fields.error ?? entry.fields.outcome)).toEqual([
      'TimeoutError: The operation was aborted due to timeout',
      'TimeoutError: The operation was aborted due to timeout',
      'undelivered',
    ])
  })

  it('notify returns at once; deliveries go one after another in the background', async () => {
    const { receiver, notifier } = await setup()
    receiver.replies.push('hang')
    notifier.notify(failure)
    notifier.notify({ ...failure, attempt: 4 })
    // Nothing can have been sent yet: notify only queued.
    expect(receiver.received).toHaveLength(0)
    await receiver.requests(1)
    // flush gives up after its timeout while the first delivery still hangs, and the second waits its turn.
    await notifier.flush(100)
    expect(receiver.received).toHaveLength(1)
    expect((receiver.received[0]?.body as { parquetry: { attempt: number } }).parquetry.attempt).toBe(3)
  })

  it('never throws into the caller, whatever fetch and the outcome do', async () => {
    const logs: Logged[] = []
    const notifier = new WebhookNotifier({
      url: `https://hooks.example.com/services/${token}`,
      attempts: 1,
      log: (level, fields) => logs.push({ level, fields }),
      fetch: () => {
        throw new Error(`bad url https://hooks.example.com/services/${token}`)
      },
    })
    expect(() => notifier.notify(failure)).not.toThrow()
    expect(() => notifier.notify({ ...failure, finishedAt: new Date(Number.NaN) })).not.toThrow()
    await notifier.flush()
    expect(logs).toEqual([
      { level: 'ERROR', fields: { event: 'webhook', outcome: 'not-sent', error: 'RangeError: Invalid time value' } },
      { level: 'WARN', fields: { event: 'webhook', dataset: 'query_perf', attempt: 1, error: 'Error: bad url [webhook]' } },
      { level: 'ERROR', fields: { event: 'webhook', outcome: 'undelivered', dataset: 'query_perf', attempts: 1 } },
    ])
  })
})

describe('webhookBody', () => {
  it('summarises many dates, an up-to-date success, and escapes what Slack would read as markup', () => {
    const dates = ['2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04']
    const upToDate = webhookBody({ ...success, job: { dataset: 'query_perf', dates }, result: result([file('skipped', '2025-10-01', 5)]) })
    expect(upToDate.text).toBe('✓ parquetry: query_perf 2025-10-01 … 2025-10-04 (4 dates) up to date (1 file unchanged) (attempt 1)')
    expect(upToDate.parquetry).toMatchObject({ dates, rows: 0, files: 0, worker: null })

    const markup = webhookBody({ ...failure, error: { code: 'VALUE_INVALID', message: 'expected <date> & got\n  "x"', transient: false } })
    expect(markup.text).toBe('✗ parquetry: query_perf 2025-10-28 failed (attempt 3): expected &lt;date&gt; &amp; got "x"')
    expect(markup.parquetry).toMatchObject({ message: 'expected <date> & got\n  "x"' })
  })
})
