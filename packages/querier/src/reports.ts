import { addDays } from '@parquetry/partitioner'
import type { Querier } from './querier.js'

/** Reports give JSON-safe values whatever the querier's defaults: their row types say numbers and text. */
const reportValues = { bigint: 'json', timestamp: 'string' } as const

/** One day of the daily summary. */
export interface DailySummaryRow {
  date_partition: string
  query_count: number
  avg_execution_ms: number
  max_execution_ms: number
}

/** Per day, newest first: queries, mean and max execution time (the ops spec's validation query). */
export async function dailySummary(querier: Querier, options: { limit?: number } = {}): Promise<DailySummaryRow[]> {
  const result = await querier.query<DailySummaryRow>(
    `SELECT
  date_partition::VARCHAR AS date_partition,
  COUNT(*) as query_count,
  AVG(execution_time_ms) as avg_execution_ms,
  MAX(execution_time_ms) as max_execution_ms
FROM query_performance
GROUP BY date_partition
ORDER BY date_partition DESC
LIMIT $limit`,
    { limit: options.limit ?? 30 },
    reportValues,
  )
  return result.rows
}

/** One slow query. */
export interface SlowQueryRow {
  timestamp: string
  query_hash: string
  query_type: string
  execution_time_ms: number
  table_name: string | null
  index_used: string | null
  date_partition: string
}

/** Queries slower than `thresholdMs` (default 100), slowest first, through the seed's slow_queries macro. */
export async function slowQueries(querier: Querier, options: { thresholdMs?: number; limit?: number } = {}): Promise<SlowQueryRow[]> {
  const result = await querier.query<SlowQueryRow>(
    `SELECT timestamp::VARCHAR AS timestamp, query_hash, query_type, execution_time_ms, table_name, index_used, date_partition::VARCHAR AS date_partition
FROM slow_queries($threshold)
LIMIT $limit`,
    { threshold: options.thresholdMs ?? 100, limit: options.limit ?? 50 },
    reportValues,
  )
  return result.rows
}

/** One day of the weekly trend. */
export interface WeeklyTrendRow {
  date_partition: string
  queries: number
  avg_ms: number
}

/**
 * The seed's weekly check: per day of the 7 days ending `endDate` (give
 * today in the dataset's time zone: `project.today()`), queries and mean
 * execution time, oldest first.
 */
export async function weeklyTrend(querier: Querier, options: { endDate: string }): Promise<WeeklyTrendRow[]> {
  const end = options.endDate
  const result = await querier.query<WeeklyTrendRow>(
    `SELECT
  date_partition::VARCHAR AS date_partition,
  COUNT(*) as queries,
  AVG(execution_time_ms) as avg_ms
FROM query_performance
WHERE date_partition > $start::DATE AND date_partition <= $end::DATE
GROUP BY date_partition
ORDER BY date_partition`,
    { start: addDays(end, -7), end },
    reportValues,
  )
  return result.rows
}

/** The reports by name, for the CLI. */
export const reports = {
  'daily-summary': dailySummary,
  'slow-queries': slowQueries,
  'weekly-trend': weeklyTrend,
} as const
