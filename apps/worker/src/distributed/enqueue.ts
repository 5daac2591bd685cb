import { wrapError } from '@parquetry/schema'
import type pg from 'pg'
import type PgBoss from 'pg-boss'
import type { Job } from '../types.js'
import { ENQUEUE_LOCK_CLASS, exportKey } from './advisory-lock.js'
import { bossDb, pendingKeys } from './boss-tables.js'
import { ledgerKeys } from './ledger.js'
import { parseJob } from './payload.js'

/** Inputs of {@link enqueueJobs}. */
export interface EnqueueOptions {
  jobs: readonly Job[]
  pool: pg.Pool
  boss: PgBoss
  queue: string
  /** Quoted names. */
  ledgerTable: string
  bossSchema: string
}

/**
 * Sends one pg-boss job per (dataset, date) of `jobs`, in order, singletonKey
 * `dataset:date`, skipping dates the ledger records and dates with a job
 * already queued, retrying or running; returns how many were sent.
 *
 * Enqueuers of a queue take turns (a session advisory lock) so that the check
 * and the sends are one step. Without it, a date could be sent again while its
 * job runs, and in a stately queue that second job blocks every fetch until
 * the first ends: activating it violates the policy's unique index (pg-boss
 * #535/#536). Each send commits on its own: pg-boss fetches by created_on,
 * which one transaction would give every job alike, losing their order.
 * Throws `VALUE_INVALID` for a bad job, `QUERY_FAILED` for PostgreSQL (jobs
 * sent before the failure stay queued; enqueueing again is safe).
 */
export async function enqueueJobs(options: EnqueueOptions): Promise<number> {
  const wanted = new Map<string, { dataset: string; date: string }>()
  for (const job of options.jobs) {
    const clean = parseJob(job)
    for (const date of clean.dates) wanted.set(exportKey(clean.dataset, date), { dataset: clean.dataset, date })
  }
  if (wanted.size === 0) return 0
  const { queue } = options
  let client: pg.PoolClient | undefined
  let broken = false
  try {
    client = await options.pool.connect()
    await client.query('SELECT pg_advisory_lock($1::int, hashtext($2))', [ENQUEUE_LOCK_CLASS, queue])
    try {
      return await sendMissing(options, client, [...wanted.values()])
    } finally {
      // A session that cannot unlock is closed instead, which unlocks it.
      await client.query('SELECT pg_advisory_unlock($1::int, hashtext($2))', [ENQUEUE_LOCK_CLASS, queue]).catch(() => (broken = true))
    }
  } catch (error) {
    throw wrapError(error, 'QUERY_FAILED', `distributed queue: could not enqueue into ${queue}`)
  } finally {
    client?.release(broken)
  }
}

async function sendMissing(options: EnqueueOptions, client: pg.PoolClient, pairs: readonly { dataset: string; date: string }[]): Promise<number> {
  const done = await ledgerKeys(client, options.ledgerTable, pairs)
  const pending = await pendingKeys(client, options.bossSchema, options.queue, [...pairs.map((pair) => exportKey(pair.dataset, pair.date))])
  const db = bossDb(client)
  let sent = 0
  for (const pair of pairs) {
    const key = exportKey(pair.dataset, pair.date)
    if (done.has(key) || pending.has(key)) continue
    const id = await options.boss.send(options.queue, { dataset: pair.dataset, dates: [pair.date] }, { singletonKey: key, db })
    if (id !== null) sent += 1
  }
  return sent
}
