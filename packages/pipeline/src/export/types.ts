import type { Reject } from '@parquetry/sources'

/** What happened to one output file. */
export type FileStatus = 'written' | 'skipped' | 'would-write' | 'failed'

/** One output file of an export. */
export interface ExportFileResult {
  dataset: string
  /** Partition date. */
  date: string
  /** Path under the output root. */
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
  /** The inputs that fed this file. */
  sources: { identity: string; checksum: string; bytes: number }[]
  /** Why it was skipped or failed. */
  reason?: string
}

/** Rejected rows of one input file. */
export interface InputRejects {
  input: string
  read: number
  rejected: number
  /** Over the configured threshold: the files it feeds are not written. */
  overThreshold: boolean
  rejectsFile?: string
  /** The first rejects, with locations. */
  examples: Reject[]
}

/** One dataset's part of an export. */
export interface ExportDatasetResult {
  dataset: string
  inputs: { identity: string; bytes: number }[]
  /** Inputs that were expected but not found (reported and skipped). */
  missing: string[]
  files: ExportFileResult[]
  rejects: InputRejects[]
  /** Rows dated outside the requested dates (left for the export of their own dates). */
  rowsOutsideDates: number
  /** Set when the dataset could not be exported at all. */
  error?: { code: string; message: string }
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
  | { type: 'progress'; dataset: string; identity: string; bytesRead: number; bytes: number }
  | { type: 'rejects'; dataset: string; rejects: InputRejects }
  | { type: 'file'; file: ExportFileResult }
  | { type: 'dataset-error'; dataset: string; error: { code: string; message: string } }
