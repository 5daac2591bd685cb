import { defineSchema } from '../define-schema.js'

/** `optimization_summary`: optimizer events as a time series (seed 000, `optimization_summary.txt`). */
export const optimizationSummarySchema = defineSchema({
  name: 'optimization_summary',
  version: 1,
  description: 'Optimizer events: one row per event line of optimization_summary.txt.',
  columns: [
    { name: 'timestamp', type: 'timestamp', nullable: false, description: 'When the event happened (UTC).' },
    { name: 'event_type', type: 'string', nullable: false, description: 'What happened (index_created, vacuum, ...).' },
    { name: 'metric_name', type: 'string', emptyAsNull: true, description: 'Name of the measured metric, when the event carries one.' },
    { name: 'metric_value', type: 'double', description: 'Value of the metric.' },
    { name: 'metadata', type: 'json', description: "The event's remaining fields as a JSON object." },
    { name: 'date_partition', type: 'date', nullable: false, description: 'UTC date of `timestamp`; the partition key.' },
  ],
})
