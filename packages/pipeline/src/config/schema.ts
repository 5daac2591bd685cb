import { columnDefinitionSchema, type ColumnDefinition } from '@parquetry/schema'
import { parquetCodecs } from '@parquetry/writer'
import { z } from 'zod'
import { isTimeZone } from '../engine/zoned-date.js'
import type { Schedule } from '../schedule/schedule.js'
import { cadences, type Cadence } from '../engine/definition.js'
import type { FileFormat } from '../presets/file-readers.js'
import { opsPreset } from '../presets/ops.js'



/** A dataset's schedule in the config: a cron expression (read in the config's time zone), one with its zone, or false. */
export const scheduleConfigSchema = z
  .union([
    z.string().min(1),
    z.strictObject({
      cron: z.string().min(1).describe('minute hour day-of-month month day-of-week, e.g. "0 5 * * *".'),
      timezone: z.string().min(1).optional().describe("IANA time zone the expression is read in (default: the config's timezone)."),
    }),
    z.literal(false),
  ])
  .optional()
  .describe('When parquetry-worker exports it: a cron expression ("0 5 * * *", in the config\'s time zone), {"cron", "timezone"}, or false (never). Default: the ops datasets 0 5 * * * Asia/Bangkok (seed 000), pageviews 0 1 * * * UTC (seed 003), others 0 1 * * * in the config\'s time zone.')

const common = {
  enabled: z.boolean().optional().describe('Export this dataset (default true).'),
  schedule: scheduleConfigSchema,
  view: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional().describe('Name of its DuckDB view (default: the dataset name; the presets use the seed names).'),
  spread: z.number().int().min(0).max(31).optional().describe("Days either side of an input's named date its rows may fall on (default 1)."),
  cadence: z
    .enum(cadences)
    .optional()
    .describe(
      'How often it gets a file, which verify and status check it by: daily (a file every day), weekly (a file in every Monday-to-Sunday week), input (a file for each date its inputs hold rows of; no calendar). Default: weekly for an input pattern with {yyyyww}, input for one with no date token, else daily.',
    ),
}

/** A preset dataset's settings (seed 000's ops datasets); every field defaults to the preset's. */
export const presetDatasetSchema = z.strictObject({
  ...common,
  input: z.string().min(1).optional().describe("Folder of the input files, relative to this file's folder."),
  pattern: z.string().min(1).optional().describe('Input file name, with date tokens: {yyyymmdd}, {date}, {yyyy} {mm} {dd}, {yyyyww} (ISO week).'),
  output: z.string().min(1).optional().describe('Output path under the output root, with {dataset} and date tokens; must end in .parquet.'),
  strictHeader: z.boolean().optional().describe('A CSV header with a column the schema lacks, or without one of its columns, fails the input instead of a warning (default false; a missing non-nullable column always fails it).'),
})

const rename = z.record(z.string(), z.string()).optional().describe('Field name in the input → column name.')
const encoding = z.string().optional().describe("Text encoding: auto (BOM, else UTF-8), utf-8, latin1, utf-16le, or any label TextDecoder knows (default auto).")

const customCommon = {
  ...common,
  input: z.string().min(1).describe("Folder of the input files, relative to this file's folder."),
  pattern: z.string().min(1).describe('Input file name: date tokens ({yyyymmdd}, {date}, {yyyy} {mm} {dd}, {yyyyww}) or a fixed name.'),
  output: z.string().min(1).describe('Output path under the output root: date tokens, {dataset} and {column} tokens (hive-encoded); must end in .parquet.'),
  columns: z.array(columnDefinitionSchema).min(1).describe('The columns of the Parquet files, in order (nullable defaults to true).'),
  dateColumn: z.string().min(1).describe("The non-null date or timestamp column whose date ({date}, in the config's time zone) places each row."),
  description: z.string().optional(),
}

const connection = z.string().min(1).optional().describe('postgres:// URL (default: DATABASE_URL, else the PG* variables). Keep passwords in the environment (PGPASSWORD, ~/.pgpass); one given here is never printed.')

/** A table (or any SELECT) of PostgreSQL, one day at a time. */
export const postgresDatasetSchema = z.strictObject({
  ...common,
  format: z.literal('postgres'),
  connection,
  query: z.string().min(1).describe('One day of rows: a SELECT whose $1 is the day (a date), e.g. "SELECT * FROM orders WHERE day = $1". Bound, never interpolated.'),
  digestQuery: z.string().min(1).optional().describe('The days from $1 to $2 (inclusive) that have rows, with a cheap digest each: columns date (text) and digest (text). Default: a server-side count and hash of every row of query, one query a day.'),
  datesQuery: z.string().min(1).optional().describe('The days that have rows (column date), for --historical when there is no digestQuery; $1 is today.'),
  output: z.string().min(1).describe('Output path under the output root: date tokens, {dataset} and {column} tokens (hive-encoded); must end in .parquet.'),
  columns: z.array(columnDefinitionSchema).min(1).describe('The columns of the Parquet files, in order (nullable defaults to true); the query must return them.'),
  dateColumn: z.string().min(1).describe("The non-null date or timestamp column whose date ({date}) places each row."),
  description: z.string().optional(),
})

/** A dataset declared in the config: where its files are, how they read, its columns and layout. */
export const customDatasetSchema = z.discriminatedUnion('format', [
  z.strictObject({
    ...customCommon,
    format: z.literal('csv'),
    delimiter: z.string().min(1).optional().describe('Field delimiter (default: detected among , ; tab |).'),
    quote: z.string().length(1).optional(),
    escape: z.string().length(1).optional(),
    header: z.boolean().optional().describe('Whether the first line is a header (default true).'),
    rename,
    skipRows: z.number().int().min(0).optional(),
    encoding,
  strictHeader: z.boolean().optional().describe('A CSV header with a column the schema lacks, or without one of its columns, fails the input instead of a warning (default false; a missing non-nullable column always fails it).'),
  }),
  z.strictObject({
    ...customCommon,
    format: z.literal('json'),
    records: z.string().optional().describe('Dot path of the records array (default: the document itself).'),
    inherit: z.array(z.string()).optional().describe("Fields of the records array's parent copied onto every record."),
    rename,
    encoding,
  }),
  z.strictObject({ ...customCommon, format: z.literal('jsonl'), rename, encoding }),
  z.strictObject({ ...customCommon, format: z.literal('eventlog'), encoding }),
  postgresDatasetSchema,
])

/** The `pageviews` preset (seed 003): Read the Docs' analytics_pageview from PostgreSQL. */
export const pageviewsDatasetSchema = z.strictObject({
  enabled: common.enabled,
  schedule: common.schedule,
  view: common.view,
  format: z.literal('postgres').optional().describe('Where the rows are (only postgres).'),
  connection,
  perProject: z.boolean().optional().describe('One file a day per project: pageviews/project=<slug>/date=…/ (default false).'),
  deleteAfterExport: z.boolean().optional().describe("Delete each day's rows from PostgreSQL once its objects read back and verify (default false; --delete-after-export for one run)."),
  retentionDays: z.union([z.number().int().min(1), z.literal(false)]).optional().describe('Days of rows kept in PostgreSQL: older days, once exported and verified, are deleted (default 90; false keeps every day).'),
  output: z.string().min(1).optional().describe('Output template (default pageviews/date={date}/pageviews_{yyyymmdd}.parquet, or with perProject pageviews/project={project_slug}/date={date}/pageviews_{yyyymmdd}.parquet).'),
  ledgerTable: z.string().min(1).optional().describe('The ledger table in PostgreSQL, created when missing (default parquetry_export_ledger).'),
  tables: z
    .strictObject({
      pageview: z.string().min(1).optional(),
      project: z.string().min(1).optional(),
      version: z.string().min(1).optional(),
    })
    .optional()
    .describe("Read the Docs' table names (default analytics_pageview, projects_project, builds_version)."),
})

/** One dataset entry: a preset's settings, or a dataset of your own. */
export const datasetConfigSchema = z.union([presetDatasetSchema, pageviewsDatasetSchema, customDatasetSchema])

const presetShape = {
  ...(Object.fromEntries(opsPreset.map((dataset) => [dataset.name, presetDatasetSchema.optional()])) as Record<string, z.ZodOptional<typeof presetDatasetSchema>>),
  // The preset, or a dataset of one's own that happens to be called pageviews.
  pageviews: z.union([pageviewsDatasetSchema, customDatasetSchema]).optional(),
}

/** The `parquetry.config.json` file, as written by people. */
export const configFileSchema = z.strictObject({
  $schema: z.string().optional(),
  output: z.string().min(1).optional().describe("Root of the Parquet tree: a folder relative to this file's folder, or s3://bucket/prefix (default knowledge/optimize/parquet)."),
  timezone: z.string().refine(isTimeZone, 'not an IANA time zone').optional().describe('Time zone whose calendar decides each row\'s date and "yesterday" (default UTC).'),
  codec: z.enum(parquetCodecs as [string, ...string[]]).optional().describe('Parquet compression codec (default SNAPPY).'),
  rowGroupSize: z.number().int().positive().optional().describe('Rows per row group (default 100000).'),
  pageIndex: z.boolean().optional().describe('Write the Parquet page index (column and offset indexes) on every column (default true).'),
  bloomFilters: z.boolean().optional().describe('Write bloom filters on the columns the schema marks bloomFilter: true (default true; false writes none).'),
  rejects: z
    .strictObject({
      maxRatio: z.number().min(0).max(1).optional().describe('Largest share of rejected rows per input file that still exports (default 0.01).'),
      maxCount: z.number().int().min(0).optional().describe('Largest number of rejected rows per input file that still exports (default: no limit).'),
      dir: z.string().min(1).optional().describe('Where rejected rows are written as NDJSON: a folder or s3:// location (default <output>/_rejects).'),
    })
    .optional(),
  sizeWarningBytes: z.number().int().positive().optional().describe('parquetry status warns above this many bytes stored (default 5 GiB).'),
  s3: z
    .strictObject({
      endpoint: z.string().url().optional().describe('Endpoint of an S3-compatible store (default: AWS_ENDPOINT_URL_S3, else AWS).'),
      region: z.string().min(1).optional().describe('Region (default: AWS_REGION, else us-east-1).'),
      forcePathStyle: z.boolean().optional().describe('Path-style URLs (default: true when an endpoint is set).'),
      partSize: z.number().int().min(5 * 1024 * 1024).optional().describe('Multipart part size in bytes, at least 5 MiB (default 8 MiB).'),
    })
    .optional()
    .describe('S3 settings for an s3:// output; credentials come from the standard AWS variables and profiles, never from this file.'),
  cacheDir: z.string().min(1).optional().describe('Where queries over an s3:// output keep downloaded files, keyed by ETag (default ~/.cache/parquetry).'),
  worker: z
    .strictObject({
      http: z
        .union([
          z.strictObject({
            host: z.string().min(1).optional().describe('Address to listen on (default 127.0.0.1).'),
            port: z.number().int().min(0).max(65535).optional().describe('Port (default 9464; 0: any free port).'),
          }),
          z.literal(false),
        ])
        .optional()
        .describe('The HTTP server of /healthz, /readyz, /metrics and /status, or false for none.'),
      timeoutSeconds: z.number().positive().optional().describe("Longest a job (one dataset, one day) may run; it is then aborted cleanly, keeping nothing partial (default 600: seed 000's 10 minutes)."),
      catchUpDays: z.number().int().min(1).max(3660).optional().describe('How far back missed days are caught up, oldest first (default 30 closed days).'),
      retries: z
        .strictObject({
          attempts: z.number().int().min(1).max(100).optional().describe('Attempts of a job that fails for a transient reason (network, S3 5xx, a lock held, PostgreSQL restarting), the first included (default 5). Bad input is never retried.'),
          delaySeconds: z.number().positive().optional().describe('Delay before the second attempt, doubled each time, with jitter (default 30).'),
          maxDelaySeconds: z.number().positive().optional().describe('Longest delay between attempts (default 900).'),
        })
        .optional(),
      graceSeconds: z.number().min(0).optional().describe('On SIGTERM/SIGINT, how long the running job may go on before it is aborted (default 30).'),
      webhook: z
        .strictObject({
          url: z.string().url().optional().describe('Incoming-webhook URL (Slack, Mattermost, Discord /slack). Default: PARQUETRY_WEBHOOK_URL. It holds a secret: keep it in the environment; it is never logged.'),
          onSuccess: z.boolean().optional().describe('Notify successes too (default false: failures only).'),
        })
        .optional(),
      queue: z
        .strictObject({
          connection: z.string().min(1).optional().describe('postgres:// URL of the job queue (default DATABASE_URL, else the PG* variables).'),
          schema: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional().describe("pg-boss's schema (default parquetry_boss)."),
          ledgerTable: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/).optional().describe('Table of completed (dataset, date) jobs (default parquetry_worker_ledger).'),
        })
        .optional()
        .describe('Distributed mode: jobs go through pg-boss on PostgreSQL so several workers on several machines share them, each (dataset, date) exported once. Absent: local mode.'),
    })
    .optional()
    .describe('parquetry-worker settings.'),
  datasets: z
    .strictObject(presetShape)
    .catchall(customDatasetSchema)
    .optional()
    .describe('The datasets to export: preset names (query_perf, query_perf_weekly, index_advisor, optimization_summary; pageviews from PostgreSQL) with their defaults, and datasets of your own (files, or "format": "postgres"). Absent: the four ops datasets.'),
})

/** The config file's type. */
export type ConfigFile = z.infer<typeof configFileSchema>

/** What every dataset entry resolves to: defaults filled in, the input folder absolute. */
interface ResolvedDatasetBase {
  name: string
  enabled: boolean
  /** When parquetry-worker exports it; undefined: never (`"schedule": false`). */
  schedule: Schedule | undefined
  /** The `cadence` the entry declares (undefined: decided from its input pattern, else daily). */
  cadence?: Cadence | undefined
  view: string
  inputDir: string
  pattern: string
  output: string
  spread: number | undefined
}

/** A preset dataset's settings after defaults. */
export interface ResolvedPresetDataset extends ResolvedDatasetBase {
  kind: 'preset'
  /** CSV header mismatches fail the input (see `strictHeader` in the config). */
  strictHeader: boolean
}

/** A dataset of the config's own after defaults. */
export interface ResolvedCustomDataset extends ResolvedDatasetBase {
  kind: 'custom'
  columns: ColumnDefinition[]
  dateColumn: string
  description: string | undefined
  /** The format and its reader options. */
  format: FileFormat
}

/** The pageviews preset's settings (defaults are the preset's own). */
export interface ResolvedPageviewsDataset {
  kind: 'pageviews'
  name: string
  enabled: boolean
  schedule: Schedule | undefined
  /** The `cadence` the entry declares (undefined: decided from its input pattern, else daily). */
  cadence?: Cadence | undefined
  view: string
  output: string | undefined
  connection: string | undefined
  perProject: boolean
  deleteAfterExport: boolean
  retentionDays: number | false
  ledgerTable: string | undefined
  tables: { pageview?: string; project?: string; version?: string }
}

/** A PostgreSQL dataset of the config's own. */
export interface ResolvedPostgresDataset {
  kind: 'postgres'
  name: string
  enabled: boolean
  schedule: Schedule | undefined
  /** The `cadence` the entry declares (undefined: decided from its input pattern, else daily). */
  cadence?: Cadence | undefined
  view: string
  output: string
  connection: string | undefined
  query: string
  digestQuery: string | undefined
  datesQuery: string | undefined
  columns: ColumnDefinition[]
  dateColumn: string
  description: string | undefined
}

/** A dataset's settings after defaults, with absolute paths. */
export type ResolvedDataset = ResolvedPresetDataset | ResolvedCustomDataset | ResolvedPageviewsDataset | ResolvedPostgresDataset

/** A loaded config: defaults filled in, paths absolute. */
export interface ResolvedConfig {
  /** The config file, or undefined when only defaults apply. */
  path: string | undefined
  /** The folder relative paths resolve against. */
  baseDir: string
  /** Where the Parquet tree is: an absolute folder or `s3://bucket/prefix`. */
  output: string
  timezone: string
  codec: (typeof parquetCodecs)[number]
  rowGroupSize: number
  pageIndex: boolean
  bloomFilters: boolean
  /** `dir`: an absolute folder or s3:// location; undefined means `<output>/_rejects`. */
  rejects: { maxRatio: number; maxCount: number | undefined; dir: string | undefined }
  sizeWarningBytes: number
  s3: { endpoint?: string; region?: string; forcePathStyle?: boolean; partSize?: number }
  /** Where queries over an s3:// output keep downloaded files; undefined: the querier's default (`~/.cache/parquetry`). */
  cacheDir: string | undefined
  datasets: ResolvedDataset[]
  worker: ResolvedWorkerConfig
}

/** `parquetry-worker`'s settings after defaults. */
export interface ResolvedWorkerConfig {
  /** undefined: no HTTP server. */
  http: { host: string; port: number } | undefined
  timeoutSeconds: number
  catchUpDays: number
  retries: { attempts: number; delaySeconds: number; maxDelaySeconds: number }
  graceSeconds: number
  /** undefined: no notifications. The URL is a secret: never log it. */
  webhook: { url: string; onSuccess: boolean } | undefined
  /** undefined: local mode. */
  queue: { connection: string | undefined; schema: string; ledgerTable: string } | undefined
}

/** The JSON Schema of `parquetry.config.json`, for editors. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(configFileSchema, { io: 'input' }) as Record<string, unknown>),
    title: 'Parquetry config (parquetry.config.json)',
  }
}


