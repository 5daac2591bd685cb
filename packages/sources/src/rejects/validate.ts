import { createRowParser, formatProblems, ParquetryError, type DatasetSchema, type Row, type RowParserOptions, type TypedValue } from '@parquetry/schema'
import type { RecordLocation, RecordSource } from '../types.js'
import type { Reject, Skip } from './rejects.js'
import { RejectsFile, type RejectsTarget } from './rejects-file.js'

/** Options for {@link validateRecords}. */
export interface ValidateOptions {
  source: RecordSource
  schema: DatasetSchema
  /** Adjusts a record's raw values before coercion (derive a partition date, split a field, ...). */
  transform?: (values: Record<string, unknown>, location: RecordLocation) => Record<string, unknown>
  /**
   * Columns computed from the typed row once the others are coerced (the
   * parser skips them), e.g. `{ date_partition: (row) => dateOf(row.timestamp) }`.
   */
  derive?: Readonly<Record<string, (row: Row) => TypedValue>>
  /** What to do with raw keys that are not columns. Default `'ignore'`. */
  unknownKeys?: RowParserOptions['unknownKeys']
  /** Rejects kept in memory for the summary (all are counted). Default 1,000. */
  keepRejects?: number
  /**
   * Write every reject to this NDJSON file: a local path, or a function that
   * opens a sink (a storage `Sink` fits), called at the first reject and
   * committed when the read ends.
   */
  rejectsFile?: RejectsTarget
  /** Stop with `REJECTS_EXCEEDED` as soon as more than this many records are rejected. */
  maxRejects?: number
}

/** Counts of a validation, filled in as it proceeds. */
export interface ValidationSummary {
  /** Records and problems read from the source. */
  read: number
  accepted: number
  rejected: number
  /** The first `keepRejects` rejects. */
  rejects: Reject[]
  /** Lines the source skipped as not data (free text in an event log); not counted in `read`. */
  skipped: number
  /** The first `keepRejects` skips, with their locations. */
  skips: Skip[]
  /** Path of the rejects file, once one was written. */
  rejectsFile?: string
}

/** Typed rows in batches, plus the running summary. */
export interface ValidatedRows extends AsyncIterable<Row[]> {
  readonly summary: ValidationSummary
}

/**
 * Coerces a source's records into typed rows of `schema`. A source problem or
 * a record that does not fit is never dropped silently: it is counted, kept
 * (up to `keepRejects`) with its location and reason, and written to the
 * rejects file when asked. Whether the rejects fail the run is the caller's
 * decision (`assertRejects`), except that `maxRejects` stops early.
 */
export function validateRecords(options: ValidateOptions): ValidatedRows {
  const summary: ValidationSummary = { read: 0, accepted: 0, rejected: 0, rejects: [], skipped: 0, skips: [] }
  return {
    summary,
    async *[Symbol.asyncIterator]() {
      const derived = Object.entries(options.derive ?? {})
      const parse = createRowParser(options.schema, { ...(options.unknownKeys ? { unknownKeys: options.unknownKeys } : {}), skip: derived.map(([name]) => name) })
      const keep = options.keepRejects ?? 1000
      // Made on the first reject only: a clean input leaves no empty rejects file behind.
      let file: RejectsFile | undefined
      try {
        for await (const batch of options.source) {
          const rows: Row[] = []
          const rejects: Reject[] = []
          for (const item of batch) {
            if (item.kind === 'skip') {
              summary.skipped++
              if (summary.skips.length < keep) summary.skips.push({ location: item.location, reason: item.reason, ...(item.raw !== undefined ? { raw: item.raw } : {}) })
              continue
            }
            summary.read++
            if (item.kind === 'problem') {
              rejects.push({ location: item.location, reason: item.reason, ...(item.raw !== undefined ? { raw: item.raw } : {}) })
              continue
            }
            const values = options.transform ? options.transform(item.values, item.location) : item.values
            const result = parse(values)
            if (result.ok) {
              for (const [name, compute] of derived) result.row[name] = compute(result.row)
              rows.push(result.row)
            }
            else rejects.push({ location: item.location, reason: formatProblems(result.problems), problems: result.problems })
          }
          summary.accepted += rows.length
          if (rejects.length > 0) {
            summary.rejected += rejects.length
            for (const reject of rejects) if (summary.rejects.length < keep) summary.rejects.push(reject)
            if (options.rejectsFile) {
              if (!file) {
                file = await RejectsFile.create(options.rejectsFile)
                summary.rejectsFile = file.path
              }
              await file.write(rejects)
            }
            if (options.maxRejects !== undefined && summary.rejected > options.maxRejects) {
              throw new ParquetryError('REJECTS_EXCEEDED', `${options.schema.name}: more than ${options.maxRejects} records rejected; stopped reading`, {
                details: { rejected: summary.rejected, read: summary.read },
              })
            }
          }
          if (rows.length > 0) yield rows
        }
      } finally {
        await file?.close()
      }
    },
  }
}
