import type { Notice, Reject, Skip } from '@parquetry/sources'
import type { SourceInfo } from '@parquetry/writer'

/** What happened to one output file. */
export type FileStatus = 'written' | 'skipped' | 'would-write' | 'failed' | 'removed' | 'would-remove'

/** One output file of an export. */
export interface ExportFileResult {
  dataset: string
  /** Partition date. */
  date: string
  /** Path under the storage root. */
  path: string
  /** File name (`query_perf_20251028.parquet`). */
  file: string
  status: FileStatus
  rows: number
  /** Size of the written (or existing, when skipped) file. */
  bytes?: number
  /** Bytes of the inputs behind these rows (each input's share by its rows). */
  sourceBytes: number
  /** Space saved against those bytes, percent (82.7). */
  ratio?: number
  /** The inputs considered for this file's date, with the rows each gave this file. */
  sources: SourceInfo[]
  /** Why it was skipped, failed or removed. */
  reason?: string
  /** A failure a later attempt may get past (network, S3 5xx, PostgreSQL restarting): see `isTransientError`. */
  transient?: true
}

/** Rejected rows (and skipped lines) of one input. */
export interface InputRejects {
  input: string
  /** Records read (rows and problems; skipped lines apart). */
  read: number
  rejected: number
  /** Over the configured threshold: the files it feeds are not written. */
  overThreshold: boolean
  /** Where every reject was written: a storage path under the rejects location. */
  rejectsFile?: string
  /** The first rejects, with locations. */
  examples: Reject[]
  /** Lines that were not data (free text in an event log): reported, never a failure. */
  skipped: number
  /** The first skipped lines, with locations. */
  skips: Skip[]
  /**
   * Warnings about the input's shape: header columns no schema column reads
   * (a typo, `cpu_tme_ms`), schema columns the input lacks (NULL in every
   * row). Never rejects; `strictHeader` makes a CSV header mismatch fail the input.
   */
  noticed: number
  notices: Notice[]
}

/** One dataset's part of an export. */
export interface ExportDatasetResult {
  dataset: string
  /** Inputs read (parsed) in this run. */
  inputs: { identity: string; bytes: number }[]
  /** Inputs that were expected but not found (reported and skipped). */
  missing: string[]
  files: ExportFileResult[]
  rejects: InputRejects[]
  /** Rows dated outside the requested dates (left for the export of their own dates). */
  rowsOutsideDates: number
  /** Those rows by date. */
  outsideDates: Record<string, number>
  /** Inputs that could not be read, and steps after a commit that failed: each fails the run. */
  failures: ExportFailure[]
  /** Steps taken after the export by the dataset's `afterExport` (rows deleted from the source, ledger records). */
  actions: ExportAction[]
  /** Set when the dataset could not be exported at all (`transient`: another attempt may succeed, e.g. `LOCKED`). */
  error?: { code: string; message: string; transient?: true }
}

/** An input that could not be read (its dates are not written), or an `afterCommit` step that failed. */
export interface ExportFailure {
  input?: string
  path?: string
  code: string
  message: string
  /** A failure a later attempt may get past (see `isTransientError`); absent for bad input. */
  transient?: true
}

/** A step a dataset's `afterExport` took, or on a dry run would take. */
export interface ExportAction {
  /** What kind of step: `deleted`, `would-delete`, `kept`, `recorded`, ... */
  action: string
  /** The partition date it concerns. */
  date?: string
  /** Rows it concerns (deleted, kept). */
  rows?: number
  /** One line for people. */
  detail: string
  /** `warn` for a step that was refused or that left something to do. Default `info`. */
  level?: 'info' | 'warn'
}

/** The result of {@link runExport}. */
export interface ExportResult {
  ok: boolean
  dryRun: boolean
  datasets: ExportDatasetResult[]
  written: number
  skipped: number
  failed: number
  /** Wall-clock time of the run. */
  durationMs: number
}

/** Progress and outcomes as they happen, for logs and progress bars. */
export type ExportEvent =
  | { type: 'input'; dataset: string; identity: string; bytes: number }
  | { type: 'missing'; dataset: string; what: string }
  | { type: 'progress'; dataset: string; identity: string; phase: 'digest' | 'read'; bytesRead: number; bytes: number }
  | { type: 'rejects'; dataset: string; rejects: InputRejects }
  | { type: 'file'; file: ExportFileResult }
  | { type: 'failure'; dataset: string; failure: ExportFailure }
  | { type: 'dataset-error'; dataset: string; error: { code: string; message: string } }
  /** A file already there whose column chunks do not match their checksums: its date is rebuilt (when its inputs allow). */
  | { type: 'damaged'; dataset: string; path: string; reason: string }
  /** A rejects file an earlier run left that no longer holds: its input was fixed (`path` is the input) or is gone (`path` is the file). */
  | { type: 'rejects-removed'; dataset: string; path: string; reason: string }
  /** Dates outside the selection that this run rewrites as well, and why. */
  | { type: 'also'; dataset: string; dates: string[]; reason: string }
  /** A step of the dataset's `afterExport` (see {@link ExportAction}). */
  | { type: 'action'; dataset: string; action: ExportAction }
  /** Another export holds the dataset's lock: this one waits (see `ExportOptions.lock`). */
  | { type: 'lock-wait'; dataset: string; holder: string }
