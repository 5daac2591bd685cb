import { defineSchema } from '../define-schema.js'
import { queryPerfSchema } from './query-perf.js'

/**
 * `query_perf_weekly`: the weekly rollups (seed 000, `query_perf_weekly_YYYYWW.csv`),
 * with the same columns as `query_perf`; each row lands in the partition of its own date.
 */
export const queryPerfWeeklySchema = defineSchema({
  name: 'query_perf_weekly',
  version: 1,
  description: 'Per-query performance rollups from the weekly query_perf CSV files.',
  columns: queryPerfSchema.columns.map((column) => ({
    name: column.name,
    type: column.type,
    nullable: column.nullable,
    description: column.description,
    ...(column.type === 'timestamp' ? { unit: column.unit } : {}),
    emptyAsNull: column.emptyAsNull,
    bloomFilter: column.bloomFilter,
  })),
})
