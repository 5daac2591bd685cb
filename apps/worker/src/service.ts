import { openProject, type Project, type ResolvedWorkerConfig } from '@parquetry/pipeline'
import { isParquetryError } from '@parquetry/schema'
import type { Clock } from './clock.js'
import type { WorkerOutput } from './log.js'
import { startHttpServer, type ReadyCheck, type WorkerHttpServer } from './observability/http-server.js'
import { WorkerMetrics } from './observability/metrics.js'
import { WebhookNotifier } from './notify/webhook.js'
import { workerStatus } from './status.js'
import type { JobOutcome } from './types.js'
import { Worker, type JobQueue } from './worker.js'

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** Folder the config path and relative paths resolve against. */
  cwd: string
  /** Config file (default ./parquetry.config.json, else the defaults). */
  config?: string
  env?: Readonly<Record<string, string | undefined>>
  /** Only these datasets (default: every enabled one with a schedule). */
  datasets?: readonly string[]
  /** Settings replacing the config's `worker` ones. */
  settings?: Partial<ResolvedWorkerConfig>
  output?: WorkerOutput
  clock?: Clock
  random?: () => number
  /** `once` only: aborting stops the run gracefully (SIGTERM). */
  signal?: AbortSignal
}

/** A running worker with its HTTP server, metrics and notifications. */
export interface WorkerService {
  readonly worker: Worker
  readonly metrics: WorkerMetrics
  /** The HTTP server, when one is configured. */
  readonly http: WorkerHttpServer | undefined
  /** Graceful stop: see {@link Worker.stop}; then the server, the queue and the storage close. */
  stop(options?: { graceMs?: number; reason?: string }): Promise<void>
}

/**
 * Assembles `parquetry-worker`: the project from the config, the queue in
 * distributed mode (`worker.queue` set), metrics, the webhook and the HTTP
 * server; `once` runs what is due and resolves with the outcomes, else the
 * schedules start and the service is returned running.
 *
 * @throws ParquetryError `CONFIG_INVALID` for an invalid config or schedule (before anything runs).
 */
export async function startWorker(options: StartWorkerOptions & { once: true }): Promise<{ outcomes: JobOutcome[]; ok: boolean }>
export async function startWorker(options: StartWorkerOptions & { once?: false }): Promise<WorkerService>
export async function startWorker(options: StartWorkerOptions & { once?: boolean }): Promise<WorkerService | { outcomes: JobOutcome[]; ok: boolean }> {
  const env = options.env ?? process.env
  // One clock for the worker and the project it runs: which days are due, which days of a table are over, retention.
  const clock = options.clock
  const project = await openProject({ cwd: options.cwd, ...(options.config ? { path: options.config } : {}), env, ...(clock ? { now: () => clock.now() } : {}) })
  const settings: ResolvedWorkerConfig = { ...project.config.worker, ...options.settings }
  let queue: JobQueue | undefined
  let http: WorkerHttpServer | undefined
  try {
    const id = `${(await import('node:os')).hostname()}:${process.pid}`
    if (settings.queue) queue = await openQueue(settings, env, id, options.output)
    const worker = new Worker({ project, settings, id, ...(options.datasets ? { datasets: options.datasets } : {}), ...(options.clock ? { clock: options.clock } : {}), ...(options.output ? { output: options.output } : {}), ...(options.random ? { random: options.random } : {}), ...(queue ? { queue } : {}) })
    const metrics = new WorkerMetrics({ datasets: worker.datasets.map((definition) => definition.name) })
    const notifier = settings.webhook ? new WebhookNotifier({ url: settings.webhook.url, onSuccess: settings.webhook.onSuccess, log: (level, fields) => worker.log(level, 'worker:webhook', fields) }) : undefined
    const measure = async (dataset: string) => {
      try {
        const stored = await worker.stored(dataset)
        metrics.setStored(dataset, stored.bytes, stored.files)
      } catch (error) {
        worker.log('WARN', 'worker:metrics', { dataset, error: error instanceof Error ? error.message : String(error) })
      }
    }
    const updateJobs = async () => {
      const counts = queue ? await queue.counts().catch(() => undefined) : worker.jobs
      if (counts) metrics.setJobs(counts.queued, Math.max(counts.active, worker.jobs.active))
    }
    worker.onStart(() => void updateJobs())
    worker.onOutcome((outcome) => {
      metrics.record(outcome)
      notifier?.notify(outcome, { worker: worker.id })
      void updateJobs()
      if (outcome.result?.files.some((file) => file.status === 'written' || file.status === 'removed')) void measure(outcome.job.dataset)
    })
    await Promise.all(worker.datasets.map((definition) => measure(definition.name)))
    if (options.once) {
      const stop = () => void worker.stop({ reason: String((options.signal?.reason as Error | undefined)?.message ?? 'stopped') })
      options.signal?.addEventListener('abort', stop, { once: true })
      try {
        const outcomes = await worker.runDue()
        // Through the queue, an attempt that failed and went back to it is retried by whichever worker
        // takes it next, and judged there: it fails this run only when it was the job's last.
        const finals = lastAttempts(outcomes).filter((outcome) => !(queue && outcome.willRetryAt))
        return { outcomes, ok: finals.every((outcome) => outcome.status === 'success' || outcome.status === 'done-elsewhere') }
      } finally {
        options.signal?.removeEventListener('abort', stop)
        await notifier?.flush(10_000)
        await queue?.stop({ graceMs: 0 }).catch(() => undefined)
        await project.close()
      }
    }
    if (settings.http) {
      http = await startHttpServer({
        host: settings.http.host,
        port: settings.http.port,
        metrics,
        ready: () => readyChecks(project, queue, env),
        status: () => workerStatus(worker),
      })
      worker.log('INFO', 'worker:http', { url: http.url })
    }
    const poll = setInterval(() => void updateJobs(), 5_000)
    poll.unref()
    worker.start()
    const server = http
    return {
      worker,
      metrics,
      http: server,
      stop: async (stopOptions = {}) => {
        clearInterval(poll)
        await worker.stop(stopOptions)
        await notifier?.flush(10_000)
        await server?.close()
        await project.close()
        worker.log('INFO', 'worker:stopped', { worker: worker.id })
      },
    }
  } catch (error) {
    await queue?.stop({ graceMs: 0 }).catch(() => undefined)
    await http?.close().catch(() => undefined)
    await project.close().catch(() => undefined)
    throw error
  }
}

/** The last attempt of each job: what `--once` judges its exit status by. */
function lastAttempts(outcomes: readonly JobOutcome[]): JobOutcome[] {
  const last = new Map<string, JobOutcome>()
  for (const outcome of outcomes) last.set(`${outcome.job.dataset}:${outcome.job.dates.join(',')}`, outcome)
  return [...last.values()]
}

async function openQueue(settings: ResolvedWorkerConfig, env: Readonly<Record<string, string | undefined>>, workerId: string, output: StartWorkerOptions['output']): Promise<JobQueue> {
  const { DistributedQueue } = await import('./distributed/queue.js')
  const { createWorkerLog } = await import('./log.js')
  const log = createWorkerLog(output ?? process)
  const queueSettings = settings.queue as NonNullable<ResolvedWorkerConfig['queue']>
  const connectionString = queueSettings.connection ?? env['DATABASE_URL'] ?? libpqUrl(env)
  return DistributedQueue.create({
    connectionString,
    schema: queueSettings.schema,
    ledgerTable: queueSettings.ledgerTable,
    // pg-boss must not take a job back from a worker still inside its timeout (and grace).
    expireInSeconds: Math.ceil(settings.timeoutSeconds + settings.graceSeconds + 15),
    retryLimit: Math.max(0, settings.retries.attempts - 1),
    retryDelaySeconds: settings.retries.delaySeconds,
    workerId,
    log: (level, fields) => log(level, 'worker:queue', fields),
  })
}

/** A postgres:// URL from libpq's PG* variables (the queue needs one connection string). */
function libpqUrl(env: Readonly<Record<string, string | undefined>>): string {
  const url = new URL('postgres://localhost:5432/postgres')
  if (env['PGHOST']) url.hostname = env['PGHOST']
  if (env['PGPORT']) url.port = env['PGPORT']
  if (env['PGUSER']) url.username = encodeURIComponent(env['PGUSER'])
  if (env['PGPASSWORD']) url.password = encodeURIComponent(env['PGPASSWORD'])
  if (env['PGDATABASE']) url.pathname = `/${encodeURIComponent(env['PGDATABASE'])}`
  return url.toString()
}

/** `/readyz`: the config loaded (it did, or nothing would run), the storage answers, and each PostgreSQL the worker uses. */
async function readyChecks(project: Project, queue: JobQueue | undefined, env: Readonly<Record<string, string | undefined>>): Promise<ReadyCheck[]> {
  const checks: ReadyCheck[] = [{ name: 'config', ok: true, detail: project.config.path ?? 'defaults' }]
  try {
    await project.storage.stat('_parquetry/ready-check')
    checks.push({ name: 'storage', ok: true, detail: project.config.output })
  } catch (error) {
    checks.push({ name: 'storage', ok: false, detail: error instanceof Error ? error.message : String(error) })
  }
  if (queue) {
    try {
      await queue.ping()
      checks.push({ name: 'queue', ok: true })
    } catch (error) {
      checks.push({ name: 'queue', ok: false, detail: error instanceof Error ? error.message : String(error) })
    }
  }
  const sources = project.config.datasets.filter((dataset) => dataset.enabled && (dataset.kind === 'pageviews' || dataset.kind === 'postgres'))
  if (sources.length > 0) {
    const { connectPostgres } = await import('@parquetry/sources/postgres')
    for (const dataset of sources) {
      const connection = (dataset as { connection?: string }).connection
      try {
        const session = await connectPostgres({ ...(connection ? { connectionString: connection } : {}), env })
        try {
          await session.query('SELECT 1')
        } finally {
          await session.close()
        }
        checks.push({ name: `postgres:${dataset.name}`, ok: true })
      } catch (error) {
        checks.push({ name: `postgres:${dataset.name}`, ok: false, detail: isParquetryError(error) ? error.message : String(error) })
      }
    }
  }
  return checks
}
