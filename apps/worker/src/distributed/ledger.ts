import type pg from 'pg'
import { SETUP_LOCK_CLASS } from './advisory-lock.js'
import { schemaOf } from './sql-names.js'

/** Something that runs a query: a pool or one client. */
type Queryable = Pick<pg.ClientBase, 'query'>

/** One finished export, as the ledger records it. */
export interface LedgerEntry {
  dataset: string
  /** `YYYY-MM-DD`. */
  date: string
  worker: string
  jobId: string
  rows?: number | undefined
  files?: number | undefined
}

/**
 * Creates the ledger table (and its schema) when missing. Workers starting
 * together take a transaction lock first: concurrent `CREATE TABLE IF NOT
 * EXISTS` can still fail on PostgreSQL's catalog unique index.
 * `quotedTable` comes from {@link quoteQualifiedName}.
 */
export async function ensureLedger(client: pg.ClientBase, quotedTable: string): Promise<void> {
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::int, hashtext($2))', [SETUP_LOCK_CLASS, quotedTable])
    const schema = schemaOf(quotedTable)
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    await client.query(`CREATE TABLE IF NOT EXISTS ${quotedTable} (
      dataset text NOT NULL,
      date date NOT NULL,
      completed_at timestamptz NOT NULL DEFAULT now(),
      worker text NOT NULL,
      job_id text NOT NULL,
      rows bigint,
      files integer,
      PRIMARY KEY (dataset, date)
    )`)
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  }
}

/** Whether the ledger records (dataset, date) as exported. */
export async function ledgerHas(db: Queryable, quotedTable: string, dataset: string, date: string): Promise<boolean> {
  const result = await db.query(`SELECT 1 FROM ${quotedTable} WHERE dataset = $1 AND date = $2::date`, [dataset, date])
  return result.rows.length > 0
}

/** Records an export; a row already there (another worker's) is kept as it is. */
export async function recordExport(db: Queryable, quotedTable: string, entry: LedgerEntry): Promise<void> {
  await db.query(`INSERT INTO ${quotedTable} (dataset, date, completed_at, worker, job_id, rows, files) VALUES ($1, $2::date, now(), $3, $4, $5, $6) ON CONFLICT (dataset, date) DO NOTHING`, [
    entry.dataset,
    entry.date,
    entry.worker,
    entry.jobId,
    entry.rows ?? null,
    entry.files ?? null,
  ])
}

/** The dates of `dataset` from `from` to `to` (inclusive) that the ledger records. */
export async function completedDates(db: Queryable, quotedTable: string, dataset: string, from: string, to: string): Promise<Set<string>> {
  const result = await db.query<{ date: string }>(`SELECT to_char(date, 'YYYY-MM-DD') AS date FROM ${quotedTable} WHERE dataset = $1 AND date BETWEEN $2::date AND $3::date`, [dataset, from, to])
  return new Set(result.rows.map((row) => row.date))
}

/** Which of `pairs` the ledger already records, as `dataset:date` keys. */
export async function ledgerKeys(db: Queryable, quotedTable: string, pairs: readonly { dataset: string; date: string }[]): Promise<Set<string>> {
  if (pairs.length === 0) return new Set()
  const result = await db.query<{ dataset: string; date: string }>(
    `SELECT l.dataset, to_char(l.date, 'YYYY-MM-DD') AS date FROM ${quotedTable} l JOIN unnest($1::text[], $2::date[]) AS wanted(dataset, date) ON l.dataset = wanted.dataset AND l.date = wanted.date`,
    [pairs.map((pair) => pair.dataset), pairs.map((pair) => pair.date)],
  )
  return new Set(result.rows.map((row) => `${row.dataset}:${row.date}`))
}
