import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api'
import { ParquetryError, quoteIdentifier, wrapError } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import type { DatasetLayout } from './datasets.js'
import { checkParquetFile, errorMessage, isFileError, namesFile, namesSomePath } from './file-check.js'
import { listLayoutFiles, type DatasetFiles } from './files.js'
import { hasParams, type QueryParams } from './params.js'
import type { QuerierOptions, QueryOptions, StreamOptions } from './querier-options.js'
import { readPathsFor } from './read-paths.js'
import { emptyRelationSql, readParquetSql } from './sql.js'
import { runLeading, runStatement, statementsOf, streamStatement } from './statements.js'
import { resolveValues, type CellValue, type DefaultRow, type NativeValueOptions, type QueryResult, type QueryValue, type ValueOptions } from './values.js'

export type { QuerierOptions, QueryOptions, StreamOptions } from './querier-options.js'

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
  // The window counts back from the day after the newest date of the data — CURRENT_DATE
  // when the export is current through yesterday, as the ops spec writes it — so data that
  // stops earlier (a sample month, an export that fell behind) still has its last days.
  `CREATE OR REPLACE MACRO avg_query_time(days) AS (SELECT AVG(execution_time_ms) FROM query_performance WHERE date_partition >= (SELECT max(date_partition) FROM query_performance) + 1 - CAST(days AS INTEGER))`,
  `CREATE OR REPLACE MACRO slow_queries(threshold_ms) AS TABLE SELECT * FROM query_performance WHERE execution_time_ms > CAST(threshold_ms AS DOUBLE) ORDER BY execution_time_ms DESC`,
]

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
export class Querier<Rows extends object = Record<string, CellValue>> {
  /** Where the files are (`file:///…` or `s3://…`). */
  readonly location: string
  readonly #instance: DuckDBInstance
  readonly #connection: DuckDBConnection
  readonly #states: ViewState[]
  readonly #problems: FileProblem[] = []
  readonly #values: ValueOptions | undefined
  /** The connections of the streams being read, closed with the querier. */
  readonly #streams = new Set<DuckDBConnection>()

  private constructor(location: string, instance: DuckDBInstance, connection: DuckDBConnection, states: ViewState[], values: ValueOptions | undefined) {
    this.location = location
    this.#instance = instance
    this.#connection = connection
    this.#states = states
    this.#values = values
  }

  /**
   * The DuckDB connection, for what the querier does not wrap (appenders,
   * your own functions, `EXPLAIN ANALYZE`, extensions). The views and macros
   * live in its database, so every connection of it sees them; a `TEMP`
   * object or a `SET` made here is this connection's own, and
   * {@link stream} (which reads on a connection of its own) does not see it.
   * Do not close it: {@link close} does. The damaged-file recovery of
   * {@link query} does not apply to what you run here.
   */
  get connection(): DuckDBConnection {
    return this.#connection
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
  static async create<const O extends QuerierOptions>(options: O): Promise<Querier<DefaultRow<O['values']>>> {
    for (const key of Object.keys(options.keys ?? {})) {
      if (!options.layouts.some((layout) => layout.schema.columns.some((column) => column.name === key))) {
        throw new ParquetryError('USAGE', `keys: ${JSON.stringify(key)} is no column of ${options.layouts.map((layout) => layout.name).join(', ') || 'any dataset'}`)
      }
    }
    resolveValues(options.values, undefined)
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
      const querier = new Querier<DefaultRow<O['values']>>(storage.url, instance, connection, states, options.values)
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
   * array; a `Date` binds as a TIMESTAMP, a `bigint` as a BIGINT or
   * HUGEINT — see {@link QueryParam}) — never interpolated — and returns
   * its rows as `T` (not checked: name the columns your SQL returns). With
   * the default value options rows are JSON-safe: a BIGINT column is
   * numbers when every value fits ±(2^53 − 1), else all strings;
   * timestamps are ISO-like text, dates `YYYY-MM-DD` (see {@link ValueOptions}).
   * Column names are DuckDB's, a repeated one suffixed (`a`, `a:1`).
   *
   * SQL of several statements gives the last one's result, the others run
   * first (`SET threads = 1; SELECT …`; DuckDB parses `PIVOT` into two),
   * and takes the parameters into the last; an earlier statement returning
   * rows of its own (`SELECT 1; SELECT 2`) is refused rather than dropped:
   * {@link queryAll} gives each statement's result.
   *
   * When DuckDB fails on a file of a view the SQL names (a footer it cannot
   * read, pages it cannot decode), the files of those views are checked —
   * the one DuckDB names, else each in full — the damaged ones are left out
   * (added to {@link problems}) and the SQL runs again over the rest.
   *
   * @throws ParquetryError `USAGE` for an earlier statement returning rows
   *   (naming `queryAll`), bad parameters or options; `QUERY_FAILED` with
   *   DuckDB's message.
   */
  query<T extends object = Record<string, QueryValue>>(sql: string, params: QueryParams | undefined, options: NativeValueOptions): Promise<QueryResult<T>>
  query<T extends object = Rows>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult<T>>
  async query<T extends object>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult<T>> {
    const values = resolveValues(this.#values, options)
    const statements = await statementsOf(this.#connection, sql)
    const recover = (error: unknown) => this.#recover(error, sql)
    await runLeading(statements, recover)
    return runStatement<T>(statements, statements.extracted.count - 1, params, values, recover)
  }

  /**
   * Runs every statement of the SQL in order and returns one result per
   * statement (one that makes an object, such as `CREATE VIEW`, gives
   * DuckDB's `Count` column and no rows; one that writes rows, their
   * count). Parameters only with one
   * statement. Each statement has the damaged-file recovery of {@link query};
   * a failing statement stops the run, the ones before it having run.
   *
   * @throws ParquetryError `USAGE` for parameters with several statements,
   *   bad parameters or options; `QUERY_FAILED` with DuckDB's message.
   */
  queryAll<T extends object = Record<string, QueryValue>>(sql: string, params: QueryParams | undefined, options: NativeValueOptions): Promise<QueryResult<T>[]>
  queryAll<T extends object = Rows>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult<T>[]>
  async queryAll<T extends object>(sql: string, params?: QueryParams, options?: QueryOptions): Promise<QueryResult<T>[]> {
    const values = resolveValues(this.#values, options)
    const statements = await statementsOf(this.#connection, sql)
    const count = statements.extracted.count
    if (count > 1 && hasParams(params)) throw new ParquetryError('USAGE', `queryAll: parameters are bound to one statement, and this SQL holds ${count}; run the statement that needs them with query()`)
    const results: QueryResult<T>[] = []
    for (let index = 0; index < count; index++) {
      results.push(await runStatement<T>(statements, index, count > 1 ? undefined : params, values, (error) => this.#recover(error, sql)))
    }
    return results
  }

  /**
   * Streams the rows of the SQL's last statement (those before it run as
   * with {@link query}) in batches (arrays of `T`), read from
   * DuckDB chunk by chunk, so memory holds a batch or so rather than the
   * result: `for await (const batch of querier.stream(sql)) …`. Leaving
   * the loop (`break`, an error) releases the result. Each stream reads on
   * a DuckDB connection of its own, so queries run between batches (and
   * other streams) leave it whole.
   *
   * Values come back as with {@link query}, except that under `bigint:
   * 'json'` a stream, which cannot see the rows ahead, gives BIGINT-like
   * values as strings. Errors surface from the iteration, not the call. A
   * damaged file met before the first batch is left out and the statement
   * run again; met after it, the file is still left out, and the stream
   * fails (`QUERY_FAILED`), its rows so far being given.
   *
   * @throws ParquetryError `USAGE` for an earlier statement returning rows,
   *   bad parameters or options (`batchRows` not a positive integer);
   *   `QUERY_FAILED` with DuckDB's message.
   */
  stream<T extends object = Record<string, QueryValue>>(sql: string, params: QueryParams | undefined, options: StreamOptions & NativeValueOptions): AsyncGenerator<T[], void, undefined>
  stream<T extends object = Rows>(sql: string, params?: QueryParams, options?: StreamOptions): AsyncGenerator<T[], void, undefined>
  async *stream<T extends object>(sql: string, params?: QueryParams, options: StreamOptions = {}): AsyncGenerator<T[], void, undefined> {
    const values = resolveValues(this.#values, options)
    const { batchRows } = options
    if (batchRows !== undefined && (!Number.isSafeInteger(batchRows) || batchRows < 1)) throw new ParquetryError('USAGE', `batchRows: ${batchRows} is not a positive integer`)
    let connection: DuckDBConnection
    try {
      connection = await this.#instance.connect()
    } catch (error) {
      throw wrapError(error, 'QUERY_FAILED', 'cannot open a DuckDB connection for the stream')
    }
    this.#streams.add(connection)
    try {
      const statements = await statementsOf(connection, sql)
      const recover = (error: unknown) => this.#recover(error, sql)
      await runLeading(statements, recover)
      for await (const batch of streamStatement(statements, params, values, batchRows, recover)) {
        // A result outlives its connection: the querier's close() ends the stream here.
        if (!this.#streams.has(connection)) throw new ParquetryError('QUERY_FAILED', 'stream failed: the querier was closed')
        yield batch as T[]
      }
    } finally {
      if (this.#streams.delete(connection)) connection.closeSync()
    }
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
    const result = await this.query<{ column_name: string; column_type: string }>(`DESCRIBE ${quoteIdentifier(state.layout.view)}`)
    return result.rows.map((row) => ({ name: row.column_name, type: row.column_type }))
  }

  /** Closes DuckDB, and the connections of streams still open (their next batch fails). */
  close(): void {
    for (const connection of this.#streams) connection.closeSync()
    this.#streams.clear()
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

  /**
   * After a DuckDB error of some SQL (undefined: an error DuckDB did not
   * pass on): leaves out the damaged files of the views it names and
   * remakes those views; whether anything was left out.
   */
  async #recover(error: unknown, sql: string): Promise<boolean> {
    const affected = await this.#leaveOut(error, this.#viewsNamedIn(sql), { data: true })
    if (affected.length === 0) return false
    try {
      for (const state of affected) await this.#createView(state)
    } catch (failed) {
      throw wrapError(failed, 'QUERY_FAILED', 'query failed')
    }
    return true
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
   * is checked; so is an undefined error (a stream's that DuckDB did not
   * pass on). Returns the views that lost files.
   */
  async #leaveOut(error: unknown, states: readonly ViewState[], options: { data: boolean }): Promise<ViewState[]> {
    // No error at all (a stream's, not passed on by DuckDB): any file may be the cause.
    const message = error === undefined ? '' : errorMessage(error)
    if (error !== undefined && !isFileError(message)) return []
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
