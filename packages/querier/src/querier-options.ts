import type { Storage } from '@parquetry/storage'
import type { DatasetLayout } from './datasets.js'
import type { PartitionKeyValue } from './files.js'
import type { ValueOptions } from './values.js'

/** Options for {@link Querier.create}. */
export interface QuerierOptions {
  /** Where the files are: a storage (local, or S3 from `@parquetry/storage/s3`)... */
  storage?: Storage
  /** ...or a local folder (the export's output folder). */
  root?: string
  /** The datasets, their views and layouts: `project.layouts()` from @parquetry/pipeline. */
  layouts: readonly DatasetLayout[]
  /**
   * Restrict every view to the files of these dates, listed from the
   * layout's folders of those dates instead of its whole tree.
   */
  range?: { from: string; to: string }
  /**
   * Restrict every view to the files whose path holds these values, keyed
   * by the schema column a layout's `{column}` token names (`{ project_slug:
   * 'docs' }` with `pageviews/project={project_slug}/…`): only those files
   * are listed — from their own folder (`pageviews/project=docs/`) when the
   * token is a leading folder — and, on S3, downloaded. A layout without
   * that token is not narrowed (its files hold every value); the SQL still
   * filters rows by value.
   *
   * @throws ParquetryError `USAGE` (from {@link Querier.create}) for a key that is no column of any layout.
   */
  keys?: Readonly<Record<string, PartitionKeyValue>>
  /** A DuckDB database file to create the views in (a catalog). Default: in memory. */
  database?: string
  /** Where files of an S3 storage are downloaded to when DuckDB's httpfs is not available. Default `~/.cache/parquetry`. */
  cacheDir?: string
  /**
   * Let DuckDB read S3 itself through its httpfs extension, when it is
   * installed. Default true; without it (or when it does not load, or the
   * store refuses it) the files are downloaded into the cache.
   */
  httpfs?: boolean
  /**
   * How values come back from {@link Querier.query}, {@link Querier.queryAll}
   * and {@link Querier.stream} unless a call says otherwise: `{ bigint:
   * 'json' | 'bigint' | 'string', timestamp: 'string' | 'date' | 'micros' }`.
   * Default `{ bigint: 'json', timestamp: 'string' }` (JSON-safe).
   */
  values?: ValueOptions
  signal?: AbortSignal
}

/** Options of {@link Querier.query} and {@link Querier.queryAll}: how values come back, over the querier's `values`. */
export type QueryOptions = ValueOptions

/** Options of {@link Querier.stream}. */
export interface StreamOptions extends ValueOptions {
  /** Rows per batch. Default: DuckDB's chunks as they come (2,048 rows each). */
  batchRows?: number
}
