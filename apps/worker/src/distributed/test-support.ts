// Test helpers (not exported by the package): a fresh database per test file
// on testPostgres()'s server, queues stopped after each test, logs captured.
import { testPostgres, type TestDatabase } from '@parquetry/testing'
import pg from 'pg'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { DistributedQueue, type DistributedQueueOptions } from './queue.js'

/** One captured log line. */
export interface LogLine {
  level: 'INFO' | 'WARN' | 'ERROR'
  fields: Record<string, string | number>
}

/** What {@link useQueues} gives a test file. */
export interface QueueHarness {
  readonly url: string
  /** A queue on the file's database, stopped after the test; its log lines go to `lines`. */
  create(options: Partial<DistributedQueueOptions> & { workerId: string; queue: string }, lines?: LogLine[]): Promise<DistributedQueue>
  /** Runs one query on the file's database. */
  query<Row extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<Row[]>
}

/** A database made before the calling file's tests and dropped after them; queues made through it are stopped after each test. */
export function useQueues(): QueueHarness {
  let database: TestDatabase | undefined
  const open: DistributedQueue[] = []
  beforeAll(async () => {
    database = await (await testPostgres()).createDatabase()
  }, 60_000)
  afterEach(async () => {
    await Promise.all(open.splice(0).map((queue) => queue.stop({ graceMs: 0 })))
  }, 30_000)
  afterAll(async () => {
    await database?.drop()
  })
  const url = (): string => {
    if (!database) throw new Error('useQueues: the database is only there while a test runs')
    return database.url
  }
  return {
    get url() {
      return url()
    },
    async create(options, lines) {
      const queue = await DistributedQueue.create({
        connectionString: url(),
        expireInSeconds: 30,
        retryDelaySeconds: 1,
        pollingIntervalSeconds: 0.5,
        ledgerTable: `ledger_${options.queue.replaceAll('-', '_')}`,
        ...(lines ? { log: (level, fields) => lines.push({ level, fields }) } : {}),
        ...options,
      })
      open.push(queue)
      return queue
    },
    async query(text, values) {
      const client = new pg.Client({ connectionString: url() })
      await client.connect()
      try {
        return (await client.query(text, values)).rows
      } finally {
        await client.end()
      }
    },
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** `count` consecutive days from `first`, `YYYY-MM-DD`. */
export function days(first: string, count: number): string[] {
  const start = Date.parse(`${first}T00:00:00Z`)
  return Array.from({ length: count }, (_, index) => new Date(start + index * 86_400_000).toISOString().slice(0, 10))
}

/** The pg-boss jobs of `queue` in the default schema, oldest first. */
export async function bossJobs(harness: QueueHarness, queue: string): Promise<{ state: string; singleton_key: string; retry_count: number; retry_limit: number; output: unknown }[]> {
  return harness.query(`SELECT state::text, singleton_key, retry_count, retry_limit, output FROM parquetry_boss.job WHERE name = $1 ORDER BY created_on`, [queue])
}
