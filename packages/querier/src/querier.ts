import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api'
import { ParquetryError, quoteIdentifier, wrapError } from '@parquetry/schema'
import { createLocalStorage, type Storage } from '@parquetry/storage'
import { join } from 'node:path'
import { cacheObjects, cacheRootFor, defaultCacheDir } from './cache.js'
import type { DatasetLayout } from './datasets.js'
import { listLayoutFiles, type DatasetFiles } from './files.js'
import { emptyRelationSql, quoteLiteral, readParquetSql } from './sql.js'

/** Options for {@link Querier.create}. */
export interface QuerierOptions {
  /** Where the files are: a storage (local, or S3 from `@parquetry/storage/s3`)... */
  storage?: Storage
  /** ...or a local folder (the export's output folder). */
  root?: string
  /** The datasets, their views and layouts: `project.layouts()` from @parquetry/pipeline. */
  layouts: readonly DatasetLayout[]
  /**
   * Restrict every view to the files of these dates, listed from the layout
   * instead of globbed (faster with many small files).
   */
  range?: { from: string; to: string }
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
  signal?: AbortSignal
}

/** A JSON-safe cell value. */
export type CellValue = string | number | boolean | null | CellValue[] | { [key: string]: CellValue }

/** Rows and column types of a query. */
export interface QueryResult {
  columns: { name: string; type: string }[]
  rows: Record<string, CellValue>[]
}

/** One view the querier made. */
export interface ViewInfo {
  dataset: string
  view: string
  /** Files behind it; 0 means the view is empty (typed, no rows). */
  files: number
  source: string
}

/**
 * The seed's macros, made valid DuckDB: slow_queries is a table macro. The
 * seed's parameter types become casts, because typed macro parameters need
 * DuckDB storage v1.4, which older clients (Grafana's plugin) cannot open.
 */
export const macroSql = [
  `CREATE OR REPLACE MACRO avg_query_time(days) AS (SELECT AVG(execution_time_ms) FROM query_performance WHERE date_partition >= CURRENT_DATE - CAST(days AS INTEGER))`,
  `CREATE OR REPLACE MACRO slow_queries(threshold_ms) AS TABLE SELECT * FROM query_performance WHERE execution_time_ms > CAST(threshold_ms AS DOUBLE) ORDER BY execution_time_ms DESC`,
]

const integerTypes = new Set(['BIGINT', 'HUGEINT', 'UBIGINT', 'UHUGEINT'])

/**
 * DuckDB over a Parquetry dataset root: one view per dataset (seed 000's
 * `query_performance` and `index_recommendations`, and one per other
 * dataset) reading hive partitions with typed keys, and the seed's macros.
 * A dataset without files gets an empty view of its schema, so queries
 * return no rows instead of "No files found".
 */
export class Querier {
  /** Where the files are (`file:///…` or `s3://…`). */
  readonly location: string
  readonly views: readonly ViewInfo[]
  readonly #instance: DuckDBInstance
  readonly #connection: DuckDBConnection

  private constructor(location: string, instance: DuckDBInstance, connection: DuckDBConnection, views: ViewInfo[]) {
    this.location = location
    this.#instance = instance
    this.#connection = connection
    this.views = views
  }

  /**
   * Opens DuckDB and creates the views and macros.
   *
   * @throws ParquetryError `QUERY_FAILED` when DuckDB cannot start or a view cannot be made.
   */
  static async create(options: QuerierOptions): Promise<Querier> {
    const storage = options.storage ?? createLocalStorage({ root: options.root ?? '.' })
    const local = localRoot(storage)
    let instance: DuckDBInstance
    try {
      instance = await DuckDBInstance.create(options.database ?? ':memory:')
    } catch (error) {
      throw wrapError(error, 'QUERY_FAILED', `cannot open DuckDB${options.database ? ` at ${options.database}` : ''}`)
    }
    const connection = await instance.connect()
    let views: ViewInfo[]
    try {
      const found = await Promise.all(options.layouts.map((layout) => listLayoutFiles(storage, layout, options.range)))
      const createViews = async (filesOf: (index: number) => Promise<string | string[]>): Promise<ViewInfo[]> => {
        const made: ViewInfo[] = []
        for (const [index, layout] of options.layouts.entries()) {
          const count = (found[index] as DatasetFiles).files.length
          const source = count === 0 ? emptyRelationSql(layout) : `SELECT * FROM ${readParquetSql(await filesOf(index), layout)}`
          await connection.run(`CREATE OR REPLACE VIEW ${quoteIdentifier(layout.view)} AS ${source}`)
          made.push({ dataset: layout.name, view: layout.view, files: count, source })
        }
        return made
      }
      // S3 without httpfs: the files a view needs are downloaded into a cache keyed by ETag.
      const download = (index: number) => cacheObjects(storage, (found[index] as DatasetFiles).files, cacheRootFor(options.cacheDir ?? defaultCacheDir(), storage), options.signal)
      if (local !== undefined) {
        // The listed files only, each read literally: never a glob, which would read what the layout did not render.
        views = await createViews(async (index) => (found[index] as DatasetFiles).files.map((file) => join(local, ...file.path.split('/'))))
      } else if (await loadHttpfs(connection, storage, options)) {
        // httpfs loaded, but the store may still refuse it (credentials it cannot use): then the cache.
        views = await createViews(async (index) => (found[index] as DatasetFiles).files.map((file) => `${storage.url}/${file.path}`)).catch(() => createViews(download))
      } else {
        views = await createViews(download)
      }
      if (views.some((view) => view.view === 'query_performance')) for (const sql of macroSql) await connection.run(sql)
    } catch (error) {
      connection.closeSync()
      instance.closeSync()
      throw wrapError(error, 'QUERY_FAILED', `cannot create the views over ${storage.url}`)
    }
    return new Querier(storage.url, instance, connection, views)
  }

  /**
   * Runs SQL with bound parameters (`$name` with an object, `$1` with an
   * array) — never interpolated — and returns JSON-safe rows: BIGINTs that
   * fit a double as numbers, larger ones as strings; dates and timestamps as
   * ISO-like text.
   *
   * @throws ParquetryError `QUERY_FAILED` with DuckDB's message.
   */
  async query(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Promise<QueryResult> {
    let reader
    try {
      reader = await this.#connection.runAndReadAll(sql, params as never)
    } catch (error) {
      throw wrapError(error, 'QUERY_FAILED', 'query failed')
    }
    const names = reader.columnNames()
    const types = reader.columnTypes().map((type) => type.toString())
    const rows = reader.getRowObjectsJson() as Record<string, CellValue>[]
    names.forEach((name, index) => {
      if (!integerTypes.has(types[index] as string)) return
      for (const row of rows) {
        const value = row[name]
        if (typeof value === 'string' && Number.isSafeInteger(Number(value))) row[name] = Number(value)
      }
    })
    return { columns: names.map((name, index) => ({ name, type: types[index] as string })), rows }
  }

  /** Columns of a dataset's view as DuckDB sees them. */
  async describe(dataset: string): Promise<{ name: string; type: string }[]> {
    const view = this.views.find((entry) => entry.dataset === dataset || entry.view === dataset)
    if (!view) throw new ParquetryError('USAGE', `unknown dataset ${JSON.stringify(dataset)}; known: ${this.views.map((entry) => entry.dataset).join(', ')}`)
    const result = await this.query(`DESCRIBE ${quoteIdentifier(view.view)}`)
    return result.rows.map((row) => ({ name: String(row['column_name']), type: String(row['column_type']) }))
  }

  /** Closes DuckDB. */
  close(): void {
    this.#connection.closeSync()
    this.#instance.closeSync()
  }
}


/** The folder of a local storage (DuckDB reads it directly), or undefined for a remote one. */
function localRoot(storage: Storage): string | undefined {
  const local = storage as Storage & { root?: unknown; resolvePath?: unknown }
  return storage.url.startsWith('file:') && typeof local.root === 'string' ? local.root : undefined
}

/**
 * Whether DuckDB can read an S3 storage itself: httpfs loads (it is never
 * downloaded here: only an extension already installed is used) and a secret
 * is made from the storage's settings and the credentials its client signs
 * with (its chain: keys, variables, profiles, roles). Otherwise the caller
 * downloads the files.
 */
async function loadHttpfs(connection: DuckDBConnection, storage: Storage, options: QuerierOptions): Promise<boolean> {
  const s3 = storage as Storage & {
    settings?: { region: string; endpoint: string | undefined; forcePathStyle: boolean }
    resolveCredentials?: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>
  }
  if (options.httpfs === false || !storage.url.startsWith('s3://') || !s3.settings || !s3.resolveCredentials) return false
  try {
    await connection.run('LOAD httpfs')
    const credentials = await s3.resolveCredentials()
    const parts = [`TYPE s3`, `REGION ${quoteLiteral(s3.settings.region)}`, `KEY_ID ${quoteLiteral(credentials.accessKeyId)}`, `SECRET ${quoteLiteral(credentials.secretAccessKey)}`]
    if (credentials.sessionToken) parts.push(`SESSION_TOKEN ${quoteLiteral(credentials.sessionToken)}`)
    if (s3.settings.endpoint) {
      const endpoint = new URL(s3.settings.endpoint)
      parts.push(`ENDPOINT ${quoteLiteral(endpoint.host)}`, `USE_SSL ${endpoint.protocol === 'https:'}`)
    }
    if (s3.settings.forcePathStyle) parts.push(`URL_STYLE 'path'`)
    await connection.run(`CREATE OR REPLACE SECRET parquetry_s3 (${parts.join(', ')})`)
    return true
  } catch {
    return false
  }
}
