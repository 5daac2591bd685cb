import { addDays } from '@parquetry/partitioner'
import type { Querier } from './querier.js'

/** One day of the seed's validation query. */
export interface DailySummaryRow {
  date_partition: string
  query_count: number
  avg_execution_ms: number
  max_execution_ms: number
}

/** Seed 000's Phase 4 validation query: per day, queries, mean and max execution time, newest first. */
export async function dailySummary(querier: Querier, options: { limit?: number } = {}): Promise<DailySummaryRow[]> {
  const result = await querier.query(
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
  )
  return result.rows as unknown as DailySummaryRow[]
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
  const result = await querier.query(
    `SELECT timestamp::VARCHAR AS timestamp, query_hash, query_type, execution_time_ms, table_name, index_used, date_partition::VARCHAR AS date_partition
FROM slow_queries($threshold)
LIMIT $limit`,
    { threshold: options.thresholdMs ?? 100, limit: options.limit ?? 50 },
  )
  return result.rows as unknown as SlowQueryRow[]
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
  const result = await querier.query(
    `SELECT
  date_partition::VARCHAR AS date_partition,
  COUNT(*) as queries,
  AVG(execution_time_ms) as avg_ms
FROM query_performance
WHERE date_partition > $start::DATE AND date_partition <= $end::DATE
GROUP BY date_partition
ORDER BY date_partition`,
    { start: addDays(end, -7), end },
  )
  return result.rows as unknown as WeeklyTrendRow[]
}

/** The reports by name, for the CLI. */
export const reports = {
  'daily-summary': dailySummary,
  'slow-queries': slowQueries,
  'weekly-trend': weeklyTrend,
} as const
