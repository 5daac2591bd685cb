import { createLineParser, createRowParser, formatProblems, ParquetryError, type DatasetSchema, type DeriveColumns, type Row, type RowParserOptions, type TypedValue, type ValueProblem } from '@parquetry/schema'
import { exceedsDepth, MAX_JSON_DEPTH, previewJson } from '../json/depth.js'
import { isTypingSource, type RecordLocation, type RecordSource, type SourceItem, type TypedBatch } from '../types.js'
import { checkColumns } from './column-check.js'
import type { Notice, Reject, Skip } from './rejects.js'
import { RejectsFile, type RejectsTarget } from './rejects-file.js'

/**
 * Options for {@link validateRecords}. `R` is the schema's row type
 * (`InferRow<typeof schema>`), inferred from `schema`.
 */
export interface ValidateOptions<R extends Row = Row> {
  source: RecordSource
  schema: DatasetSchema<R>
  /** Adjusts a record's raw values before coercion (derive a partition date, split a field, ...). */
  transform?: (values: Record<string, unknown>, location: RecordLocation) => Record<string, unknown>
  /**
   * Columns computed from the typed row once the others are coerced (the
   * parser skips them), e.g. `{ date_partition: (row) => dateOfTimestamp(row.timestamp) }`.
   * Each sees the typed row (its own column not yet set) and returns its column's value.
   */
  derive?: DeriveColumns<R>
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
  /**
   * Notices given: warnings about the input as a whole that lose no record
   * but may lose data — a field no column reads (`'unknown-column'`), a
   * column the input lacks (`'missing-column'`). Not counted in `read`, never rejects.
   */
  noticed: number
  /** The first `keepRejects` notices, with their locations. */
  notices: Notice[]
  /** Path of the rejects file, once one was written. */
  rejectsFile?: string
}

/**
 * Typed rows of the schema in batches (one array per batch the source
 * yields), plus the running summary. `@parquetry/writer`'s `writeParquet`
 * takes it as it is (`rows: validateRecords(…)`).
 */
export interface ValidatedRows<R extends Row = Row> extends AsyncIterable<R[]> {
  readonly summary: ValidationSummary
}

/**
 * Coerces a source's records into typed rows of `schema`. A source problem or
 * a record that does not fit is never dropped silently: it is counted, kept
 * (up to `keepRejects`) with its location and reason, and written to the
 * rejects file when asked. Whether the rejects fail the run is the caller's
 * decision (`assertRejects`), except that `maxRejects` stops early.
 *
 * Columns are checked too. A source's notices (a CSV header column no column
 * reads, a column the header lacks) are passed into `summary.notices`, except
 * for `derive`d columns, which no input is expected to have. Once the input
 * is read, keys of its records that no column reads, and columns none of its
 * records has, are noticed the same way. Notices are warnings: counted,
 * never rejects.
 *
 * @throws ParquetryError `SOURCE_READ_FAILED` when a source gives notice that
 *   the input lacks a column the schema declares not nullable (and does not
 *   derive) — before any row, since every row would be rejected; `REJECTS_EXCEEDED`
 *   past `maxRejects`; and whatever the source throws. After an error, rows
 *   already yielded belong to an input that was not read whole: discard them.
 */
export function validateRecords<R extends Row = Row>(options: ValidateOptions<R>): ValidatedRows<R> {
  const summary: ValidationSummary = { read: 0, accepted: 0, rejected: 0, rejects: [], skipped: 0, skips: [], noticed: 0, notices: [] }
  return {
    summary,
    async *[Symbol.asyncIterator]() {
      const { schema } = options
      const derived = Object.entries(options.derive ?? {})
      const derivedNames = derived.map(([name]) => name)
      const parse = createRowParser(schema, { ...(options.unknownKeys ? { unknownKeys: options.unknownKeys } : {}), skip: derivedNames })
      const keep = options.keepRejects ?? 1000
      const columns = checkColumns({
        schema,
        computed: derivedNames,
        reportUnknown: options.unknownKeys !== 'reject',
        notice: (notice) => {
          summary.noticed++
          if (summary.notices.length < keep) summary.notices.push(notice)
        },
      })
      // Made on the first reject only: a clean input leaves no empty rejects file behind.
      let file: RejectsFile | undefined
      const take = (item: SourceItem, rows: Row[], rejects: Reject[]) => {
        switch (item.kind) {
          case 'skip':
            summary.skipped++
            if (summary.skips.length < keep) summary.skips.push({ location: item.location, reason: item.reason, ...(item.raw !== undefined ? { raw: item.raw } : {}) })
            break
          case 'notice':
            columns.sourceNotice(item)
            break
          case 'problem':
            summary.read++
            rejects.push({ location: item.location, reason: item.reason, ...(item.raw !== undefined ? { raw: item.raw } : {}) })
            break
          case 'record': {
            summary.read++
            const values = options.transform ? options.transform(item.values, item.location) : item.values
            columns.record(values, item.location)
            const result = parse(values)
            if (result.ok) {
              rows.push(deriveInto(result.row))
            } else {
              const problems = result.problems.map(boundProblem)
              rejects.push({ location: item.location, reason: formatProblems(problems), problems })
            }
            break
          }
          default: {
            // A new kind of item must be handled here, not dropped: this fails to compile until it is.
            const unknown: never = item
            throw new ParquetryError('SOURCE_READ_FAILED', `source item of unknown kind ${JSON.stringify((unknown as { kind: unknown }).kind)}`)
          }
        }
      }
      const deriveInto = (row: Row): Row => {
        for (let index = 0; index < derived.length; index++) {
          const [name, compute] = derived[index] as [string, (row: Row) => TypedValue]
          row[name] = compute(row)
        }
        return row
      }
      // A source that types its own records does (nothing here needs the records themselves): the same rows, sooner.
      const source = options.source
      const typing = isTypingSource(source) && !options.transform && options.unknownKeys !== 'reject'
      const batches: AsyncIterable<SourceItem[] | TypedBatch[]> = typing ? source.typed((keys) => createLineParser(schema, keys, { skip: derivedNames })) : source
      try {
        for await (const batch of batches) {
          const rows: Row[] = []
          const rejects: Reject[] = []
          if (typing) {
            for (const typed of batch as TypedBatch[]) {
              const count = typed.rows.length
              if (count > 0) {
                summary.read += count
                columns.more(count)
                for (let index = 0; index < count; index++) rows.push(deriveInto(typed.rows[index] as Row))
              }
              for (const item of typed.items) take(item, rows, rejects)
            }
          } else {
            for (const item of batch as SourceItem[]) take(item, rows, rejects)
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
              throw new ParquetryError('REJECTS_EXCEEDED', `${schema.name}: more than ${options.maxRejects} records rejected; stopped reading`, {
                details: { rejected: summary.rejected, read: summary.read },
              })
            }
          }
          if (rows.length > 0) yield rows as R[]
        }
        columns.finish()
      } finally {
        await file?.close()
      }
    },
  }
}

// A value nested too deep to be written by recursive code (JSON.stringify, in
// rejects files and reports) is kept as the start of its JSON text.
function boundProblem(problem: ValueProblem): ValueProblem {
  const { value } = problem
  if (value === null || typeof value !== 'object' || !exceedsDepth(value, MAX_JSON_DEPTH)) return problem
  return { ...problem, value: previewJson(value) }
}
