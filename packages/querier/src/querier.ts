import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api'
import { ParquetryError, quoteIdentifier, wrapError } from '@parquetry/schema'
import { resolve } from 'node:path'
import { defaultLayouts, type DatasetLayout } from './datasets.js'
import { filesForRange, globFor } from './files.js'
import { emptyRelationSql, readParquetSql } from './sql.js'

/** Options for {@link Querier.create}. */
export interface QuerierOptions {
  /** The dataset root (the export's output folder). */
  root: string
  /** Datasets, their views and layouts. Default: the ops datasets and pageviews. */
  layouts?: readonly DatasetLayout[]
  /**
   * Restrict every view to the files named for these dates, listed from the
   * layout instead of globbed (faster with many small files).
   */
  range?: { from: string; to: string }
  /** A DuckDB database file to create the views in (a catalog). Default: in memory. */
  database?: string
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
  readonly root: string
  readonly views: readonly ViewInfo[]
  readonly #instance: DuckDBInstance
  readonly #connection: DuckDBConnection

  private constructor(root: string, instance: DuckDBInstance, connection: DuckDBConnection, views: ViewInfo[]) {
    this.root = root
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
    const root = resolve(options.root)
    let instance: DuckDBInstance
    try {
      instance = await DuckDBInstance.create(options.database ?? ':memory:')
    } catch (error) {
      throw wrapError(error, 'QUERY_FAILED', `cannot open DuckDB${options.database ? ` at ${options.database}` : ''}`)
    }
    const connection = await instance.connect()
    const views: ViewInfo[] = []
    try {
      for (const layout of options.layouts ?? defaultLayouts) {
        let files: string[] | undefined
        let count: number
        if (options.range) {
          files = await filesForRange(root, layout, options.range)
          count = files.length
        } else {
          const reader = await connection.runAndReadAll('SELECT count(*) AS n FROM glob($1)', [globFor(root, layout)])
          count = Number(reader.getRowObjects()[0]?.['n'] ?? 0)
        }
        const source = count === 0 ? emptyRelationSql(layout.schema, layout.template) : `SELECT * FROM ${readParquetSql(files ?? globFor(root, layout), layout.template)}`
        await connection.run(`CREATE OR REPLACE VIEW ${quoteIdentifier(layout.view)} AS ${source}`)
        views.push({ dataset: layout.name, view: layout.view, files: count, source })
      }
      if (views.some((view) => view.view === 'query_performance')) for (const sql of macroSql) await connection.run(sql)
    } catch (error) {
      connection.closeSync()
      instance.closeSync()
      throw wrapError(error, 'QUERY_FAILED', `cannot create the views over ${root}`)
    }
    return new Querier(root, instance, connection, views)
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

