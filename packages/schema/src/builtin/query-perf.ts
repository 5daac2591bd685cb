import { defineSchema } from '../define-schema.js'

/**
 * `query_perf`: per-query performance rollups (seed 000, `query_perf_daily_YYYYMMDD.csv`).
 * `cpu_time_ms` and `io_wait_ms` are nullable because the seed's sample CSV does not carry them.
 */
export const queryPerfSchema = defineSchema({
  name: 'query_perf',
  version: 1,
  description: 'Per-query performance rollups from the daily query_perf CSV files.',
  columns: [
    { name: 'timestamp', type: 'timestamp', nullable: false, description: 'When the query ran (UTC).' },
    { name: 'query_hash', type: 'string', nullable: false, bloomFilter: true, description: 'Hash identifying the normalised query text.' },
    { name: 'query_type', type: 'string', nullable: false, description: 'Statement kind: SELECT, INSERT, UPDATE, DELETE, ...' },
    { name: 'execution_time_ms', type: 'double', nullable: false, description: 'Wall-clock execution time in milliseconds.' },
    { name: 'rows_examined', type: 'int64', description: 'Rows the engine examined.' },
    { name: 'rows_returned', type: 'int64', description: 'Rows returned to the client.' },
    { name: 'cache_hit', type: 'boolean', description: 'Whether the result came from cache.' },
    { name: 'table_name', type: 'string', emptyAsNull: true, bloomFilter: true, description: 'Main table the query touched.' },
    { name: 'index_used', type: 'string', emptyAsNull: true, description: 'Index the plan used; null when none.' },
    { name: 'cpu_time_ms', type: 'double', description: 'CPU time in milliseconds.' },
    { name: 'io_wait_ms', type: 'double', description: 'Time spent waiting on I/O in milliseconds.' },
    { name: 'date_partition', type: 'date', nullable: false, description: 'UTC date of `timestamp`; the partition key.' },
  ],
})
