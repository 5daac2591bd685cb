import { compileDataset, listDatasetFiles, nextRunOf, type DatasetDefinition, type Project, type ResolvedWorkerConfig, type Schedule } from '@parquetry/pipeline'
import { hostname } from 'node:os'
import { backoffDelay } from './backoff.js'
import { systemClock, type Clock } from './clock.js'
import { dueDays } from './due.js'
import { createWorkerLog, type WorkerLog, type WorkerOutput } from './log.js'
import { runJob } from './run-job.js'
import type { Job, JobOutcome } from './types.js'

/** Where distributed mode sends jobs (a {@link DistributedQueue}); absent: jobs run in this process. */
export interface JobQueue {
  enqueue(jobs: readonly Job[]): Promise<number>
  completed(dataset: string, from: string, to: string): Promise<Set<string>>
  work(handler: (job: Job, context: { signal: AbortSignal; attempt: number; jobId: string }) => Promise<{ ok: boolean; transient?: boolean; rows?: number; files?: number; error?: { code: string; message: string } }>): Promise<void>
  counts(): Promise<{ queued: number; active: number }>
  stop(options?: { graceMs?: number }): Promise<void>
  ping(): Promise<void>
}

/** Options of {@link Worker}. */
export interface WorkerOptions {
  project: Project
  /** Only these datasets (default: every enabled dataset with a schedule). */
  datasets?: readonly string[]
  /** The config's `worker` settings, with any of them replaced. */
  settings?: Partial<ResolvedWorkerConfig>
  clock?: Clock
  output?: WorkerOutput
  /** Jitter source of the backoff (tests fix it). */
  random?: () => number
  /** Distributed mode's queue. */
  queue?: JobQueue
  /** This worker's name (default host:pid). */
  id?: string
}

/** One dataset as `/status` shows it. */
export interface DatasetState {
  schedule: Schedule | undefined
  nextRun: Date | undefined
  running: { dates: string[]; attempt: number; since: Date } | undefined
  queued: number
  lastRun: JobOutcome | undefined
  lastSuccess: Date | undefined
  lastError: { dates: string[]; code: string; message: string; at: Date } | undefined
  /** The latest closed day, when it has no input yet. */
  waitingFor: string | undefined
}

interface QueuedJob {
  job: Job
  attempt: number
  readyAt: number
}

/** Listeners of every finished attempt (metrics, webhook, /status). */
export type OutcomeListener = (outcome: JobOutcome, final: boolean) => void

/**
 * `parquetry-worker`'s core: runs the project's datasets on their schedules.
 * At start-up and at each dataset's cron time it looks for the days due and
 * not done (see {@link dueDays}) and runs one job per (dataset, day), oldest
 * first: in this process one at a time (local mode, each day under its own
 * lock in the output), or through the PostgreSQL queue shared by every
 * worker (distributed mode). Transient failures are retried with
 * exponential backoff and jitter; bad input is not. Each attempt has the
 * configured timeout. Holds no export logic of its own: a job is the CLI's
 * `parquetry export <dataset> --from D --to D`.
 */
export class Worker {
  readonly project: Project
  readonly settings: ResolvedWorkerConfig
  readonly clock: Clock
  readonly log: WorkerLog
  readonly id: string
  readonly startedAt: Date
  readonly datasets: DatasetDefinition[]
  readonly #state = new Map<string, DatasetState>()
  readonly #queue: QueuedJob[] = []
  readonly #listeners: OutcomeListener[] = []
  readonly #startListeners: ((job: Job, attempt: number) => void)[] = []
  readonly #random: () => number
  readonly #remote: JobQueue | undefined
  readonly #stop = new AbortController()
  #wake: AbortController = new AbortController()
  #current: AbortController | undefined
  #loops: Promise<void>[] = []

  constructor(options: WorkerOptions) {
    this.project = options.project
    this.settings = { ...options.project.config.worker, ...options.settings }
    this.clock = options.clock ?? systemClock
    this.log = createWorkerLog(options.output ?? process, () => this.clock.now())
    this.id = options.id ?? `${hostname()}:${process.pid}`
    this.startedAt = this.clock.now()
    this.#random = options.random ?? Math.random
    this.#remote = options.queue
    const scheduleOf = (name: string) => options.project.config.datasets.find((dataset) => dataset.name === name)?.schedule
    this.datasets = options.datasets && options.datasets.length > 0 ? options.project.select(options.datasets) : options.project.select().filter((definition) => scheduleOf(definition.name) !== undefined)
    for (const definition of this.datasets) {
      const schedule = scheduleOf(definition.name)
      this.#state.set(definition.name, { schedule, nextRun: schedule && nextRunOf(schedule, this.startedAt), running: undefined, queued: 0, lastRun: undefined, lastSuccess: undefined, lastError: undefined, waitingFor: undefined })
    }
  }

  /** Local or distributed. */
  get mode(): 'local' | 'distributed' {
    return this.#remote ? 'distributed' : 'local'
  }

  /** Each dataset's schedule, next run, running job, last run and last error. */
  get state(): ReadonlyMap<string, Readonly<DatasetState>> {
    return this.#state
  }

  /** Jobs waiting (local mode: in this process) and running. */
  get jobs(): { queued: number; active: number } {
    return { queued: this.#queue.length, active: [...this.#state.values()].filter((state) => state.running).length }
  }

  /** Calls `listener` after every attempt; `final` is false when a retry follows. */
  onOutcome(listener: OutcomeListener): void {
    this.#listeners.push(listener)
  }

  /** Calls `listener` when an attempt starts. */
  onStart(listener: (job: Job, attempt: number) => void): void {
    this.#startListeners.push(listener)
  }

  /**
   * Looks for the days due in `names` (default: every dataset) and queues
   * them, oldest first; returns how many jobs were queued. A dataset whose
   * days cannot be listed (its source unreachable) is reported as a failed
   * attempt and looked at again at its next run.
   */
  async checkDue(names: readonly string[] = this.datasets.map((definition) => definition.name)): Promise<number> {
    let queued = 0
    for (const name of names) {
      if (this.#stop.signal.aborted) break
      const definition = this.datasets.find((candidate) => candidate.name === name) as DatasetDefinition
      const state = this.#state.get(name) as DatasetState
      const started = this.clock.now()
      try {
        const due = await dueDays({
          project: this.project,
          definition,
          now: started,
          catchUpDays: this.settings.catchUpDays,
          signal: this.#stop.signal,
          ...(this.#remote ? { completed: (from: string, to: string) => (this.#remote as JobQueue).completed(name, from, to) } : {}),
        })
        state.waitingFor = due.latestMissing ? (due.waitingFor ?? due.to) : undefined
        if (due.latestMissing) this.log('WARN', 'worker:due', { dataset: name, waiting_for: due.waitingFor ?? due.to, reason: due.noInput ?? due.reason ?? 'no input for the latest closed day yet' })
        const pending = (date: string) => this.#queue.some((entry) => entry.job.dataset === name && entry.job.dates.includes(date)) || state.running?.dates.includes(date) === true
        const fresh = due.dates.filter((date) => !pending(date))
        // One job per day; a changed input that names no date is one job over the window (it is read once).
        const jobs = due.window && !due.window.every(pending) ? [{ dataset: name, dates: due.window }] : fresh.map((date) => ({ dataset: name, dates: [date] }))
        if (jobs.length === 0) continue
        const days = jobs.flatMap((job) => job.dates)
        this.log('INFO', 'worker:due', { dataset: name, days: days.length, from: days[0] as string, to: days.at(-1) as string })
        if (this.#remote) {
          queued += await this.#remote.enqueue(jobs)
        } else {
          for (const job of jobs) this.#queue.push({ job, attempt: 1, readyAt: 0 })
          state.queued += jobs.length
          queued += jobs.length
          this.#wake.abort()
        }
      } catch (error) {
        if (this.#stop.signal.aborted) break
        const finishedAt = this.clock.now()
        const message = error instanceof Error ? error.message : String(error)
        const code = (error as { code?: string }).code ?? 'INTERNAL'
        this.#finished({ job: { dataset: name, dates: [] }, status: 'failure', attempt: 1, startedAt: started, finishedAt, durationMs: finishedAt.getTime() - started.getTime(), error: { code, message, transient: false } }, true)
      }
    }
    return queued
  }

  /**
   * `parquetry-worker --once`: every day due now, run to the end (retries
   * included), then returns the outcomes of the attempts.
   */
  async runDue(): Promise<JobOutcome[]> {
    const outcomes: JobOutcome[] = []
    this.onOutcome((outcome) => outcomes.push(outcome))
    await this.checkDue()
    if (this.#remote) await this.#drainRemote()
    else await this.#runLocal(true)
    return outcomes
  }

  /** Starts the schedules and the job runner; returns at once. */
  start(): void {
    this.log('INFO', 'worker:start', { worker: this.id, mode: this.mode, datasets: this.datasets.map((definition) => definition.name).join(',') })
    for (const [name, state] of this.#state) {
      if (state.nextRun) this.log('INFO', 'worker:schedule', { dataset: name, cron: (state.schedule as Schedule).cron, timezone: (state.schedule as Schedule).timezone, next_run: state.nextRun.toISOString() })
    }
    this.#loops = [this.#scheduleLoop(), this.#remote ? this.#remote.work((job, context) => this.#handleRemote(job, context)) : this.#runLocal(false)]
  }

  /**
   * Graceful shutdown: no new job is taken; the running one may finish
   * within `graceMs` (default the config's graceSeconds), else it is aborted
   * (the engine keeps nothing partial). Resolves when everything stopped.
   */
  async stop(options: { graceMs?: number; reason?: string } = {}): Promise<void> {
    if (this.#stop.signal.aborted) return
    const graceMs = options.graceMs ?? this.settings.graceSeconds * 1000
    this.log('INFO', 'worker:stop', { reason: options.reason ?? 'stop', grace_seconds: graceMs / 1000, running: this.jobs.active })
    this.#stop.abort()
    this.#wake.abort()
    const grace = new AbortController()
    const timer = setTimeout(() => {
      grace.abort()
      this.#current?.abort(new Error(`grace of ${graceMs / 1000} s over`))
    }, graceMs)
    try {
      if (this.#remote) await this.#remote.stop({ graceMs })
      await Promise.allSettled(this.#loops)
    } finally {
      clearTimeout(timer)
    }
  }

  async #scheduleLoop(): Promise<void> {
    await this.checkDue()
    while (!this.#stop.signal.aborted) {
      const next = [...this.#state.values()].reduce<number>((min, state) => Math.min(min, state.nextRun?.getTime() ?? Infinity), Infinity)
      if (!Number.isFinite(next)) return
      await this.clock.sleep(next - this.clock.now().getTime(), this.#stop.signal)
      if (this.#stop.signal.aborted) return
      const now = this.clock.now()
      const firing: string[] = []
      for (const [name, state] of this.#state) {
        if (!state.nextRun || state.nextRun.getTime() > now.getTime() || !state.schedule) continue
        firing.push(name)
        state.nextRun = nextRunOf(state.schedule, now)
      }
      if (firing.length > 0) await this.checkDue(firing)
    }
  }

  /** Local mode: one job at a time, the oldest ready first; `untilEmpty` returns when nothing is left (retries included). */
  async #runLocal(untilEmpty: boolean): Promise<void> {
    while (!this.#stop.signal.aborted) {
      const now = this.clock.now().getTime()
      const ready = this.#queue.filter((entry) => entry.readyAt <= now).sort((a, b) => a.readyAt - b.readyAt || compareJobs(a.job, b.job))[0]
      if (!ready) {
        if (untilEmpty && this.#queue.length === 0) return
        const wake = (this.#wake = new AbortController())
        const earliest = this.#queue.reduce((min, entry) => Math.min(min, entry.readyAt), Infinity)
        await this.clock.sleep(Number.isFinite(earliest) ? earliest - now : 86_400_000, AbortSignal.any([wake.signal, this.#stop.signal]))
        continue
      }
      this.#queue.splice(this.#queue.indexOf(ready), 1)
      const state = this.#state.get(ready.job.dataset) as DatasetState
      state.queued -= 1
      const outcome = await this.#attempt(ready.job, ready.attempt, true)
      const retry = outcome.status === 'failure' && outcome.error?.transient === true && ready.attempt < this.settings.retries.attempts && !this.#stop.signal.aborted
      if (retry) {
        const delay = backoffDelay(ready.attempt, { delayMs: this.settings.retries.delaySeconds * 1000, maxDelayMs: this.settings.retries.maxDelaySeconds * 1000 }, this.#random)
        outcome.willRetryAt = new Date(this.clock.now().getTime() + delay)
        this.#queue.push({ job: ready.job, attempt: ready.attempt + 1, readyAt: outcome.willRetryAt.getTime() })
        state.queued += 1
      }
      this.#finished(outcome, !retry)
    }
  }

  /** One attempt, with the state and log around it. */
  async #attempt(job: Job, attempt: number, dayLock: boolean, signal?: AbortSignal): Promise<JobOutcome> {
    const state = this.#state.get(job.dataset) as DatasetState
    state.running = { dates: job.dates, attempt, since: this.clock.now() }
    const current = (this.#current = new AbortController())
    this.log('INFO', 'worker:job', { dataset: job.dataset, dates: job.dates.join(','), attempt, status: 'started' })
    for (const listener of this.#startListeners) listener(job, attempt)
    try {
      return await runJob({
        project: this.project,
        job,
        attempt,
        timeoutMs: this.settings.timeoutSeconds * 1000,
        clock: this.clock,
        signal: signal ? AbortSignal.any([signal, current.signal]) : current.signal,
        dayLock,
        onEvent: (event) => this.log.exportEvent(event),
      })
    } finally {
      state.running = undefined
      this.#current = undefined
    }
  }

  /** Distributed mode: one pg-boss job (the queue holds the advisory lock and the ledger). */
  async #handleRemote(job: Job, context: { signal: AbortSignal; attempt: number }): Promise<{ ok: boolean; transient?: boolean; rows?: number; files?: number; error?: { code: string; message: string } }> {
    const outcome = await this.#attempt(job, context.attempt, false, context.signal)
    const retry = outcome.status === 'failure' && outcome.error?.transient === true && context.attempt < this.settings.retries.attempts
    if (retry) outcome.willRetryAt = new Date(this.clock.now().getTime() + backoffDelay(context.attempt, { delayMs: this.settings.retries.delaySeconds * 1000, maxDelayMs: this.settings.retries.maxDelaySeconds * 1000 }, this.#random))
    this.#finished(outcome, !retry)
    const written = outcome.result?.files.filter((file) => file.status === 'written') ?? []
    return {
      ok: outcome.status === 'success',
      ...(outcome.error ? { transient: outcome.error.transient || outcome.status === 'aborted', error: { code: outcome.error.code, message: outcome.error.message } } : {}),
      rows: written.reduce((sum, file) => sum + file.rows, 0),
      files: written.length,
    }
  }

  /** `--once` in distributed mode: works until the queue is empty. */
  async #drainRemote(): Promise<void> {
    const remote = this.#remote as JobQueue
    const working = remote.work((job, context) => this.#handleRemote(job, context))
    for (;;) {
      await this.clock.sleep(1000, this.#stop.signal)
      if (this.#stop.signal.aborted) break
      const counts = await remote.counts()
      if (counts.queued === 0 && counts.active === 0 && this.jobs.active === 0) break
    }
    await working
  }

  #finished(outcome: JobOutcome, final: boolean): void {
    const state = this.#state.get(outcome.job.dataset) as DatasetState
    state.lastRun = outcome
    const written = outcome.result?.files.filter((file) => file.status === 'written') ?? []
    const fields = {
      dataset: outcome.job.dataset,
      dates: outcome.job.dates.join(',') || '-',
      attempt: outcome.attempt,
      status: outcome.status,
      duration_ms: outcome.durationMs,
      ...(outcome.result ? { files: written.length, rows: written.reduce((sum, file) => sum + file.rows, 0) } : {}),
      ...(outcome.error ? { code: outcome.error.code, error: outcome.error.message } : {}),
      ...(outcome.willRetryAt ? { retry_at: outcome.willRetryAt.toISOString() } : {}),
    }
    if (outcome.status === 'success' || outcome.status === 'done-elsewhere') {
      state.lastSuccess = outcome.finishedAt
      this.log('INFO', 'worker:job', fields)
    } else {
      state.lastError = { dates: outcome.job.dates, code: outcome.error?.code ?? 'INTERNAL', message: outcome.error?.message ?? '', at: outcome.finishedAt }
      this.log(final ? 'ERROR' : 'WARN', 'worker:job', fields)
    }
    for (const listener of this.#listeners) {
      try {
        listener(outcome, final)
      } catch (error) {
        this.log('ERROR', 'worker:listener', { error: error instanceof Error ? error.message : String(error) })
      }
    }
  }

  /** Bytes and files a dataset has in the output (for `/metrics`). */
  async stored(name: string): Promise<{ bytes: number; files: number }> {
    const definition = this.datasets.find((candidate) => candidate.name === name) as DatasetDefinition
    let bytes = 0
    let files = 0
    for await (const object of listDatasetFiles(this.project.storage, compileDataset(definition).layout)) {
      bytes += object.size
      files += 1
    }
    return { bytes, files }
  }
}

function compareJobs(a: Job, b: Job): number {
  return (a.dates[0] ?? '').localeCompare(b.dates[0] ?? '') || a.dataset.localeCompare(b.dataset)
}
