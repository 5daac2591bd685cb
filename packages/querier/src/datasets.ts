import { indexAdvisorSchema, optimizationSummarySchema, pageviewsSchema, queryPerfSchema, queryPerfWeeklySchema, type DatasetSchema } from '@parquetry/schema'

/** A dataset as the querier sees it: its view, its schema, where its files are. */
export interface DatasetLayout {
  /** Dataset name (`query_perf`). */
  name: string
  /** View name in DuckDB (`query_performance`). */
  view: string
  schema: DatasetSchema
  /** Output template under the root (`query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet`). */
  template: string
}

/**
 * The default layouts: the ops datasets with seed 000's view names
 * (`query_performance`, `index_recommendations`) and layout, and pageviews.
 */
export const defaultLayouts: readonly DatasetLayout[] = [
  { name: 'query_perf', view: 'query_performance', schema: queryPerfSchema, template: 'query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet' },
  { name: 'query_perf_weekly', view: 'query_perf_weekly', schema: queryPerfWeeklySchema, template: 'query_perf_weekly/year={yyyy}/month={mm}/query_perf_weekly_{yyyymmdd}.parquet' },
  { name: 'index_advisor', view: 'index_recommendations', schema: indexAdvisorSchema, template: 'index_advisor/year={yyyy}/month={mm}/index_advisor_{yyyymmdd}.parquet' },
  { name: 'optimization_summary', view: 'optimization_summary', schema: optimizationSummarySchema, template: 'optimization_summary/year={yyyy}/month={mm}/optimization_summary_{yyyymmdd}.parquet' },
  { name: 'pageviews', view: 'pageviews', schema: pageviewsSchema, template: 'pageviews/date={date}/pageviews_{yyyymmdd}.parquet' },
]
