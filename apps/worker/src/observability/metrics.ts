import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { JobOutcome, JobStatus } from '../types.js'

/** Options for {@link WorkerMetrics}. */
export interface WorkerMetricsOptions {
  /** The config's datasets: their counters are exposed at 0 from the start. */
  datasets: readonly string[]
  /** Prefix of every metric name, the process metrics' too. Default `parquetry_`. */
  prefix?: string
}

const statuses: readonly JobStatus[] = ['success', 'failure', 'aborted', 'done-elsewhere']

/** From 50 ms to an hour: a day of a small CSV to a year-long PostgreSQL backfill job. */
const durationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600]

/**
 * The worker's Prometheus metrics, in a registry of their own (never
 * prom-client's global one, so two workers in a process, or a test, do not
 * collide), with prom-client's process metrics under the same prefix.
 *
 * Names and labels (prefix `parquetry_`):
 * - `job_runs_total{dataset,status}`, `job_failures_total{dataset,code}` counters
 * - `rows_written_total`, `bytes_written_total`, `files_written_total` counters `{dataset}`
 * - `compression_ratio{dataset}` gauge: percent space saved by the last attempt that
 *   wrote files of known input size
 * - `job_duration_seconds{dataset,status}` histogram
 * - `last_success_timestamp_seconds`, `bytes_stored`, `files_stored` gauges `{dataset}`
 * - `jobs{state="queued"|"active"}` gauge
 */
export class WorkerMetrics {
  readonly registry: Registry
  readonly contentType: string
  readonly #runs: Counter<'dataset' | 'status'>
  readonly #failures: Counter<'dataset' | 'code'>
  readonly #rowsWritten: Counter<'dataset'>
  readonly #bytesWritten: Counter<'dataset'>
  readonly #filesWritten: Counter<'dataset'>
  readonly #ratio: Gauge<'dataset'>
  readonly #duration: Histogram<'dataset' | 'status'>
  readonly #lastSuccess: Gauge<'dataset'>
  readonly #bytesStored: Gauge<'dataset'>
  readonly #filesStored: Gauge<'dataset'>
  readonly #jobs: Gauge<'state'>

  constructor(options: WorkerMetricsOptions) {
    const prefix = options.prefix ?? 'parquetry_'
    const registry = new Registry()
    const registers = [registry]
    this.registry = registry
    this.contentType = registry.contentType
    this.#runs = new Counter({
      name: `${prefix}job_runs_total`,
      help: 'Attempts of export jobs, by how they ended.',
      labelNames: ['dataset', 'status'],
      registers,
    })
    this.#failures = new Counter({
      name: `${prefix}job_failures_total`,
      help: 'Attempts that failed or were aborted, by error code (ABORTED for aborted).',
      labelNames: ['dataset', 'code'],
      registers,
    })
    this.#rowsWritten = new Counter({ name: `${prefix}rows_written_total`, help: 'Rows in Parquet files written.', labelNames: ['dataset'], registers })
    this.#bytesWritten = new Counter({ name: `${prefix}bytes_written_total`, help: 'Bytes of Parquet files written.', labelNames: ['dataset'], registers })
    this.#filesWritten = new Counter({ name: `${prefix}files_written_total`, help: 'Parquet files written.', labelNames: ['dataset'], registers })
    this.#ratio = new Gauge({
      name: `${prefix}compression_ratio`,
      help: 'Percent of space saved against the inputs by the last attempt that wrote files of known input size.',
      labelNames: ['dataset'],
      registers,
    })
    this.#duration = new Histogram({
      name: `${prefix}job_duration_seconds`,
      help: 'Duration of job attempts.',
      labelNames: ['dataset', 'status'],
      buckets: durationBuckets,
      registers,
    })
    this.#lastSuccess = new Gauge({
      name: `${prefix}last_success_timestamp_seconds`,
      help: 'When the last successful attempt finished, Unix time.',
      labelNames: ['dataset'],
      registers,
    })
    this.#bytesStored = new Gauge({ name: `${prefix}bytes_stored`, help: 'Bytes of the Parquet files stored.', labelNames: ['dataset'], registers })
    this.#filesStored = new Gauge({ name: `${prefix}files_stored`, help: 'Parquet files stored.', labelNames: ['dataset'], registers })
    this.#jobs = new Gauge({ name: `${prefix}jobs`, help: 'Jobs waiting (queued) and running (active).', labelNames: ['state'], registers })

    // Series that exist from the start make `rate()` and `increase()` right on a
    // worker's first failure. Failure codes are not known in advance, so that one waits.
    for (const dataset of options.datasets) {
      for (const status of statuses) this.#runs.labels(dataset, status).inc(0)
      this.#rowsWritten.labels(dataset).inc(0)
      this.#bytesWritten.labels(dataset).inc(0)
      this.#filesWritten.labels(dataset).inc(0)
    }
    collectDefaultMetrics({ register: registry, prefix })
  }

  /** Records one finished attempt. */
  record(outcome: JobOutcome): void {
    const { dataset } = outcome.job
    this.#runs.labels(dataset, outcome.status).inc()
    this.#duration.labels(dataset, outcome.status).observe(outcome.durationMs / 1000)
    if (outcome.status === 'failure' || outcome.status === 'aborted') {
      const code = outcome.status === 'aborted' ? 'ABORTED' : (outcome.error?.code ?? 'UNKNOWN')
      this.#failures.labels(dataset, code).inc()
    }
    if (outcome.status === 'success') this.#lastSuccess.labels(dataset).set(outcome.finishedAt.getTime() / 1000)

    // Files written count whatever the attempt's status: a failed multi-day job may have committed some days.
    const written = (outcome.result?.files ?? []).filter((file) => file.status === 'written')
    if (written.length === 0) return
    this.#filesWritten.labels(dataset).inc(written.length)
    this.#rowsWritten.labels(dataset).inc(written.reduce((sum, file) => sum + file.rows, 0))
    this.#bytesWritten.labels(dataset).inc(written.reduce((sum, file) => sum + (file.bytes ?? 0), 0))

    // Only files whose input size is known: a PostgreSQL day (sourceBytes 0) would make the ratio meaningless.
    const known = written.filter((file) => file.sourceBytes > 0 && file.bytes !== undefined)
    const sourceBytes = known.reduce((sum, file) => sum + file.sourceBytes, 0)
    if (sourceBytes > 0) {
      const bytes = known.reduce((sum, file) => sum + (file.bytes ?? 0), 0)
      this.#ratio.labels(dataset).set((1 - bytes / sourceBytes) * 100)
    }
  }

  /** Bytes stored and file count of a dataset (measured by the worker from storage). */
  setStored(dataset: string, bytes: number, files: number): void {
    this.#bytesStored.labels(dataset).set(bytes)
    this.#filesStored.labels(dataset).set(files)
  }

  /** Jobs waiting and running (local: the in-process queue; distributed: pg-boss counts). */
  setJobs(queued: number, active: number): void {
    this.#jobs.labels('queued').set(queued)
    this.#jobs.labels('active').set(active)
  }

  /** The Prometheus text exposition of every metric, served with {@link contentType}. */
  text(): Promise<string> {
    return this.registry.metrics()
  }
}
