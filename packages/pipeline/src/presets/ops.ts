import { indexAdvisorSchema, optimizationSummarySchema, queryPerfSchema, queryPerfWeeklySchema, type DatasetSchema } from '@parquetry/schema'
import type { DatasetDefinition } from '../engine/definition.js'
import { dateInZone } from '../engine/zoned-date.js'
import { fileInputs } from '../inputs/file-inputs.js'
import { fileReader, type FileFormat } from './file-readers.js'

/** One ops dataset of seed 000: its schema, reader, and where it lives by default. */
export interface OpsPresetDataset {
  name: string
  schema: DatasetSchema
  /** The DuckDB view (seed 000 names two: `query_performance`, `index_recommendations`). */
  view: string
  /** Input folder, relative to the config file's folder. */
  input: string
  /** File name pattern inside the input folder. */
  pattern: string
  /** Output template under the output root. */
  output: string
  format: FileFormat
}

/** The four ops datasets of seed 000, with the seed's input files, layout and view names. */
export const opsPreset: readonly OpsPresetDataset[] = [
  {
    name: 'query_perf',
    schema: queryPerfSchema,
    view: 'query_performance',
    input: 'g/reports',
    pattern: 'query_perf_daily_{yyyymmdd}.csv',
    output: 'query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet',
    format: { format: 'csv' },
  },
  {
    name: 'query_perf_weekly',
    schema: queryPerfWeeklySchema,
    view: 'query_perf_weekly',
    input: 'g/reports',
    pattern: 'query_perf_weekly_{yyyyww}.csv',
    output: 'query_perf_weekly/year={yyyy}/month={mm}/query_perf_weekly_{yyyymmdd}.parquet',
    format: { format: 'csv' },
  },
  {
    name: 'index_advisor',
    schema: indexAdvisorSchema,
    view: 'index_recommendations',
    input: 'knowledge/optimize',
    pattern: 'index_advisor_report.json',
    output: 'index_advisor/year={yyyy}/month={mm}/index_advisor_{yyyymmdd}.parquet',
    format: { format: 'json', records: 'recommendations', inherit: ['timestamp'], rename: { table: 'table_name', index: 'recommended_index' } },
  },
  {
    name: 'optimization_summary',
    schema: optimizationSummarySchema,
    view: 'optimization_summary',
    input: 'knowledge/optimize',
    pattern: 'optimization_summary.txt',
    output: 'optimization_summary/year={yyyy}/month={mm}/optimization_summary_{yyyymmdd}.parquet',
    format: { format: 'eventlog' },
  },
]

/** The ops preset dataset called `name`, or undefined. */
export function getOpsPreset(name: string): OpsPresetDataset | undefined {
  return opsPreset.find((dataset) => dataset.name === name)
}

/** Settings of an ops dataset (the preset's unless given). */
export interface OpsDatasetOptions {
  /** Input folder (absolute, or relative to `base`). */
  dir: string
  pattern?: string
  output?: string
  view?: string
  /** Folder input identities are relative to (the config file's folder). */
  base: string
  /** Time zone whose calendar decides `date_partition`. Default `'UTC'`. */
  timezone?: string
  spread?: number
  /** A CSV header that does not match the schema fails the input instead of a warning. Default false. */
  strictHeader?: boolean
}

/**
 * An ops dataset's definition: its files read with the preset's reader,
 * `date_partition` derived from each row's `timestamp` in the time zone, and
 * each row written to the file of that date.
 *
 * @throws Error for a name that is not in the ops preset.
 */
export function opsDataset(name: string, options: OpsDatasetOptions): DatasetDefinition {
  const preset = getOpsPreset(name)
  if (!preset) throw new Error(`${name} is not an ops dataset`)
  const timezone = options.timezone ?? 'UTC'
  return {
    name,
    schema: preset.schema,
    view: options.view ?? preset.view,
    inputs: fileInputs({ dir: options.dir, pattern: options.pattern ?? preset.pattern, base: options.base, read: fileReader(preset.schema, preset.format.format === 'csv' && options.strictHeader ? { ...preset.format, strictHeader: true } : preset.format, { computedColumns: ['date_partition'] }), ...(options.spread !== undefined ? { spread: options.spread } : {}) }),
    // date_partition is the row's own date: its timestamp in the configured time zone.
    derive: { date_partition: (row) => dateInZone(row['timestamp'] as bigint, timezone) },
    partition: { template: options.output ?? preset.output, dateColumn: 'date_partition', timezone },
  }
}
