import type { JobOutcome } from '../types.js'

/** Options for {@link WebhookNotifier}. */
export interface WebhookOptions {
  /** A Slack-compatible incoming webhook (Slack, Discord's `/slack` endpoint, Mattermost). A secret: never logged. */
  url: string
  /** Also notify on success (default false: failures only — a failure is status 'failure' with no willRetryAt, or 'aborted' by timeout, error code `TIMEOUT`). */
  onSuccess?: boolean
  /** Tries per notification. Default 4. */
  attempts?: number
  /** First retry delay; doubles each retry, with full jitter. Default 1000. */
  baseDelayMs?: number
  /** Per request. Default 10000. */
  timeoutMs?: number
  /** Where delivery problems are reported; NEVER pass the URL to it. */
  log: (level: 'INFO' | 'WARN' | 'ERROR', fields: Record<string, string | number>) => void
  /** Default `globalThis.fetch`. */
  fetch?: typeof fetch
  /** Waits between tries. Default an unref'd timer. */
  sleep?: (ms: number) => Promise<void>
  /** Default `Math.random`. */
  random?: () => number
}

/** The longest a `Retry-After` is waited for: a notification days late is of no use. */
const maxRetryAfterMs = 60_000

/** The `JobError.code` of a job aborted by its timeout (a shutdown aborts with `ABORTED`: not the job's problem, never notified). */
export const timeoutCode = 'TIMEOUT'

/**
 * Posts job outcomes to a chat webhook: failures that will not be retried and
 * timeouts, and successes too with `onSuccess`.
 *
 * Deliveries run one after another in the background: `notify` returns at
 * once, so a slow or dead webhook never holds an export up. Network errors,
 * 429 and 5xx are retried (`Retry-After` honoured, capped at a minute); other
 * 4xx are not. Problems go to `log` at WARN (a try) and ERROR (given up),
 * with status and error code but never the URL, which holds the secret.
 */
export class WebhookNotifier {
  readonly #options: WebhookOptions
  readonly #fetch: typeof fetch
  readonly #sleep: (ms: number) => Promise<void>
  readonly #random: () => number
  #queue: Promise<void> = Promise.resolve()
  #secrets: string[]

  constructor(options: WebhookOptions) {
    this.#options = options
    this.#fetch = options.fetch ?? globalThis.fetch
    // Unref'd: a retry pending after flush() has given up must not keep a stopping worker alive.
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()))
    this.#random = options.random ?? Math.random
    this.#secrets = urlParts(options.url)
  }

  /** Queues a notification for the outcome when it is one to send; returns at once (never blocks the export). */
  notify(outcome: JobOutcome, context: { worker?: string } = {}): void {
    let body: string
    try {
      if (!shouldNotify(outcome, this.#options.onSuccess ?? false)) return
      body = JSON.stringify(webhookBody(outcome, context))
    } catch (error) {
      this.#options.log('ERROR', { event: 'webhook', outcome: 'not-sent', error: this.#redact(errorText(error)) })
      return
    }
    const dataset = outcome.job.dataset
    // #deliver catches everything it can; the catch makes a throwing `log` harmless too.
    this.#queue = this.#queue.then(() => this.#deliver(body, dataset)).catch(() => {})
  }

  /** Waits (at most timeoutMs, default 30000) for queued deliveries — used at shutdown and by tests. */
  async flush(timeoutMs = 30_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs)
      timer.unref()
    })
    try {
      await Promise.race([this.#queue, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  async #deliver(body: string, dataset: string): Promise<void> {
    const attempts = Math.max(1, this.#options.attempts ?? 4)
    const baseDelayMs = this.#options.baseDelayMs ?? 1000
    const timeoutMs = this.#options.timeoutMs ?? 10_000
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let retryAfterMs: number | undefined
      try {
        const response = await this.#fetch(this.#options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        })
        // Slack answers errors in the body (`invalid_payload`, `no_service`): worth logging, bounded.
        const answer = (await response.text().catch(() => '')).slice(0, 200)
        if (response.ok) {
          if (attempt > 1) this.#options.log('INFO', { event: 'webhook', outcome: 'delivered', dataset, attempt })
          return
        }
        const fields = { event: 'webhook', dataset, attempt, status: response.status, body: this.#redact(answer) }
        if (response.status !== 429 && response.status < 500) {
          this.#options.log('ERROR', { ...fields, outcome: 'rejected' })
          return
        }
        this.#options.log('WARN', fields)
        retryAfterMs = retryAfter(response.headers.get('retry-after'))
      } catch (error) {
        this.#options.log('WARN', { event: 'webhook', dataset, attempt, error: this.#redact(errorText(error)) })
      }
      if (attempt === attempts) break
      await this.#sleep(retryAfterMs ?? Math.floor(this.#random() * baseDelayMs * 2 ** (attempt - 1)))
    }
    this.#options.log('ERROR', { event: 'webhook', outcome: 'undelivered', dataset, attempts })
  }

  /** Removes every part of the URL from text bound for the log (undici names host and port in its errors). */
  #redact(text: string): string {
    let redacted = text
    for (const part of this.#secrets) redacted = redacted.split(part).join('[webhook]')
    // Host and path found apart (a message naming `127.0.0.1/services/...` without the port) leave one marker.
    return redacted.replace(/(\[webhook\])+/g, '[webhook]')
  }
}

/** True for an outcome the webhook reports: see {@link WebhookOptions.onSuccess}. */
export function shouldNotify(outcome: JobOutcome, onSuccess: boolean): boolean {
  switch (outcome.status) {
    case 'success':
      return onSuccess
    case 'failure':
      return outcome.willRetryAt === undefined
    case 'aborted':
      return outcome.error?.code === timeoutCode
    case 'done-elsewhere':
      return false
  }
}

/**
 * The JSON a Slack-compatible incoming webhook accepts for an outcome: a
 * one-line `text`, an attachment with fields for people, and a `parquetry`
 * object with the same facts for machines (Slack ignores it).
 */
export function webhookBody(outcome: JobOutcome, context: { worker?: string } = {}): Record<string, unknown> {
  const { dataset } = outcome.job
  const dates = describeDates(outcome.job.dates)
  const written = (outcome.result?.files ?? []).filter((file) => file.status === 'written')
  const rows = written.reduce((sum, file) => sum + file.rows, 0)
  const files = written.length
  const unchanged = (outcome.result?.files ?? []).filter((file) => file.status === 'skipped').length
  const ok = outcome.status === 'success' || outcome.status === 'done-elsewhere'
  const message = outcome.error ? oneLine(outcome.error.message) : undefined

  let text: string
  if (outcome.status === 'success') {
    const done = files > 0 ? `exported ${count(rows, 'row')} in ${count(files, 'file')}` : `up to date (${count(unchanged, 'file')} unchanged)`
    text = `✓ parquetry: ${dataset} ${dates} ${done} (attempt ${outcome.attempt})`
  } else if (outcome.status === 'done-elsewhere') {
    text = `✓ parquetry: ${dataset} ${dates} already exported by another worker`
  } else {
    const verb = outcome.status === 'aborted' ? 'aborted' : 'failed'
    text = `✗ parquetry: ${dataset} ${dates} ${verb} (attempt ${outcome.attempt})${message ? `: ${message}` : ''}`
  }

  const fields: { title: string; value: string; short: boolean }[] = [
    { title: 'Dataset', value: dataset, short: true },
    { title: 'Dates', value: dates, short: true },
    { title: 'Status', value: outcome.status, short: true },
    { title: 'Attempt', value: String(outcome.attempt), short: true },
    { title: 'Duration', value: `${(outcome.durationMs / 1000).toFixed(1)} s`, short: true },
  ]
  if (context.worker !== undefined) fields.push({ title: 'Worker', value: context.worker, short: true })
  if (ok) {
    fields.push({ title: 'Rows written', value: rows.toLocaleString('en-US'), short: true })
    fields.push({ title: 'Files written', value: String(files), short: true })
  }
  if (outcome.error) fields.push({ title: 'Error', value: `${outcome.error.code}: ${message ?? ''}`, short: false })

  return {
    text: escapeSlack(text),
    attachments: [
      {
        color: ok ? 'good' : 'danger',
        fallback: escapeSlack(text),
        fields: fields.map((field) => ({ ...field, value: escapeSlack(field.value) })),
      },
    ],
    parquetry: {
      dataset,
      dates: outcome.job.dates,
      status: outcome.status,
      attempt: outcome.attempt,
      code: outcome.error?.code ?? null,
      message: outcome.error?.message ?? null,
      rows,
      files,
      durationMs: outcome.durationMs,
      worker: context.worker ?? null,
      finishedAt: outcome.finishedAt.toISOString(),
    },
  }
}

function describeDates(dates: readonly string[]): string {
  if (dates.length <= 3) return dates.join(', ')
  return `${dates[0]} … ${dates[dates.length - 1]} (${dates.length} dates)`
}

function count(value: number, noun: string): string {
  return `${value.toLocaleString('en-US')} ${noun}${value === 1 ? '' : 's'}`
}

/** The summary is one line; a stack or a multi-line PostgreSQL error is cut to its gist. */
function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > 300 ? `${line.slice(0, 297)}...` : line
}

/** Slack reads `<...>` as links and mentions; these three must be escaped in text. */
function escapeSlack(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

/** `Retry-After` in seconds (the form webhooks send); an HTTP date or garbage is ignored. */
function retryAfter(header: string | null): number | undefined {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return undefined
  return Math.min(Number(header) * 1000, maxRetryAfterMs)
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  // undici's "fetch failed" says nothing; its cause has the code (ECONNREFUSED, ENOTFOUND).
  const cause = error.cause instanceof Error ? `: ${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message}` : ''
  return `${error.name}: ${error.message}${cause}`
}

/** The URL and the parts of it that could show up alone in an error message, longest first. */
function urlParts(url: string): string[] {
  const parts = [url]
  try {
    const parsed = new URL(url)
    parts.push(parsed.href, parsed.origin, parsed.host, parsed.hostname, parsed.pathname, parsed.search)
    parts.push(...parsed.pathname.split('/'), ...parsed.searchParams.values())
  } catch {
    // Not a URL: fetch fails on it and its message holds it whole, which the first part covers.
  }
  return [...new Set(parts)].filter((part) => part.length >= 4).sort((a, b) => b.length - a.length)
}
