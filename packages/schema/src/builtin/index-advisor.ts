import { defineSchema } from '../define-schema.js'

/**
 * `index_advisor`: index recommendations (seed 000, `index_advisor_report.json`),
 * one row per recommendation with the report's timestamp.
 */
export const indexAdvisorSchema = defineSchema({
  name: 'index_advisor',
  version: 1,
  description: 'Index recommendations from the optimizer, one row per recommendation.',
  columns: [
    { name: 'timestamp', type: 'timestamp', nullable: false, description: "The report's timestamp (UTC)." },
    { name: 'table_name', type: 'string', nullable: false, description: 'Table the index is for (`table` in the report).' },
    { name: 'recommended_index', type: 'string', nullable: false, description: 'Recommended index (`index` in the report).' },
    { name: 'query_pattern', type: 'string', emptyAsNull: true, description: 'Query shape that would benefit.' },
    { name: 'estimated_speedup', type: 'double', description: 'Estimated speedup factor.' },
    { name: 'estimated_cost', type: 'double', description: 'Estimated cost of building and keeping the index.' },
    { name: 'priority', type: 'string', emptyAsNull: true, description: 'high, medium or low.' },
    { name: 'status', type: 'string', emptyAsNull: true, description: 'Recommendation status (pending, applied, rejected, ...).' },
    { name: 'date_partition', type: 'date', nullable: false, description: 'UTC date of `timestamp`; the partition key.' },
  ],
})
