import { createLayout, type Layout } from '@parquetry/partitioner'
import { ParquetryError, type DatasetSchema, type DeriveColumns, type Row } from '@parquetry/schema'
import type { RecordSource } from '@parquetry/sources'
import type { Storage } from '@parquetry/storage'
import type { PartitioningInfo } from '@parquetry/writer'
import type { ExistingFile } from './existing.js'
import type { DateSelection } from './select.js'
import type { ExportAction, ExportDatasetResult, ExportFailure, ExportFileResult } from './types.js'
import { dateInZone } from './zoned-date.js'

/** One input of a dataset: a file, a day of a table, a user's own record source. */
export interface Input {
  /** Stable identity, recorded in footers: `g/reports/query_perf_daily_20251028.csv`, `postgres://…/analytics_pageview?date=2026-01-15`. */
  readonly identity: string
  /** Short name for messages (a file name). */
  readonly name: string
  /** Size in bytes, when known before reading. */
  readonly bytes?: number
  /**
   * The dates the input is named for (a daily file: one; a weekly file:
   * seven); empty when its name says nothing (`index_advisor_report.json`).
   * Planning uses them to know, before parsing, which files the input may feed.
   */
  readonly dates: readonly string[]
  /**
   * A digest of the input's content, cheap next to parsing it (a sha256 of a
   * file, a day's count/sum/max(id)); equal digests mean equal rows. Footers
   * record it; an input whose digest a footer already holds is not parsed again.
   */
  digest(options?: { signal?: AbortSignal; onProgress?: (bytesRead: number) => void }): Promise<string>
  /**
   * Opens the input as records. `onProgress` receives bytes read so far.
   * An input that changes while it is read must fail (`SOURCE_READ_FAILED`)
   * rather than yield rows of another version than its digest.
   */
  open(options?: { signal?: AbortSignal; onProgress?: (bytesRead: number) => void }): RecordSource
}

/** How often a dataset gets a file: see {@link DatasetDefinition.cadence}. */
export type Cadence = 'daily' | 'weekly' | 'input'

/** Every {@link Cadence}: what a config, a definition and their checks accept. */
export const cadences = ['daily', 'weekly', 'input'] as const satisfies readonly Cadence[]

/** The cadence a dataset is checked by: its own, else its inputs', else daily. */
export function cadenceOf(definition: Pick<DatasetDefinition, 'cadence' | 'inputs'>): Cadence {
  return definition.cadence ?? definition.inputs.cadence ?? 'daily'
}

/** Whether `value` is a {@link Cadence}. */
export function isCadence(value: unknown): value is Cadence {
  return (cadences as readonly unknown[]).includes(value)
}

/** Where a dataset's inputs come from. */
export interface InputCatalog {
  /** What the catalog looks at, for messages: `g/reports/query_perf_daily_{yyyymmdd}.csv`. */
  readonly description: string
  /**
   * How often its inputs come, when their names say (`fileInputs` reads it
   * from its pattern): the dataset's cadence unless the definition sets one.
   */
  readonly cadence?: Cadence
  /**
   * Days either side of its named dates an input's rows may fall on (a daily
   * rollup that runs past midnight, time zones). Default 1.
   */
  readonly spread?: number
  /**
   * The inputs present now, sorted. `problems` are names that look like
   * inputs but cannot be used (an impossible date), reported and skipped.
   * `selection` is the run's: a catalog that pays for each input it lists
   * (a day of a table) may list only the inputs it can reach (the dates
   * selected; for `latest`, its newest closed day). A catalog of files
   * ignores it: planning finds what each file feeds.
   *
   * @throws ParquetryError `SOURCE_READ_FAILED` when the catalog itself cannot be read (a missing folder).
   */
  list(options?: { signal?: AbortSignal; selection?: DateSelection }): Promise<{ inputs: Input[]; problems: string[] }>
}

/** Which file a typed row goes to. */
export interface PartitionSpec {
  /**
   * Output path template under the storage root: date tokens (`{yyyy}` `{mm}`
   * `{dd}` `{yyyymmdd}` `{date}` `{yyyyww}`), `{dataset}`, and any string,
   * boolean, integer or date column as `{column}` (hive-encoded).
   */
  template: string
  /** The non-null DATE or TIMESTAMP column whose date is the row's partition date (`{date}`). */
  dateColumn: string
  /**
   * IANA time zone in which a TIMESTAMP `dateColumn` is turned into a date
   * (give it too when a DATE `dateColumn` is derived in a zone: footers record
   * it, and a change makes every file stale). Default `'UTC'`.
   */
  timezone?: string
}

/** Context of {@link DatasetDefinition.afterCommit}. */
export interface AfterCommitContext {
  storage: Storage
  signal?: AbortSignal
}

/** Context of {@link DatasetDefinition.afterExport}. */
export interface AfterExportContext {
  storage: Storage
  /** The dataset's result of this run: its files (written, skipped, failed) and failures. */
  result: Readonly<ExportDatasetResult>
  selection: DateSelection
  dryRun: boolean
  /** `ExportOptions.deleteAfterExport`: undefined when the run did not say (the dataset's own setting holds). */
  deleteAfterExport: boolean | undefined
  /** The dataset's files of some dates (as its layout renders them), with their footers, by date. */
  files(dates: Iterable<string>): Promise<Map<string, ExistingFile[]>>
  /** A storage path as people read it (`s3://bucket/prefix/...`, an absolute file path). */
  describe(path: string): string
  /** Records a step taken (or, on a dry run, that would be taken): `result.actions` and an `action` event. */
  report(action: ExportAction): void
  /** Records a step that failed: it fails the run. */
  fail(failure: ExportFailure): void
  signal?: AbortSignal
}

/**
 * A dataset: everything the engine needs to export it, and nothing the
 * engine knows about any particular dataset.
 *
 * `R` is its schema's row type (`InferRow<typeof schema>`), so that `derive`
 * sees typed rows: inferred when the definition is written inside
 * `runExport({ datasets: [...] })`, or given
 * (`const orders: DatasetDefinition<InferRow<typeof ordersSchema>> = …`).
 * A definition of typed rows is also a `DatasetDefinition` (of `Row`s).
 */
export interface DatasetDefinition<R extends Row = Row> {
  /** Dataset name: lower-case letters, digits and underscores. */
  name: string
  schema: DatasetSchema<R>
  /** The DuckDB view over its files. Default: its name. */
  view?: string
  inputs: InputCatalog
  partition: PartitionSpec
  /**
   * How often the dataset gets a file, which `verify` and `status` check it
   * by: `daily` (a file for every date: a daily rollup, a day of a table),
   * `weekly` (a file in every Monday-to-Sunday week: a weekly rollup), or
   * `input` (a file for each date its inputs hold rows of, whenever they come:
   * a report rewritten in place, an event log). Default: its inputs'
   * (`fileInputs` reads it from its pattern), else `daily`.
   */
  cadence?: Cadence
  /**
   * Columns computed from the typed row once the others are coerced
   * (`date_partition` from `timestamp`): each gets the row (its own column
   * not yet set) and returns its column's value.
   */
  derive?: DeriveColumns<R>
  /**
   * Runs after each file is committed and verified (delete the exported
   * rows from the source, notify, ...). A throw marks the run failed; the
   * file stays.
   */
  afterCommit?: (file: ExportFileResult, context: AfterCommitContext) => Promise<void>
  /**
   * Runs once the dataset's export is over (on a dry run too, which must
   * change nothing), still under its lock when one was taken: record what
   * was written in a ledger, delete exported rows from the source once the
   * files verify, apply retention. A throw fails the run; the files stay.
   */
  afterExport?: (context: AfterExportContext) => Promise<void>
  /**
   * The dates from `from` to `to` (inclusive) whose export is complete by the
   * dataset's own record (the pageviews ledger table). A scheduler asks it
   * to tell the days still to do without planning them; a dataset without it
   * is judged by its files' footers (a dry run).
   */
  exportedDates?: (context: { from: string; to: string; signal?: AbortSignal }) => Promise<ReadonlySet<string>>
}

/** A definition with its layout compiled and its date rule bound. */
export interface CompiledDataset {
  definition: DatasetDefinition
  layout: Layout
  spread: number
  /** The partition date of a typed row. */
  dateOf(row: Row): string
  /** What decides which file a row goes to, as footers record it (the time zone only when the date column is a TIMESTAMP). */
  partitioning: PartitioningInfo
  /** Whether a footer's record of its partitioning is this one: when not, its rows were placed by other rules. */
  samePartitioning(recorded: PartitioningInfo | undefined): boolean
}

/**
 * Checks a definition and compiles its layout: the template against the
 * schema's columns, and the date column (non-null DATE or TIMESTAMP).
 *
 * @throws ParquetryError `CONFIG_INVALID` naming the dataset and the problem.
 */
export function compileDataset(definition: DatasetDefinition): CompiledDataset {
  const { name, schema, partition } = definition
  const fail = (message: string): never => {
    throw new ParquetryError('CONFIG_INVALID', `dataset ${name}: ${message}`)
  }
  if (!/^[a-z][a-z0-9_]*$/.test(name)) fail('names are lower-case letters, digits and underscores')
  const { cadence } = definition as { cadence?: unknown }
  if (cadence !== undefined && !isCadence(cadence)) fail(`cadence must be one of ${cadences.map((name) => `"${name}"`).join(', ')}, got ${JSON.stringify(cadence)}`)
  let layout: Layout
  try {
    layout = createLayout({ template: partition.template, dataset: name, columns: schema.columns })
  } catch (error) {
    return fail((error as Error).message)
  }
  const column = schema.columns.find((candidate) => candidate.name === partition.dateColumn)
  if (!column) return fail(`dateColumn ${partition.dateColumn} is not a column of the schema`)
  if (column.type !== 'date' && column.type !== 'timestamp') fail(`dateColumn ${column.name} is a ${column.type}; it must be a date or a timestamp`)
  if (column.nullable) fail(`dateColumn ${column.name} must be non-null ("nullable": false): every row needs a date`)
  const spread = definition.inputs.spread ?? 1
  if (!Number.isInteger(spread) || spread < 0) fail(`inputs.spread must be a whole number of days, got ${spread}`)
  const zone = partition.timezone ?? 'UTC'
  const key = column.name
  const dateOf = column.type === 'date' ? (row: Row) => row[key] as string : (row: Row) => dateInZone(row[key] as bigint, zone)
  // The zone is recorded for a DATE column too: a derived date (`date_partition`) is taken in it.
  const partitioning: PartitioningInfo = { template: partition.template, dateColumn: column.name, timezone: zone }
  const samePartitioning = (recorded: PartitioningInfo | undefined) =>
    recorded !== undefined && recorded.template === partitioning.template && recorded.dateColumn === partitioning.dateColumn && recorded.timezone === partitioning.timezone
  return { definition, layout, spread, dateOf, partitioning, samePartitioning }
}

/**
 * Refuses datasets whose layouts could write the same paths (two datasets
 * with one template, or one template inside another's): each dataset's files
 * must be its own, or one dataset's export would take another's for a file it
 * made.
 *
 * @throws ParquetryError `CONFIG_INVALID` naming both datasets.
 */
export function checkLayoutsApart(datasets: readonly CompiledDataset[]): void {
  const samples = datasets.map(({ layout, definition }) => {
    const values = Object.fromEntries(layout.tokens.filter((token) => token.kind === 'column').map((token) => [token.name, token.type === 'boolean' ? true : token.type === 'date' ? '2001-02-03' : token.type === 'string' ? 'x' : 1]))
    return { name: definition.name, layout, path: layout.render('2001-02-03', values) }
  })
  for (const one of samples) {
    for (const other of samples) {
      if (one !== other && other.layout.match(one.path)) {
        throw new ParquetryError('CONFIG_INVALID', `datasets ${one.name} and ${other.name} would write the same paths (${one.name}'s ${one.path} is one of ${other.name}'s files): give them output templates of their own`)
      }
    }
  }
}
