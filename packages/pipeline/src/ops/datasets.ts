import { indexAdvisorSchema, optimizationSummarySchema, queryPerfSchema, queryPerfWeeklySchema, type DatasetSchema } from '@parquetry/schema'
import { readCsv, readEventLog, readJson, type RecordSource, type SourceInput } from '@parquetry/sources'

/** How one ops dataset is read, and where it lives by default (seed 000's paths). */
export interface OpsDataset {
  name: string
  schema: DatasetSchema
  /** Input root, relative to the config file's folder. */
  input: string
  /** File name pattern inside the input root. */
  pattern: string
  /** Output template, relative to the output root. */
  output: string
  /** Opens one input file as a record source. */
  read: (options: { input: SourceInput; name: string; signal?: AbortSignal }) => RecordSource
}

const columnsOf = (schema: DatasetSchema) => schema.columns.map((column) => column.name)

/** The four ops datasets of seed 000, with the seed's input files and layout. */
export const opsDatasets: readonly OpsDataset[] = [
  {
    name: 'query_perf',
    schema: queryPerfSchema,
    input: 'g/reports',
    pattern: 'query_perf_daily_{yyyymmdd}.csv',
    output: 'query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet',
    read: (options) => readCsv({ ...options, columns: columnsOf(queryPerfSchema) }),
  },
  {
    name: 'query_perf_weekly',
    schema: queryPerfWeeklySchema,
    input: 'g/reports',
    pattern: 'query_perf_weekly_{yyyyww}.csv',
    output: 'query_perf_weekly/year={yyyy}/month={mm}/query_perf_weekly_{yyyymmdd}.parquet',
    read: (options) => readCsv({ ...options, columns: columnsOf(queryPerfWeeklySchema) }),
  },
  {
    name: 'index_advisor',
    schema: indexAdvisorSchema,
    input: 'knowledge/optimize',
    pattern: 'index_advisor_report.json',
    output: 'index_advisor/year={yyyy}/month={mm}/index_advisor_{yyyymmdd}.parquet',
    read: (options) => readJson({ ...options, records: 'recommendations', inherit: ['timestamp'], rename: { table: 'table_name', index: 'recommended_index' } }),
  },
  {
    name: 'optimization_summary',
    schema: optimizationSummarySchema,
    input: 'knowledge/optimize',
    pattern: 'optimization_summary.txt',
    output: 'optimization_summary/year={yyyy}/month={mm}/optimization_summary_{yyyymmdd}.parquet',
    read: (options) => readEventLog(options),
  },
]

/** The ops dataset called `name`, or undefined. */
export function getOpsDataset(name: string): OpsDataset | undefined {
  return opsDatasets.find((dataset) => dataset.name === name)
}
