import { ResultReturnType, StatementType, type DuckDBConnection, type DuckDBExtractedStatements, type DuckDBPreparedStatement, type DuckDBResult } from '@duckdb/node-api'
import { ParquetryError, wrapError } from '@parquetry/schema'
import { bindParams, type QueryParams } from './params.js'
import { RowReader, type QueryResult, type ResolvedValues } from './values.js'

/**
 * After a DuckDB error: leaves out the damaged files it may come from and
 * remakes their views. Resolves to whether the statement may run again
 * (some file was left out). `undefined`: a stream ended with an error
 * DuckDB did not pass on, so any file may be the cause.
 */
export type Recover = (error: unknown) => Promise<boolean>

const unreported = 'DuckDB ended the result early with an error that @duckdb/node-api does not report'

/** A stream that ended with an error DuckDB did not pass on (@duckdb/node-api 1.5 reports none after a stream's first chunk). */
class UnreportedError extends Error {
  constructor() {
    super(unreported)
  }
}

/**
 * The statements of some SQL, parsed by DuckDB.
 *
 * @throws ParquetryError `QUERY_FAILED` for a parser error or SQL with no statement.
 */
export async function extractStatements(connection: DuckDBConnection, sql: string): Promise<DuckDBExtractedStatements> {
  try {
    return await connection.extractStatements(sql)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const prefix = 'Failed to extract statements: '
    // DuckDB reports SQL without a statement ('', ';', a comment) with no message of its own.
    if (!message.startsWith(prefix)) throw new ParquetryError('QUERY_FAILED', 'query failed: the SQL holds no statement', { cause: error })
    throw new ParquetryError('QUERY_FAILED', `query failed: ${message.slice(prefix.length)}`, { cause: error })
  }
}

/** The statements of some SQL, and the connection that runs them. */
export interface Statements {
  readonly connection: DuckDBConnection
  readonly sql: string
  /** DuckDB's parse of `sql`: each statement can be prepared once. */
  extracted: DuckDBExtractedStatements
  /** The statements of `extracted` prepared so far. */
  readonly prepared: Set<number>
}

/** The statements of some SQL on a connection. */
export async function statementsOf(connection: DuckDBConnection, sql: string): Promise<Statements> {
  return { connection, sql, extracted: await extractStatements(connection, sql), prepared: new Set() }
}

/**
 * Prepares statement `index`, binds `params` and starts it with `start`
 * (run to the end, or streamed), then `read`s the result. A DuckDB error is
 * given to `recover`, and while it says so the statement is run again:
 * executed again when it failed running (DuckDB binds a prepared statement
 * again when the views it reads have changed, and a statement that DuckDB
 * generated keeps its names — PIVOT's enum type), prepared again when it
 * failed preparing.
 */
async function withStatement<R>(
  statements: Statements,
  index: number,
  params: QueryParams | undefined,
  recover: Recover,
  start: (prepared: DuckDBPreparedStatement) => Promise<DuckDBResult>,
  read: (result: DuckDBResult) => Promise<R>,
): Promise<R> {
  // Each retry follows a file left out, so this ends.
  for (;;) {
    // DuckDB prepares an extracted statement once: another attempt parses the SQL again.
    if (statements.prepared.has(index)) {
      statements.extracted = await extractStatements(statements.connection, statements.sql)
      statements.prepared.clear()
    }
    statements.prepared.add(index)
    let prepared: DuckDBPreparedStatement
    try {
      prepared = await statements.extracted.prepare(index)
    } catch (error) {
      if (await recover(error)) continue
      throw wrapError(error, 'QUERY_FAILED', 'query failed')
    }
    try {
      try {
        bindParams(prepared, params)
      } catch (error) {
        throw wrapError(error, 'QUERY_FAILED', 'cannot bind the parameters')
      }
      for (;;) {
        try {
          return await read(await start(prepared))
        } catch (error) {
          if (error instanceof ParquetryError || !(await recover(error instanceof UnreportedError ? undefined : error))) throw wrapError(error, 'QUERY_FAILED', 'query failed')
        }
      }
    } finally {
      prepared.destroySync()
    }
  }
}

/** Statements that return rows whatever they hold, refused before they run when not last. */
const rowStatements = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN, StatementType.CALL])

/**
 * Runs the statements before the last, for a caller giving the last one's
 * rows (`SET threads = 1; SELECT …`, or `PIVOT`, which DuckDB parses into
 * a CREATE TYPE and a SELECT). A statement among them that returns rows
 * of its own is refused, so that no result is dropped: a SELECT before it
 * runs, any other (`PRAGMA version`, `INSERT … RETURNING`) once it has.
 *
 * @throws ParquetryError `USAGE` naming `queryAll`.
 */
export async function runLeading(statements: Statements, recover: Recover): Promise<void> {
  const count = statements.extracted.count
  const refuse = (index: number, ran = false) =>
    new ParquetryError(
      'USAGE',
      `this SQL holds ${count} statements and statement ${index + 1} returns rows of its own, which only its last would give: use queryAll() for one result per statement${ran ? ` (statements 1 to ${index + 1} have run: run only the rest again)` : ''}`,
    )
  for (let index = 0; index < count - 1; index++) {
    await withStatement(
      statements,
      index,
      undefined,
      recover,
      async (prepared) => {
        if (rowStatements.has(prepared.statementType)) throw refuse(index)
        return prepared.run()
      },
      async (result) => {
        if (result.returnType === ResultReturnType.QUERY_RESULT) throw refuse(index, true)
      },
    )
  }
}

/** Runs statement `index` to its end and reads every row (see {@link RowReader.settle} for `bigint: 'json'`). */
export function runStatement<T extends object>(statements: Statements, index: number, params: QueryParams | undefined, values: ResolvedValues, recover: Recover): Promise<QueryResult<T>> {
  return withStatement(statements, index, params, recover, (prepared) => prepared.run(), async (result) => {
    const names = result.deduplicatedColumnNames()
    const types = result.columnTypes()
    const reader = new RowReader(names, types, values, true)
    const rows: Record<string, unknown>[] = []
    for (;;) {
      const chunk = await result.fetchChunk()
      if (!chunk || chunk.rowCount === 0) break
      for (const row of reader.rows(chunk)) rows.push(row)
    }
    reader.settle(rows)
    const returns = result.returnType === ResultReturnType.CHANGED_ROWS ? 'changed-rows' : result.returnType === ResultReturnType.NOTHING ? 'nothing' : 'rows'
    return { columns: names.map((name, column) => ({ name, type: String(types[column]) })), rows: rows as T[], returns }
  })
}

/**
 * Streams the last statement (those before it run by {@link runLeading})
 * chunk by chunk: each of DuckDB's chunks (2,048 rows) is one batch, or
 * rows are gathered into batches of `batchRows`.
 *
 * A failure before the first chunk is retried through `recover`. After
 * it, the rows already given cannot be taken back: `recover` still leaves
 * the damaged files out, and the stream fails. @duckdb/node-api 1.5 does
 * not report an error met after a stream's first chunk — the stream just
 * ends — so an ended stream is checked: a result whose return type turned
 * INVALID failed, for a reason DuckDB does not give.
 */
export async function* streamStatement(
  statements: Statements,
  params: QueryParams | undefined,
  values: ResolvedValues,
  batchRows: number | undefined,
  recover: Recover,
): AsyncGenerator<Record<string, unknown>[], void, undefined> {
  const { result, first } = await withStatement(statements, statements.extracted.count - 1, params, recover, (prepared) => prepared.stream(), async (result) => {
    const chunk = await result.fetchChunk()
    if (!(chunk && chunk.rowCount > 0) && result.returnType === ResultReturnType.INVALID) throw new UnreportedError()
    return { result, first: chunk }
  })
  const reader = new RowReader(result.deduplicatedColumnNames(), result.columnTypes(), values, false)
  let chunk = first
  let given = 0
  let batch: Record<string, unknown>[] = []
  let failure: { error: unknown } | undefined
  while (chunk && chunk.rowCount > 0) {
    const rows = reader.rows(chunk)
    if (batchRows === undefined) {
      given += rows.length
      yield rows
    } else {
      for (const row of rows) {
        batch.push(row)
        if (batch.length < batchRows) continue
        given += batch.length
        yield batch
        batch = []
      }
    }
    try {
      chunk = await result.fetchChunk()
    } catch (error) {
      failure = { error }
      break
    }
  }
  if (!failure && result.returnType === ResultReturnType.INVALID) failure = { error: undefined }
  if (!failure) {
    if (batch.length > 0) yield batch
    return
  }
  // The rows read before the failure are given (a partial batch too), then the failure.
  if (batch.length > 0) {
    given += batch.length
    yield batch
  }
  const recovered = await recover(failure.error)
  const reason = failure.error === undefined ? unreported : failure.error instanceof Error ? failure.error.message : String(failure.error)
  const note = recovered ? '; the damaged files were left out of their views (querier.problems): run it again for the rest' : ''
  throw new ParquetryError('QUERY_FAILED', `stream failed after ${given} rows${note}: ${reason}`, failure.error === undefined ? {} : { cause: failure.error })
}
