import { acquireLock, type ExportDatasetResult, type ExportEvent, type Project } from '@parquetry/pipeline'
import { isParquetryError, isTransientError, ParquetryError } from '@parquetry/schema'
import type { Clock } from './clock.js'
import type { Job, JobError, JobOutcome } from './types.js'

/** Options of {@link runJob}. */
export interface RunJobOptions {
  project: Project
  job: Job
  /** 1 for the first attempt. */
  attempt: number
  /** The job is aborted after this long: files not complete are discarded. */
  timeoutMs: number
  clock: Clock
  /** Shutdown: aborts the job the same way. */
  signal?: AbortSignal
  /**
   * Take the local lock of each (dataset, date) (`_parquetry/locks/<dataset>/<date>.lock`)
   * before exporting it (default true; distributed mode holds an advisory lock instead).
   */
  dayLock?: boolean
  onEvent?: (event: ExportEvent) => void
}

/**
 * Runs one attempt of a job through the project's engine — the same export
 * `parquetry export <dataset> --from D --to D` runs — under its timeout, and
 * says how it went: `success` when the engine reports the dates exported
 * (or already there), `failure` with the first error (transient or not),
 * `aborted` when its timeout or shutdown stopped it (the engine kept
 * nothing partial). Never throws.
 */
export async function runJob(options: RunJobOptions): Promise<JobOutcome> {
  const { project, job, clock } = options
  const startedAt = clock.now()
  const timeout = new AbortController()
  const stopTimer = new AbortController()
  void clock.sleep(options.timeoutMs, stopTimer.signal).then(() => {
    if (!stopTimer.signal.aborted) timeout.abort(new ParquetryError('ABORTED', `${job.dataset} ${job.dates.join(',')}: timed out after ${formatSeconds(options.timeoutMs)}`))
  })
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal
  const finish = (fields: Pick<JobOutcome, 'status'> & Partial<JobOutcome>): JobOutcome => {
    const finishedAt = clock.now()
    return { job, attempt: options.attempt, startedAt, finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime(), ...fields }
  }
  const locks: { release(): Promise<void> }[] = []
  try {
    if (options.dayLock !== false) {
      for (const date of job.dates) locks.push(await acquireLock(project.storage, `${job.dataset}/${date}`, { signal }))
    }
    const dates = [...job.dates].sort()
    const result = await project.export({
      datasets: [job.dataset],
      selection: { kind: 'dates', from: dates[0] as string, to: dates.at(-1) as string },
      signal,
      // Another worker exporting a day of the same dataset holds its lock in the output: wait for it
      // (within this job's timeout) rather than fail and retry.
      lock: { waitMs: options.timeoutMs },
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    })
    const dataset = result.datasets[0] as ExportDatasetResult
    const error = jobError(dataset, job)
    return finish(error ? { status: 'failure', result: dataset, error } : { status: 'success', result: dataset })
  } catch (error) {
    if (signal.aborted) {
      const reason = timeout.signal.aborted ? (timeout.signal.reason as Error).message : `${job.dataset} ${job.dates.join(',')}: stopped (${describe(options.signal?.reason) ?? 'shutdown'})`
      return finish({ status: 'aborted', error: { code: timeout.signal.aborted ? 'TIMEOUT' : 'ABORTED', message: reason, transient: false } })
    }
    return finish({ status: 'failure', error: { code: isParquetryError(error) ? error.code : 'INTERNAL', message: describe(error) ?? 'unknown error', transient: isTransientError(error) } })
  } finally {
    stopTimer.abort()
    for (const lock of locks.reverse()) await lock.release().catch(() => undefined)
  }
}

/**
 * The job's failure, if any: the dataset's error, else its first failure,
 * else a file that failed, else a date with no input. Transient only when
 * everything that failed is (a network error beside a rejects threshold is
 * not worth a retry).
 */
export function jobError(result: ExportDatasetResult, job: Job): JobError | undefined {
  const problems: { code: string; message: string; transient?: true }[] = []
  if (result.error) problems.push(result.error)
  problems.push(...result.failures)
  const failedFiles = result.files.filter((file) => file.status === 'failed')
  // A file failed by an input failure is that failure; one failed on its own (a write) counts itself.
  if (result.failures.length === 0) for (const file of failedFiles) problems.push({ code: 'WRITE_FAILED', message: `${file.path}: ${file.reason ?? 'failed'}`, ...(file.transient ? { transient: true as const } : {}) })
  const first = problems[0]
  if (first) return { code: first.code, message: first.message, transient: problems.every((problem) => problem.transient === true) }
  const done = new Set(result.files.map((file) => file.date))
  const missing = job.dates.filter((date) => !done.has(date))
  if (missing.length > 0 && result.missing.length > 0) {
    return { code: 'MISSING_INPUT', message: `${job.dataset}: nothing exported for ${missing.join(', ')}: ${result.missing.join('; ')}`, transient: false }
  }
  return undefined
}

function describe(value: unknown): string | undefined {
  if (value === undefined) return undefined
  return value instanceof Error ? value.message : String(value)
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}
