import type { ExportDatasetResult } from '@parquetry/pipeline'

/**
 * One unit of work: a dataset of the config and the partition dates to export.
 * Serialisable (it is the payload of a pg-boss job): the definition is
 * resolved through the config by name on whichever worker runs it.
 */
export interface Job {
  dataset: string
  /** Partition dates, `YYYY-MM-DD`, oldest first. The scheduler makes one job per date. */
  dates: string[]
}

/** A job's failure, as the engine reported it. */
export interface JobError {
  code: string
  message: string
  /** A failure worth retrying (network, S3 5xx, a lock held, PostgreSQL restarting); never bad input. */
  transient: boolean
}

/** How one attempt of a job ended. */
export type JobStatus =
  /** Exported (or already exported: files skipped as unchanged). */
  | 'success'
  /** Failed; `willRetryAt` says whether another attempt follows. */
  | 'failure'
  /** Stopped by its timeout or by shutdown: nothing partial was kept. */
  | 'aborted'
  /** Another worker had already done it (the ledger has the day): nothing was run. */
  | 'done-elsewhere'

/** The outcome of one attempt of a job: what the metrics, `/status` and the webhook report. */
export interface JobOutcome {
  job: Job
  status: JobStatus
  /** 1 for the first attempt. */
  attempt: number
  startedAt: Date
  finishedAt: Date
  durationMs: number
  /** The engine's result for the dataset (absent when nothing ran). */
  result?: ExportDatasetResult
  error?: JobError
  /** When the next attempt is due, for a failure that will be retried. */
  willRetryAt?: Date
}
