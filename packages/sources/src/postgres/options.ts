import type { ColumnDefinition } from '@parquetry/schema'
import type { PostgresSession } from './session.js'

/** A bound parameter's value: sent as text, typed by the server from the query. */
export type PgParam = string | number | bigint | boolean | null

/** Where to connect. */
export interface PostgresConnectionOptions {
  /**
   * postgres:// URL. Default: env.DATABASE_URL, else libpq's PG* variables
   * (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE, PGAPPNAME,
   * PGCONNECT_TIMEOUT), else pg's defaults (localhost:5432, the OS user, a
   * database of the user's name). As in libpq, a PG* variable also fills
   * what a URL leaves out (`postgres://db.internal/app` takes PGUSER).
   */
  connectionString?: string
  /** Environment to read DATABASE_URL / PG* from (default process.env). */
  env?: Readonly<Record<string, string | undefined>>
  /** `application_name` shown in pg_stat_activity. Default: the URL's, else PGAPPNAME, else 'parquetry'. */
  applicationName?: string
}

/** Isolation of {@link PostgresSession.transaction}. */
export type PostgresIsolation = 'read committed' | 'repeatable read' | 'serializable'

/** Options of {@link PostgresSession.transaction}. */
export interface TransactionOptions {
  /** Default 'repeatable read': every query of the transaction sees one snapshot. */
  isolation?: PostgresIsolation
  /** Default true (`READ ONLY`). */
  readOnly?: boolean
}

/** Options of {@link PostgresSession.copyRows}. */
export interface CopyRowsOptions {
  /** The source's name, for locations and messages (a dataset or table name). */
  name: string
  /**
   * Schema columns the rows are meant for: each query column of the same
   * name is checked against its type before any row is read, and columns on
   * one side only are given notice of (`unknown-column`, `missing-column`).
   */
  columns?: readonly ColumnDefinition[]
  /** Items per batch. Default 512 (larger batches outlive V8's young generation: measured slower, and more memory). */
  batchSize?: number
  /** Stops the read (`ABORTED`) and closes the connection. */
  signal?: AbortSignal
  /** Called after each batch with the rows and bytes of COPY data read so far. */
  onProgress?: (rows: number, bytes: number) => void
}

/** Options of {@link readPostgres}. */
export interface ReadPostgresOptions extends PostgresConnectionOptions, CopyRowsOptions {
  /** A SELECT (or VALUES, WITH … SELECT), which may use `$1..$n`. */
  query: string
  /** Values of `$1..$n`. */
  params?: readonly PgParam[]
  /**
   * Runs in the read's transaction before any row (same snapshot): re-check a
   * digest, count rows. A throw fails the read.
   */
  before?: (session: PostgresSession) => Promise<void>
}
