import { ParquetryError } from '@parquetry/schema'
import pg from 'pg'
import type { RecordSource } from '../types.js'
import { redactSecrets, resolveConnection, describeConnection, type ResolvedConnection } from './connection.js'
import { copyRows } from './copy-rows.js'
import type { CopyHost } from './copy-query.js'
import { postgresFailure } from './errors.js'
import type { CopyRowsOptions, PgParam, PostgresConnectionOptions, PostgresIsolation, TransactionOptions } from './options.js'
import { textParsers } from './text-values.js'

/** One connection to PostgreSQL; see {@link connectPostgres}. */
export interface PostgresSession {
  /** `postgres://user@host:5432/db` ({@link describeConnection}): never a password. */
  readonly description: string
  /**
   * A bound-parameter query. Types: int2/int4/oid/float4/float8 → number,
   * int8 → bigint, numeric → string (exact), date → 'YYYY-MM-DD' string (no
   * Date objects, no time-zone path), timestamp/timestamptz → bigint µs since
   * epoch UTC, bool → boolean, text/json/jsonb → string; other types as pg
   * gives them.
   *
   * @throws ParquetryError `SOURCE_READ_FAILED` naming the connection, with
   *   PostgreSQL's message (`details.sqlState`); `USAGE` while a COPY streams.
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly PgParam[]): Promise<T[]>
  /**
   * Runs `fn` in one transaction (default isolation 'repeatable read',
   * readOnly true); COMMIT on success, ROLLBACK on throw (the error passes
   * on unchanged).
   *
   * @throws ParquetryError `USAGE` when already in one; `SOURCE_READ_FAILED`
   *   when COMMIT fails or PostgreSQL rolled the transaction back (a statement
   *   in it failed and `fn` went on), or the session was closed meanwhile.
   */
  transaction<T>(fn: (session: PostgresSession) => Promise<T>, options?: TransactionOptions): Promise<T>
  /**
   * Rows of `sql` (a SELECT, may use $1..$n) through binary COPY, in batches
   * of items ({@link RecordSource}); see `copy-rows.ts`. Must be called inside
   * {@link transaction}. Stopping early (break, abort) closes the session: a
   * COPY cannot be left half read.
   */
  copyRows(sql: string, params: readonly PgParam[], options: CopyRowsOptions): RecordSource
  /** Ends the connection (at once when a COPY is streaming). Idempotent. */
  close(): Promise<void>
}

const isolations: readonly PostgresIsolation[] = ['read committed', 'repeatable read', 'serializable']

// Settings every session runs with, so that text results parse the same on any
// server: UTC (timestamptz text, and `::date` of a timestamptz, do not depend on
// the server's zone), ISO dates, UTF-8, shortest exact floats.
const SESSION_SETUP = `SELECT set_config('TimeZone', 'UTC', false), set_config('DateStyle', 'ISO, YMD', false),
  set_config('IntervalStyle', 'postgres', false), set_config('extra_float_digits', '3', false),
  set_config('client_encoding', 'UTF8', false), current_setting('server_encoding') AS server_encoding,
  current_setting('server_version_num')::int AS version`

/** Text pg sends for a parameter. */
export function parameterText(value: PgParam): string | null {
  if (value === null) return null
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  return String(value)
}

const customTypes = {
  getTypeParser: ((oid: number, format?: string) => textParsers.get(oid) ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
}

/** A session: one pg Client, its transaction state and whether a COPY is streaming. */
export class PgSession implements PostgresSession, CopyHost {
  readonly description: string
  strictUtf8 = false
  private inTransaction = false
  private copying = false
  private closed: string | undefined
  private closing: Promise<void> | undefined
  private failure: Error | undefined

  private constructor(
    readonly client: pg.Client,
    private readonly connection: ResolvedConnection,
    private readonly options: PostgresConnectionOptions,
  ) {
    this.description = describeConnection(options)
    client.on('error', (error) => {
      // A dead socket or a terminated backend: later calls fail with this reason.
      this.failure ??= error
    })
  }

  /**
   * Connects and sets the session up (UTC, ISO dates, UTF-8).
   *
   * @throws ParquetryError `SOURCE_READ_FAILED` naming the connection (no
   *   password) when it cannot connect; `ABORTED` when `signal` aborts first.
   */
  static async create(options: PostgresConnectionOptions & { signal?: AbortSignal } = {}): Promise<PgSession> {
    const connection = resolveConnection(options)
    const config = { ...connection.pgConfig, connectionTimeoutMillis: connection.connectTimeout * 1000, types: customTypes } as pg.ClientConfig
    const session = new PgSession(new pg.Client(config), connection, options)
    const { signal } = options
    if (signal?.aborted) throw new ParquetryError('ABORTED', `${session.description}: connection aborted`)
    const onAbort = () => session.destroy('aborted')
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await session.client.connect()
      const [settings] = (await session.client.query<{ server_encoding: string; version: number }>(SESSION_SETUP)).rows
      session.strictUtf8 = settings?.server_encoding === 'SQL_ASCII'
      // A query whose client went away (aborted, timed out, killed) is cancelled by the server within a
      // second (PostgreSQL 14+), instead of running on until it next writes to the closed socket.
      if ((settings?.version ?? 0) >= 140000) await session.client.query("SET client_connection_check_interval = '1s'").catch(() => undefined)
    } catch (error) {
      session.destroy('could not connect')
      if (signal?.aborted) throw new ParquetryError('ABORTED', `${session.description}: connection aborted`)
      throw postgresFailure(error, `${session.description}: could not connect`, session.redact)
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
    return session
  }

  /** `text` without the passwords this session knows (its options', and the one it connected with). */
  readonly redact = (text: string): string => {
    const redacted = redactSecrets(text, this.options)
    const password = this.connection.password
    return password ? redacted.split(password).join('***') : redacted
  }

  async query<T = Record<string, unknown>>(sql: string, params: readonly PgParam[] = []): Promise<T[]> {
    if (this.copying) throw new ParquetryError('USAGE', `${this.description}: query() while a COPY streams on this session; finish or stop reading its rows first`)
    const result = await this.run(sql, params, 'query failed')
    return (Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows) as T[]
  }

  async transaction<T>(fn: (session: PostgresSession) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    await this.begin(options.isolation ?? 'repeatable read', options.readOnly ?? true)
    let value: T
    try {
      value = await fn(this)
    } catch (error) {
      await this.rollback()
      throw error
    }
    await this.commit()
    return value
  }

  copyRows(sql: string, params: readonly PgParam[], options: CopyRowsOptions): RecordSource {
    return copyRows(this, sql, params, options)
  }

  /** BEGIN with `isolation`, READ ONLY unless `readOnly` is false. */
  async begin(isolation: PostgresIsolation, readOnly: boolean): Promise<void> {
    if (this.inTransaction) throw new ParquetryError('USAGE', `${this.description}: a transaction is already open on this session`)
    if (!isolations.includes(isolation)) throw new ParquetryError('USAGE', `${this.description}: isolation ${JSON.stringify(isolation)} is not one of ${isolations.join(', ')}`)
    await this.run(`BEGIN ISOLATION LEVEL ${isolation.toUpperCase()} ${readOnly ? 'READ ONLY' : 'READ WRITE'}`, [], 'BEGIN failed')
    this.inTransaction = true
  }

  /** COMMIT; fails when PostgreSQL rolled back instead (a statement of the transaction failed). */
  async commit(): Promise<void> {
    try {
      const result = await this.run('COMMIT', [], 'COMMIT failed')
      if (!Array.isArray(result) && result.command === 'ROLLBACK') {
        throw new ParquetryError('SOURCE_READ_FAILED', `${this.description}: the transaction was rolled back, not committed (a statement in it failed)`)
      }
    } finally {
      this.inTransaction = false
    }
  }

  /** ROLLBACK when the session can still say it; errors are left to the caller's error. */
  async rollback(): Promise<void> {
    const open = this.inTransaction
    this.inTransaction = false
    if (!open || this.closed || this.failure) return
    try {
      await this.client.query('ROLLBACK')
    } catch {
      this.destroy('ROLLBACK failed')
    }
  }

  async close(): Promise<void> {
    if (this.closing) return this.closing
    if (this.copying || this.failure || this.closed) {
      this.destroy(this.closed ?? 'closed')
      this.closing = Promise.resolve()
      return this.closing
    }
    this.closed = 'closed'
    this.closing = (async () => {
      let timer: NodeJS.Timeout | undefined
      const ended = this.client.end().catch(() => undefined)
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, 5000)
        timer.unref()
      })
      await Promise.race([ended, late])
      clearTimeout(timer)
      this.client.connection?.stream?.destroy()
    })()
    return this.closing
  }

  // CopyHost: what copy-rows.ts needs of a session.

  /** Runs a statement; foreign errors become SOURCE_READ_FAILED naming the session and `what`. */
  async run(sql: string, params: readonly PgParam[], what: string): Promise<pg.QueryResult | pg.QueryResult[]> {
    this.assertUsable()
    try {
      return (await this.client.query({ text: sql, values: params.map(parameterText) })) as pg.QueryResult | pg.QueryResult[]
    } catch (error) {
      throw postgresFailure(error, `${this.description}: ${what}`, this.redact)
    }
  }

  /** Marks a COPY as streaming; refuses one outside a transaction or beside another. */
  beginCopy(name: string): void {
    this.assertUsable()
    if (!this.inTransaction) throw new ParquetryError('USAGE', `${name}: copyRows() must run inside transaction() (its parameters are transaction-local settings)`)
    if (this.copying) throw new ParquetryError('USAGE', `${name}: another COPY is streaming on this session`)
    this.copying = true
  }

  /** The COPY ended: at its end (the session goes on), or before (the connection is closed: a COPY cannot be left half read). */
  endCopy(completed: boolean): void {
    if (!this.copying) return
    this.copying = false
    if (!completed) this.destroy('a COPY was stopped before its end')
  }

  /** Closes the socket at once; later calls fail naming `reason`. */
  destroy(reason: string): void {
    this.closed ??= reason
    this.inTransaction = false
    this.client.connection?.stream?.destroy()
    this.client.end().catch(() => undefined)
  }

  private assertUsable(): void {
    if (this.closed) throw new ParquetryError('SOURCE_READ_FAILED', `${this.description}: the session is closed (${this.closed})`)
    if (this.failure) throw postgresFailure(this.failure, `${this.description}: the connection failed`, this.redact)
  }
}

/**
 * Connects to PostgreSQL (see {@link PostgresConnectionOptions} for where)
 * and sets the session up: TimeZone UTC, DateStyle ISO, client_encoding UTF8.
 * Close it with `close()`.
 *
 * @throws ParquetryError `SOURCE_READ_FAILED` naming the connection (never its
 *   password) when it cannot connect; `ABORTED` when `signal` aborts first;
 *   `CONFIG_INVALID` for a URL that is not postgres://.
 */
export async function connectPostgres(options: PostgresConnectionOptions & { signal?: AbortSignal } = {}): Promise<PostgresSession> {
  return PgSession.create(options)
}
