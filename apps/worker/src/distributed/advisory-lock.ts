import type pg from 'pg'

// PostgreSQL's two-int advisory lock key space: (class, hashtext(key)). The
// class ids keep Parquetry's locks apart from anyone else's (pg-boss takes
// single-bigint locks, a separate key space) and from one another.
/** Class id of the lock held while one (dataset, date) exports: 'PQTY'. */
export const EXPORT_LOCK_CLASS = 0x50515459
/** Class id of the transaction lock that serialises enqueuers of one queue. */
export const ENQUEUE_LOCK_CLASS = 0x5051545a
/** Class id of the transaction lock around creating the ledger table. */
export const SETUP_LOCK_CLASS = 0x5051545b

/** The lock key of one export, also its pg-boss singletonKey. */
export function exportKey(dataset: string, date: string): string {
  return `${dataset}:${date}`
}

/**
 * Takes the session-level export lock for `key` on `client` without waiting:
 * true when this session now holds it. The session must stay open for as
 * long as the export runs; PostgreSQL releases the lock if it dies.
 */
export async function tryLockExport(client: pg.Client, key: string): Promise<boolean> {
  const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::int, hashtext($2)) AS locked', [EXPORT_LOCK_CLASS, key])
  return result.rows[0]?.locked === true
}

/** Releases what {@link tryLockExport} took. */
export async function unlockExport(client: pg.Client, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [EXPORT_LOCK_CLASS, key])
}
