// Test data shared by the querier's tests (not exported by the package).
import { createLayout } from '@parquetry/partitioner'
import { indexAdvisorSchema, pageviewsSchema, parseTimestampText, queryPerfSchema, type Row } from '@parquetry/schema'
import type { Storage } from '@parquetry/storage'
import { writeParquet } from '@parquetry/writer'
import type { DatasetLayout } from './datasets.js'

/** The seed's query_perf layout, and index_advisor beside it. */
export function opsLayouts(template = '{dataset}/year={yyyy}/month={mm}/{dataset}_{yyyymmdd}.parquet'): DatasetLayout[] {
  return [
    { name: 'query_perf', view: 'query_performance', schema: queryPerfSchema, template },
    { name: 'index_advisor', view: 'index_recommendations', schema: indexAdvisorSchema, template },
  ]
}

/**
 * `count` query_perf rows of a date: execution times 1, 2, …, count ms (so
 * a day's sum is count·(count+1)/2), query_hash `marker`, query_type
 * alternating SELECT / UPDATE.
 */
export function queryPerfRows(date: string, count: number, marker = 'h'): Row[] {
  return Array.from({ length: count }, (_, index) => ({
    timestamp: parseTimestampText(`${date}T${String(index % 24).padStart(2, '0')}:00:00Z`) as bigint,
    query_hash: marker,
    query_type: index % 2 === 0 ? 'SELECT' : 'UPDATE',
    execution_time_ms: index + 1,
    rows_examined: BigInt(index),
    rows_returned: 1n,
    cache_hit: false,
    table_name: 'embeddings',
    index_used: null,
    cpu_time_ms: null,
    io_wait_ms: null,
    date_partition: date,
  }))
}

/** One index_advisor row of a date. */
export function indexAdvisorRows(date: string): Row[] {
  return [{ timestamp: parseTimestampText(`${date}T04:00:00Z`) as bigint, table_name: 'embeddings', recommended_index: 'idx_v', query_pattern: null, estimated_speedup: 3.5, estimated_cost: null, priority: 'high', status: null, date_partition: date }]
}

/** Writes rows of one date where the layout puts them (one file per value of its column tokens); returns the paths. */
export async function writeDate(storage: Storage, layout: DatasetLayout, date: string, rows: readonly Row[], options: { rowGroupSize?: number } = {}): Promise<string[]> {
  const compiled = createLayout({ template: layout.template, dataset: layout.name, columns: layout.schema.columns })
  const files = new Map<string, Row[]>()
  for (const row of rows) {
    const path = compiled.render(date, row)
    const list = files.get(path) ?? []
    list.push(row)
    files.set(path, list)
  }
  for (const [path, fileRows] of files) {
    await writeParquet({ schema: layout.schema, rows: fileRows, sink: await storage.createSink(path), ...(options.rowGroupSize ? { rowGroupSize: options.rowGroupSize } : {}) })
  }
  return [...files.keys()]
}

/** The two layouts a pageviews export writes: one file per day, or per project and day. */
export const pageviewTemplates = {
  daily: 'pageviews/date={date}/pageviews_{yyyymmdd}.parquet',
  perProject: 'pageviews/project={project_slug}/date={date}/pageviews_{yyyymmdd}.parquet',
} as const

/** The pageviews dataset in one of its layouts. */
export function pageviewLayout(template: string): DatasetLayout {
  return { name: 'pageviews', view: 'pageviews', schema: pageviewsSchema, template }
}

/** One pageviews row (Read the Docs' PageView); ids and project ids are made up. */
export function pageviewRow(row: { project: string; date: string; path: string; views: number; version?: string | null; fullPath?: string | null; status?: number }): Row {
  const version = row.version ?? null
  return {
    id: 0n, // writePageviews numbers the rows
    project_id: row.project.length,
    project_slug: row.project,
    version_id: version === null ? null : version.length,
    version_slug: version,
    path: row.path,
    full_path: row.fullPath === undefined ? (version === null ? null : `/en/${version}${row.path}`) : row.fullPath,
    view_count: row.views,
    date: row.date,
    status: row.status ?? 200,
  }
}

/** Writes pageviews rows where the layout puts them, one file per date (and project); returns the paths. */
export async function writePageviews(storage: Storage, layout: DatasetLayout, rows: readonly Row[]): Promise<string[]> {
  const byDate = new Map<string, Row[]>()
  for (const [index, row] of rows.entries()) {
    const date = row['date'] as string
    byDate.set(date, [...(byDate.get(date) ?? []), { ...row, id: BigInt(index + 1) }])
  }
  const paths: string[] = []
  for (const [date, dateRows] of byDate) paths.push(...(await writeDate(storage, layout, date, dateRows)))
  return paths
}

/** A storage that records the prefixes listed and the paths downloaded through it (every other call passes through). */
export function recordingStorage(storage: Storage): { storage: Storage; listed: string[]; streamed: string[] } {
  const listed: string[] = []
  const streamed: string[] = []
  const recording = new Proxy(storage, {
    get(target, property) {
      if (property === 'list') {
        return (prefix?: string) => {
          listed.push(prefix ?? '')
          return target.list(prefix)
        }
      }
      if (property === 'stream') {
        return (path: string, options?: { signal?: AbortSignal }) => {
          streamed.push(path)
          return target.stream(path, options)
        }
      }
      const value = Reflect.get(target, property, target) as unknown
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
  return { storage: recording, listed, streamed }
}
