import { ParquetryError, wrapError } from '@parquetry/schema'
import pg from 'pg'
import PgBoss from 'pg-boss'
import type { Job } from '../types.js'
import { bossDb, countJobs, spendAttempts } from './boss-tables.js'
import { enqueueJobs } from './enqueue.js'
import { SETUP_LOCK_CLASS } from './advisory-lock.js'
import { completedDates, ensureLedger } from './ledger.js'
import { resolveQueueOptions, type DistributedQueueOptions, type QueueSettings } from './options.js'
import { isIsoDate, parseJob } from './payload.js'
import { runJobOnce, type DispositionError, type JobDisposition, type JobHandler } from './run-job.js'
import { describeDatabase } from './sql-names.js'

export type { DistributedQueueOptions } from './options.js'
export type { HandlerResult, JobContext, JobHandler, QueueLog, SkipListener, SkipReason } from './run-job.js'

/** How long a run may ignore its aborted signal before shutdown goes on without it. */
const ABORT_WAIT_MS = 10_000
/** How long a job may wait in the queue before pg-boss archives it unstarted. */
const RETENTION_MINUTES = 7 * 24 * 60

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    void promise.finally(() => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/**
 * Export jobs shared by every worker on one PostgreSQL database: pg-boss
 * queues and retries them, and each (dataset, date) is exported once across
 * all workers — an advisory lock keeps two workers off the same date at the
 * same time, and a ledger table records what is done, so a job that comes
 * back (expired, its worker killed, enqueued again) finds it there and stops.
 * Made with {@link DistributedQueue.create}.
 */
export class DistributedQueue {
  readonly #settings: QueueSettings
  readonly #boss: PgBoss
  readonly #pool: pg.Pool
  #loop: Promise<void> | undefined
  #stopping = false
  #stopped: Promise<void> | undefined
  #wake: (() => void) | undefined
  #running: AbortController | undefined

  private constructor(settings: QueueSettings, boss: PgBoss, pool: pg.Pool) {
    this.#settings = settings
    this.#boss = boss
    this.#pool = pool
  }

  /**
   * Starts pg-boss on the database (creating or migrating its schema), creates
   * or updates the queue (policy 'stately', the retry and expiry options) and
   * the ledger table when missing. Bad options throw `CONFIG_INVALID`;
   * PostgreSQL failures `QUERY_FAILED`.
   */
  static async create(options: DistributedQueueOptions): Promise<DistributedQueue> {
    const settings = resolveQueueOptions(options)
    const { log, queue } = settings
    const pool = new pg.Pool({ connectionString: settings.connectionString, max: 5, application_name: 'parquetry-worker' })
    pool.on('error', (error) => log('WARN', { event: 'pool_error', message: error.message }))
    const boss = new PgBoss({
      db: bossDb(pool),
      schema: settings.bossSchema,
      // No cron: the worker's scheduler enqueues. Supervision expires the jobs of
      // lost workers (and archives); checking at least twice per expiry period
      // brings a lost job back soon after it expires.
      schedule: false,
      supervise: true,
      maintenanceIntervalSeconds: Math.min(120, Math.max(1, Math.floor(settings.expireInSeconds / 2))),
    })
    boss.on('error', (error) => log('ERROR', { event: 'boss_error', message: error.message }))
    try {
      const setup = await pool.connect()
      try {
        // Workers starting together on one database set it up one at a time: pg-boss's install and two
        // createQueue/updateQueue of one queue at once deadlock (seen with three workers on a fresh database).
        await setup.query('SELECT pg_advisory_lock($1::int, hashtext($2))', [SETUP_LOCK_CLASS, settings.bossSchema])
        await setUp(boss, setup, settings)
      } finally {
        await setup.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [SETUP_LOCK_CLASS, settings.bossSchema]).catch(() => undefined)
        setup.release()
      }
    } catch (error) {
      await boss.stop({ graceful: false, close: false }).catch(() => undefined)
      await pool.end().catch(() => undefined)
      throw wrapError(error, 'QUERY_FAILED', `distributed queue: could not start on ${describeDatabase(settings.connectionString)}`)
    }
    log('INFO', { event: 'queue_started', database: describeDatabase(settings.connectionString), schema: settings.bossSchema, queue, worker: settings.workerId })
    return new DistributedQueue(settings, boss, pool)
  }

  /**
   * Sends one pg-boss job per (dataset, date), singletonKey `dataset:date`,
   * and returns how many were accepted. Refused: dates the ledger records, and
   * dates with a job already queued, retrying or running (see
   * {@link enqueueJobs}). `VALUE_INVALID` for a bad job, `QUERY_FAILED` for
   * PostgreSQL.
   */
  async enqueue(jobs: readonly Job[]): Promise<number> {
    const { queue, ledgerTable, quotedBossSchema } = this.#settings
    return enqueueJobs({ jobs, pool: this.#pool, boss: this.#boss, queue, ledgerTable, bossSchema: quotedBossSchema })
  }

  /** Dates of `dataset` from `from` to `to` (inclusive, `YYYY-MM-DD`) that the ledger records as exported. */
  async completed(dataset: string, from: string, to: string): Promise<Set<string>> {
    for (const date of [from, to]) if (!isIsoDate(date)) throw new ParquetryError('VALUE_INVALID', `distributed queue: not a YYYY-MM-DD date: ${JSON.stringify(date)}`)
    try {
      return await completedDates(this.#pool, this.#settings.ledgerTable, dataset, from, to)
    } catch (error) {
      throw wrapError(error, 'QUERY_FAILED', `distributed queue: could not read the ledger ${this.#settings.ledgerTable}`)
    }
  }

  /**
   * Starts taking jobs, one at a time: fetch, run the exactly-once protocol,
   * tell pg-boss how it ended, fetch again (or wait pollingIntervalSeconds when
   * the queue is empty). Returns once started; `USAGE` when called twice or
   * after stop().
   */
  async work(handler: JobHandler): Promise<void> {
    if (this.#stopping) throw new ParquetryError('USAGE', 'distributed queue: work() after stop()')
    if (this.#loop) throw new ParquetryError('USAGE', 'distributed queue: work() was already called')
    this.#loop = this.#poll(handler)
  }

  // Our own fetch loop rather than pg-boss's work(): its handler wrapper
  // (src/manager.js, watch) stops waiting for a handler at expireInSeconds and
  // fetches the next job while the first still runs, and it calls complete()
  // and fail() without awaiting them, so a PostgreSQL outage at that moment
  // is an unhandled rejection that ends the process.
  async #poll(handler: JobHandler): Promise<void> {
    const { queue, log } = this.#settings
    while (!this.#stopping) {
      let job: PgBoss.JobWithMetadata<unknown> | undefined
      try {
        ;[job] = await this.#boss.fetch<unknown>(queue, { batchSize: 1, includeMetadata: true })
      } catch (error) {
        log('ERROR', { event: 'fetch_failed', queue, message: error instanceof Error ? error.message : String(error) })
      }
      if (job === undefined) await this.#idle()
      else await this.#runJob(job, handler)
    }
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.#wake = undefined
        resolve()
      }
      const timer = setTimeout(done, this.#settings.pollingMs)
      this.#wake = done
    })
  }

  async #runJob(job: PgBoss.JobWithMetadata<unknown>, handler: JobHandler): Promise<void> {
    const { connectionString, ledgerTable, workerId, log, onSkip } = this.#settings
    let disposition: JobDisposition
    try {
      const parsed = parseJob(job.data)
      const controller = new AbortController()
      this.#running = controller
      try {
        disposition = await runJobOnce({ job: parsed, jobId: job.id, attempt: job.retryCount + 1, connectionString, ledgerTable, workerId, handler, signal: controller.signal, log, onSkip })
      } finally {
        this.#running = undefined
      }
    } catch (error) {
      disposition = { kind: 'fail', error: { code: 'VALUE_INVALID', message: error instanceof Error ? error.message : String(error) } }
    }
    await this.#settle(job.id, disposition)
  }

  // Errors here are logged, not thrown: a job left active expires and comes
  // back, and the ledger then settles it.
  async #settle(jobId: string, disposition: JobDisposition): Promise<void> {
    const { queue, log, workerId } = this.#settings
    try {
      if (disposition.kind === 'complete') {
        await this.#boss.complete(queue, jobId, disposition.output)
      } else if (disposition.kind === 'retry') {
        if (disposition.error.code !== 'LOCKED') log('WARN', { event: 'will_retry', jobId, worker: workerId, ...disposition.error })
        await this.#boss.fail(queue, jobId, disposition.error)
      } else {
        log('ERROR', { event: 'failed', jobId, worker: workerId, ...disposition.error })
        await this.#failForGood(jobId, disposition.error)
      }
    } catch (error) {
      log('ERROR', { event: 'settle_failed', jobId, queue, message: error instanceof Error ? error.message : String(error) })
    }
  }

  // pg-boss 10 has no fail without retry; spending the job's remaining attempts
  // in the same transaction makes this fail() final: state 'failed'.
  async #failForGood(jobId: string, error: DispositionError): Promise<void> {
    const { queue, quotedBossSchema } = this.#settings
    const client = await this.#pool.connect()
    try {
      await client.query('BEGIN')
      await spendAttempts(client, quotedBossSchema, queue, jobId)
      await this.#boss.fail(queue, jobId, { ...error, retry: false }, { db: bossDb(client) })
      await client.query('COMMIT')
    } catch (failure) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw failure
    } finally {
      client.release()
    }
  }

  /** Jobs of the queue waiting (created or waiting to retry) and running, read in one query. */
  async counts(): Promise<{ queued: number; active: number }> {
    const { queue, quotedBossSchema } = this.#settings
    try {
      return await countJobs(this.#pool, quotedBossSchema, queue)
    } catch (error) {
      throw wrapError(error, 'QUERY_FAILED', `distributed queue: could not count the jobs of ${queue}`)
    }
  }

  /**
   * Stops taking jobs; waits up to graceMs (default 30 000) for the running
   * one, then aborts its signal (reason: a `ABORTED` ParquetryError) and waits
   * up to 10 s more for it to end — an aborted run is retried later, by any
   * worker. Then stops pg-boss and closes the pool. Resolves, never rejects;
   * calling it again returns the same promise.
   */
  stop(options: { graceMs?: number } = {}): Promise<void> {
    this.#stopped ??= this.#shutdown(options.graceMs ?? 30_000)
    return this.#stopped
  }

  async #shutdown(graceMs: number): Promise<void> {
    const { log, workerId } = this.#settings
    this.#stopping = true
    this.#wake?.()
    if (this.#loop && !(await settlesWithin(this.#loop, graceMs))) {
      log('WARN', { event: 'shutdown_abort', worker: workerId, graceMs })
      this.#running?.abort(new ParquetryError('ABORTED', `distributed queue: worker ${workerId} is shutting down`))
      if (!(await settlesWithin(this.#loop, ABORT_WAIT_MS))) log('ERROR', { event: 'shutdown_abandoned', worker: workerId })
    }
    await this.#boss.stop({ graceful: false, close: false }).catch((error: unknown) => log('ERROR', { event: 'boss_stop_failed', message: error instanceof Error ? error.message : String(error) }))
    await this.#pool.end().catch((error: unknown) => log('ERROR', { event: 'pool_end_failed', message: error instanceof Error ? error.message : String(error) }))
    log('INFO', { event: 'queue_stopped', worker: workerId })
  }

  /** Resolves when PostgreSQL answers (for /readyz); `QUERY_FAILED` otherwise. */
  async ping(): Promise<void> {
    try {
      await this.#pool.query('SELECT 1')
    } catch (error) {
      throw wrapError(error, 'QUERY_FAILED', `distributed queue: ${describeDatabase(this.#settings.connectionString)} does not answer`)
    }
  }
}

/**
 * Starts pg-boss (installing or migrating its schema), creates or updates the
 * queue and creates the ledger table when missing; `client` holds the setup lock.
 */
async function setUp(boss: PgBoss, client: pg.PoolClient, settings: QueueSettings): Promise<void> {
  const { queue } = settings
  await boss.start()
  const queueOptions: PgBoss.Queue = {
    name: queue,
    policy: 'stately',
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: settings.expireInSeconds,
    retentionMinutes: RETENTION_MINUTES,
  }
  // createQueue keeps an existing queue as it is; updateQueue applies changed options.
  await boss.createQueue(queue, queueOptions)
  await boss.updateQueue(queue, queueOptions)
  await ensureLedger(client, settings.ledgerTable)
}
