import type { DatasetSchema } from '@parquetry/schema'

/**
 * A dataset as the querier sees it: its view, its schema, where its files
 * are. Made from the same definitions the export uses (`project.layouts()`
 * in @parquetry/pipeline), so one place knows a dataset's layout.
 */
export interface DatasetLayout {
  /** Dataset name (`query_perf`). */
  name: string
  /** View name in DuckDB (`query_performance`). */
  view: string
  schema: DatasetSchema
  /** Output template under the root (`query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet`). */
  template: string
}
