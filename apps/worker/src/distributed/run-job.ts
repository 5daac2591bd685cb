import { isParquetryError, isTransientError, ParquetryError } from '@parquetry/schema'
import pg from 'pg'
import type { Job } from '../types.js'
import { exportKey, tryLockExport, unlockExport } from './advisory-lock.js'
import { ledgerHas, recordExport } from './ledger.js'

/** How one run of a handler ended. */
export interface HandlerResult {
  ok: boolean
  /** For a failure: worth another attempt (network, S3 5xx, PostgreSQL restarting); never bad input. */
  transient?: boolean
  rows?: number
  files?: number
  error?: { code: string; message: string }
}

/** What the handler is given besides the job. */
export interface JobContext {
  /** Aborted when shutdown grace runs out, or when the session holding the job's lock dies. */
  signal: AbortSignal
  /** 1 for the first attempt of the pg-boss job. */
  attempt: number
  jobId: string
}

/** Runs one export of one (dataset, date): `job.dates` always holds exactly one date here. */
export type JobHandler = (job: Job, context: JobContext) => Promise<HandlerResult>

/** Structured log line; fields never hold a password. */
export type QueueLog = (level: 'INFO' | 'WARN' | 'ERROR', fields: Record<string, string | number>) => void

/** Why a job was settled without running the handler. */
export type SkipReason = 'done-elsewhere' | 'lock-held'

/** Called when a job is settled without running the handler. */
export type SkipListener = (job: Job, context: { reason: SkipReason; attempt: number; jobId: string }) => void

/** A failure as it is written to the pg-boss job's output. */
export interface DispositionError {
  code: string
  message: string
}

/** What to tell pg-boss about a job once the protocol has run. */
export type JobDisposition =
  /** Exported (or found in the ledger): complete the job with `output`. */
  | { kind: 'complete'; output: { dataset: string; exported: string[]; doneElsewhere: string[]; rows: number; files: number; worker: string } }
  /** Try again later: fail the job, pg-boss retries it with backoff while attempts are left. */
  | { kind: 'retry'; error: DispositionError }
  /** Bad input or a rejects threshold: fail the job for good, no retry. */
  | { kind: 'fail'; error: DispositionError }

/** Inputs of {@link runJobOnce}. */
export interface RunJobOptions {
  job: Job
  jobId: string
  attempt: number
  connectionString: string
  /** Quoted ledger table name. */
  ledgerTable: string
  workerId: string
  handler: JobHandler
  /** Aborted by shutdown. */
  signal: AbortSignal
  log: QueueLog
  onSkip?: SkipListener | undefined
}

type DateStep = { kind: 'exported'; rows: number; files: number } | { kind: 'done-elsewhere' } | { kind: 'stop'; disposition: JobDisposition }

/**
 * The exactly-once protocol for one pg-boss job, date by date in order: take
 * the (dataset, date) advisory lock on a session of its own (held, not
 * pooled, for the whole run), skip what the ledger already has, run the
 * handler, record success in the ledger, release the lock. Never throws: every
 * way it ends is a {@link JobDisposition}.
 */
export async function runJobOnce(options: RunJobOptions): Promise<JobDisposition> {
  const exported: string[] = []
  const doneElsewhere: string[] = []
  let rows = 0
  let files = 0
  for (const date of options.job.dates) {
    const step = await runDate(options, date)
    if (step.kind === 'stop') return step.disposition
    if (step.kind === 'done-elsewhere') {
      doneElsewhere.push(date)
    } else {
      exported.push(date)
      rows += step.rows
      files += step.files
    }
  }
  return { kind: 'complete', output: { dataset: options.job.dataset, exported, doneElsewhere, rows, files, worker: options.workerId } }
}

async function runDate(options: RunJobOptions, date: string): Promise<DateStep> {
  const { job, jobId, attempt, workerId, log, ledgerTable } = options
  const key = exportKey(job.dataset, date)
  const fields = { dataset: job.dataset, date, jobId, attempt, worker: workerId }
  const lockLost = new AbortController()
  const client = new pg.Client({ connectionString: options.connectionString, application_name: 'parquetry-worker-lock' })
  client.on('error', (error) => {
    // The session, and the lock with it, is gone: another worker may start this
    // export now, so this run stops rather than race it.
    log('WARN', { event: 'lock_session_lost', ...fields, message: error.message })
    lockLost.abort(new ParquetryError('ABORTED', `distributed queue: lost the session holding the lock of ${key}`, { cause: error, details: { transient: true } }))
  })
  try {
    await client.connect()
    if (!(await tryLockExport(client, key))) {
      log('INFO', { event: 'lock_held', ...fields })
      options.onSkip?.({ dataset: job.dataset, dates: [date] }, { reason: 'lock-held', attempt, jobId })
      return stop('retry', 'LOCKED', `${key} is being exported by another worker`)
    }
    try {
      if (await ledgerHas(client, ledgerTable, job.dataset, date)) {
        log('INFO', { event: 'done_elsewhere', ...fields })
        options.onSkip?.({ dataset: job.dataset, dates: [date] }, { reason: 'done-elsewhere', attempt, jobId })
        return { kind: 'done-elsewhere' }
      }
      const signal = AbortSignal.any([options.signal, lockLost.signal])
      const result = await callHandler(options.handler, { dataset: job.dataset, dates: [date] }, { signal, attempt, jobId })
      if (result.ok) {
        await recordExport(client, ledgerTable, { dataset: job.dataset, date, worker: workerId, jobId, rows: result.rows, files: result.files })
        log('INFO', { event: 'recorded', ...fields, rows: result.rows ?? 0, files: result.files ?? 0 })
        return { kind: 'exported', rows: result.rows ?? 0, files: result.files ?? 0 }
      }
      const error = result.error ?? { code: 'FAILED', message: `${key} failed` }
      // A run cut short by shutdown or a lost lock is retried whatever it reported.
      return stop(result.transient === true || signal.aborted ? 'retry' : 'fail', error.code, error.message)
    } finally {
      if (!lockLost.signal.aborted) await unlockExport(client, key).catch(() => undefined)
    }
  } catch (error) {
    // Connecting, locking or the ledger failed: PostgreSQL trouble, worth another attempt.
    const message = error instanceof Error ? error.message : String(error)
    log('WARN', { event: 'ledger_unavailable', ...fields, message })
    return stop('retry', 'QUERY_FAILED', `distributed queue: ${key}: ${message}`)
  } finally {
    await client.end().catch(() => undefined)
  }
}

function stop(kind: 'retry' | 'fail', code: string, message: string): DateStep {
  return { kind: 'stop', disposition: { kind, error: { code, message } } }
}

// A handler is meant to report failures in its result; one that throws is
// classified here (a thrown bug is not worth retrying, a reset socket is).
async function callHandler(handler: JobHandler, job: Job, context: JobContext): Promise<HandlerResult> {
  try {
    return await handler(job, context)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return { ok: false, transient: isTransientError(error), error: { code: isParquetryError(error) ? error.code : 'HANDLER_FAILED', message } }
  }
}
