// What the queue reads and writes of pg-boss's own tables, beside its API:
// each for a gap of pg-boss 10.4.2 (pinned exactly), against the job table of
// its src/plans.js (createTableJob: name, id, state, singleton_key,
// retry_count, retry_limit; job_state ordered created < retry < active <
// completed < cancelled < failed). The tests cover each, so an upgrade that
// changes them fails there.
import type pg from 'pg'
import type PgBoss from 'pg-boss'

/** pg-boss's `db` option over a pool or one client: its SQL then runs there (inside our transaction, for a client). */
export function bossDb(target: pg.Pool | pg.PoolClient): PgBoss.Db {
  return { executeSql: (text, values) => target.query(text, values) }
}

/** Of `keys`, those with a job of `queue` queued, waiting to retry or running. */
export async function pendingKeys(client: pg.ClientBase, quotedSchema: string, queue: string, keys: readonly string[]): Promise<Set<string>> {
  const result = await client.query<{ key: string }>(`SELECT singleton_key AS key FROM ${quotedSchema}.job WHERE name = $1 AND singleton_key = ANY($2::text[]) AND state < 'completed'`, [queue, keys])
  return new Set(result.rows.map((row) => row.key))
}

/**
 * Spends the remaining attempts of an active job, so that the fail() that
 * follows in the same transaction is final: pg-boss 10 has no fail without
 * retry (failJobs retries while retry_count < retry_limit).
 */
export async function spendAttempts(client: pg.ClientBase, quotedSchema: string, queue: string, jobId: string): Promise<void> {
  await client.query(`UPDATE ${quotedSchema}.job SET retry_limit = retry_count WHERE name = $1 AND id = $2 AND state = 'active'`, [queue, jobId])
}

/** Jobs of `queue` waiting (created, or waiting to retry) and running, in one snapshot. */
export async function countJobs(db: pg.Pool, quotedSchema: string, queue: string): Promise<{ queued: number; active: number }> {
  const result = await db.query<{ queued: string; active: string }>(
    `SELECT count(*) FILTER (WHERE state < 'active') AS queued, count(*) FILTER (WHERE state = 'active') AS active FROM ${quotedSchema}.job WHERE name = $1`,
    [queue],
  )
  return { queued: Number(result.rows[0]?.queued ?? 0), active: Number(result.rows[0]?.active ?? 0) }
}
