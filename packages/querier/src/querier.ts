import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api'
import { ParquetryError, quoteIdentifier, wrapError } from '@parquetry/schema'
import { createLocalStorage, type Storage } from '@parquetry/storage'
import type { DatasetLayout } from './datasets.js'
import { checkParquetFile, errorMessage, isFileError, namesFile, namesSomePath } from './file-check.js'
import { listLayoutFiles, type DatasetFiles, type PartitionKeyValue } from './files.js'
import { readPathsFor } from './read-paths.js'
import { emptyRelationSql, readParquetSql } from './sql.js'

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
  /** Files it reads (files left out as damaged not counted); 0 means the view is empty (typed, no rows). */
  files: number
  source: string
}

/** A file of a dataset that DuckDB cannot read, left out of its view. */
export interface FileProblem {
  dataset: string
  view: string
  /** Its storage path (`query_perf/year=2025/month=10/query_perf_20251028.parquet`). */
  path: string
  /** DuckDB's reason (`Invalid Input Error: No magic bytes found at end of file`). */
  reason: string
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

/** A view and the files it reads: each storage path and the path DuckDB reads it at (a local file, a cached copy or an s3:// URL). */
interface ViewState {
  readonly layout: DatasetLayout
  files: { path: string; read: string }[]
  source: string
}

/**
 * DuckDB over a Parquetry dataset root: one view per dataset (seed 000's
 * `query_performance` and `index_recommendations`, and one per other
 * dataset) reading hive partitions with typed keys, and the seed's macros.
 * A dataset without files gets an empty view of its schema, so queries
 * return no rows instead of "No files found".
 *
 * A view reads exactly the files its layout renders, each path read
 * literally (never as a glob). A file DuckDB cannot read — truncated, not
 * Parquet, damaged pages — is left out of its view when it is found (see
 * {@link Querier.query}) and listed in {@link Querier.problems}; a query that
 * reads no dataset never touches the files.
 */
export class Querier {
  /** Where the files are (`file:///…` or `s3://…`). */
  readonly location: string
  readonly #instance: DuckDBInstance
  readonly #connection: DuckDBConnection
  readonly #states: ViewState[]
  readonly #problems: FileProblem[] = []

  private constructor(location: string, instance: DuckDBInstance, connection: DuckDBConnection, states: ViewState[]) {
    this.location = location
    this.#instance = instance
    this.#connection = connection
    this.#states = states
  }

  /** The views, in the order of the layouts. */
  get views(): readonly ViewInfo[] {
    return this.#states.map((state) => ({ dataset: state.layout.name, view: state.layout.view, files: state.files.length, source: state.source }))
  }

  /** The files left out of their views so far, each with DuckDB's reason: report them (the CLI prints them on stderr). */
  get problems(): readonly FileProblem[] {
    return [...this.#problems]
  }

  /**
   * Opens DuckDB and creates the views and macros. Creating a view reads the
   * footer of its first file only (a damaged one is left out).
   *
   * @throws ParquetryError `QUERY_FAILED` when DuckDB cannot start or a view
   *   cannot be made; `PATH_INVALID` for a path DuckDB cannot read exactly ({@link escapeGlob});
   *   `USAGE` for a `keys` entry that is no column of any layout.
   */
  static async create(options: QuerierOptions): Promise<Querier> {
    for (const key of Object.keys(options.keys ?? {})) {
      if (!options.layouts.some((layout) => layout.schema.columns.some((column) => column.name === key))) {
        throw new ParquetryError('USAGE', `keys: ${JSON.stringify(key)} is no column of ${options.layouts.map((layout) => layout.name).join(', ') || 'any dataset'}`)
      }
    }
    const storage = options.storage ?? createLocalStorage({ root: options.root ?? '.' })
    let instance: DuckDBInstance
    try {
      instance = await DuckDBInstance.create(options.database ?? ':memory:')
    } catch (error) {
      throw wrapError(error, 'QUERY_FAILED', `cannot open DuckDB${options.database ? ` at ${options.database}` : ''}`)
    }
    const connection = await instance.connect()
    try {
      const found = await Promise.all(options.layouts.map((layout) => listLayoutFiles(storage, layout, { range: options.range, keys: options.keys })))
      const readPaths = await readPathsFor(connection, storage, options, found)
      const states: ViewState[] = []
      for (const [index, layout] of options.layouts.entries()) {
        const listed = found[index] as DatasetFiles
        const reads = await readPaths(listed)
        states.push({ layout, files: listed.files.map((file, position) => ({ path: file.path, read: reads[position] as string })), source: '' })
      }
      const querier = new Querier(storage.url, instance, connection, states)
      for (const state of states) await querier.#createView(state)
      if (states.some((state) => state.layout.view === 'query_performance')) for (const sql of macroSql) await connection.run(sql)
      return querier
    } catch (error) {
      connection.closeSync()
      instance.closeSync()
      throw wrapError(error, 'QUERY_FAILED', `cannot create the views over ${storage.url}`)
    }
  }

  /**
   * Runs SQL with bound parameters (`$name` with an object, `$1` with an
   * array) — never interpolated — and returns JSON-safe rows: BIGINTs that
   * fit a double as numbers, larger ones as strings; dates and timestamps as
   * ISO-like text.
   *
   * When DuckDB fails on a file of a view the SQL names (a footer it cannot
   * read, pages it cannot decode), the files of those views are checked —
   * the one DuckDB names, else each in full — the damaged ones are left out
   * (added to {@link problems}) and the SQL runs again over the rest.
   *
   * @throws ParquetryError `QUERY_FAILED` with DuckDB's message.
   */
  async query(sql: string, params?: Record<string, DuckDBValue> | DuckDBValue[]): Promise<QueryResult> {
    let reader
    for (;;) {
      try {
        reader = await this.#connection.runAndReadAll(sql, params as never)
        break
      } catch (error) {
        // Each pass leaves out at least one file, so this ends.
        const affected = await this.#leaveOut(error, this.#viewsNamedIn(sql), { data: true })
        if (affected.length === 0) throw wrapError(error, 'QUERY_FAILED', 'query failed')
        try {
          for (const state of affected) await this.#createView(state)
        } catch (failed) {
          throw wrapError(failed, 'QUERY_FAILED', 'query failed')
        }
      }
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

  /**
   * Checks the footer of every file of the datasets (default: all) — one
   * small read per file — and leaves out the ones DuckDB cannot read, so
   * that the views (a catalog's, say) name only readable files. Damaged
   * pages behind an intact footer are found only when a query reads them.
   * Returns the problems it found.
   *
   * @throws ParquetryError `USAGE` for an unknown dataset.
   */
  async checkFiles(options: { datasets?: readonly string[] } = {}): Promise<FileProblem[]> {
    const states = options.datasets ? options.datasets.map((name) => this.#state(name)) : this.#states
    const found: FileProblem[] = []
    for (const state of states) {
      const bad = new Map<string, string>()
      for (const file of state.files) {
        const reason = await checkParquetFile(this.#connection, file.read)
        if (reason !== undefined) bad.set(file.path, reason)
      }
      if (bad.size === 0) continue
      found.push(...this.#drop(state, bad))
      await this.#createView(state)
    }
    return found
  }

  /** Columns of a dataset's view as DuckDB sees them. */
  async describe(dataset: string): Promise<{ name: string; type: string }[]> {
    const state = this.#state(dataset)
    const result = await this.query(`DESCRIBE ${quoteIdentifier(state.layout.view)}`)
    return result.rows.map((row) => ({ name: String(row['column_name']), type: String(row['column_type']) }))
  }

  /** Closes DuckDB. */
  close(): void {
    this.#connection.closeSync()
    this.#instance.closeSync()
  }

  #state(dataset: string): ViewState {
    const state = this.#states.find((entry) => entry.layout.name === dataset || entry.layout.view === dataset)
    if (!state) throw new ParquetryError('USAGE', `unknown dataset ${JSON.stringify(dataset)}; known: ${this.#states.map((entry) => entry.layout.name).join(', ')}`)
    return state
  }

  /** (Re)creates a view over its files; binding reads the first file's footer, so a damaged first file is left out and the view made again. */
  async #createView(state: ViewState): Promise<void> {
    for (;;) {
      const source = state.files.length === 0 ? emptyRelationSql(state.layout) : `SELECT * FROM ${readParquetSql(state.files.map((file) => file.read), state.layout)}`
      try {
        await this.#connection.run(`CREATE OR REPLACE VIEW ${quoteIdentifier(state.layout.view)} AS ${source}`)
        state.source = source
        return
      } catch (error) {
        if ((await this.#leaveOut(error, [state], { data: false })).length === 0) throw error
      }
    }
  }

  /** The views a statement may read: those it names, and query_performance behind the seed's macros. */
  #viewsNamedIn(sql: string): ViewState[] {
    const names = (word: string) => new RegExp(`(?<![A-Za-z0-9_])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`, 'i').test(sql)
    const macros = names('slow_queries') || names('avg_query_time')
    return this.#states.filter((state) => names(state.layout.view) || (macros && state.layout.view === 'query_performance'))
  }

  /**
   * After a DuckDB error that may come from a file: finds the damaged files
   * among those of `states` and leaves them out. A file the error names is
   * checked (in full with `data`); when it is damaged, the footers of the
   * others are checked too, so several truncated files go in one pass. When
   * the error names no file at all (damaged pages), each file is read in
   * full with `data`, else the first file of each view (what binding reads)
   * is checked.
   * Returns the views that lost files.
   */
  async #leaveOut(error: unknown, states: readonly ViewState[], options: { data: boolean }): Promise<ViewState[]> {
    const message = errorMessage(error)
    if (!isFileError(message)) return []
    const bad = new Map<ViewState, Map<string, string>>()
    const check = async (entries: readonly { state: ViewState; file: ViewState['files'][number] }[], data: boolean): Promise<void> => {
      for (const { state, file } of entries) {
        if (bad.get(state)?.has(file.path)) continue
        const reason = await checkParquetFile(this.#connection, file.read, { data })
        if (reason === undefined) continue
        if (!bad.has(state)) bad.set(state, new Map())
        bad.get(state)?.set(file.path, reason)
      }
    }
    const all = states.flatMap((state) => state.files.map((file) => ({ state, file })))
    const named = all.filter(({ file }) => namesFile(message, file.read))
    // An error naming some other file (one the SQL reads itself) is not one of the views'.
    if (named.length === 0 && namesSomePath(message)) return []
    if (named.length > 0) await check(named, options.data)
    if (bad.size > 0) await check(all, false)
    else if (options.data) await check(all, true)
    else if (named.length === 0) await check(states.flatMap((state) => state.files.slice(0, 1).map((file) => ({ state, file }))), false)
    for (const [state, reasons] of bad) this.#drop(state, reasons)
    return [...bad.keys()]
  }

  /** Removes files (storage path → reason) from a view's list and records them as problems. */
  #drop(state: ViewState, reasons: ReadonlyMap<string, string>): FileProblem[] {
    state.files = state.files.filter((file) => !reasons.has(file.path))
    const problems = [...reasons].map(([path, reason]) => ({ dataset: state.layout.name, view: state.layout.view, path, reason }))
    this.#problems.push(...problems)
    return problems
  }
}
