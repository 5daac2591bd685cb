import type { DatasetSchema } from '../types.js'
import { indexAdvisorSchema } from './index-advisor.js'
import { optimizationSummarySchema } from './optimization-summary.js'
import { pageviewsSchema } from './pageviews.js'
import { queryPerfSchema } from './query-perf.js'
import { queryPerfWeeklySchema } from './query-perf-weekly.js'

/** The built-in schemas by dataset name. */
export const builtinSchemas: Readonly<Record<string, DatasetSchema>> = Object.freeze({
  query_perf: queryPerfSchema,
  query_perf_weekly: queryPerfWeeklySchema,
  index_advisor: indexAdvisorSchema,
  optimization_summary: optimizationSummarySchema,
  pageviews: pageviewsSchema,
})

/** The built-in schema called `name`, or undefined. */
export function getBuiltinSchema(name: string): DatasetSchema | undefined {
  return Object.hasOwn(builtinSchemas, name) ? builtinSchemas[name] : undefined
}
