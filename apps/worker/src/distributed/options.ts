import { ParquetryError } from '@parquetry/schema'
import type { QueueLog, SkipListener } from './run-job.js'
import { quoteQualifiedName } from './sql-names.js'

/** Options of {@link DistributedQueue.create}. */
export interface DistributedQueueOptions {
  connectionString: string
  /** pg-boss schema (default 'parquetry_boss'); folded to lower case, as PostgreSQL does with pg-boss's unquoted names. */
  schema?: string
  /** Queue name (default 'parquetry-export'). */
  queue?: string
  /** Table recording completed (dataset, date) exports (default 'parquetry_worker_ledger'; `table` or `schema.table`, identifiers only, quoted as written). */
  ledgerTable?: string
  /** Seconds a job may run before pg-boss considers it lost (1 to 86399); must be above the slowest export (the worker passes job timeout + margin). */
  expireInSeconds: number
  /** Attempts after the first for transient failures (default 5), with exponential backoff from retryDelaySeconds (default 30, at least 1). */
  retryLimit?: number
  retryDelaySeconds?: number
  /** How often an idle worker polls for jobs (default 2 s; at least 0.5, pg-boss's minimum). */
  pollingIntervalSeconds?: number
  /** This worker's name in the ledger and logs (host:pid). */
  workerId: string
  /** Structured log lines (default: none). */
  log?: QueueLog
  /** Told of each job settled without running the handler: already in the ledger, or locked by another worker. */
  onSkip?: SkipListener
}

/** The options checked, defaults filled, names quoted. */
export interface QueueSettings {
  connectionString: string
  bossSchema: string
  quotedBossSchema: string
  queue: string
  /** Quoted. */
  ledgerTable: string
  expireInSeconds: number
  retryLimit: number
  retryDelaySeconds: number
  pollingMs: number
  workerId: string
  log: QueueLog
  onSkip: SkipListener | undefined
}

function invalid(message: string): ParquetryError {
  return new ParquetryError('CONFIG_INVALID', `distributed queue: ${message}`)
}

/** Checks {@link DistributedQueueOptions} and fills the defaults; `CONFIG_INVALID` names the bad option. */
export function resolveQueueOptions(options: DistributedQueueOptions): QueueSettings {
  const schema = options.schema ?? 'parquetry_boss'
  // pg-boss splices the schema into its SQL unquoted (src/plans.js) and allows \w only (src/attorney.js).
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,49}$/.test(schema)) throw invalid(`schema must be an identifier of at most 50 characters, got ${JSON.stringify(schema)}`)
  const queue = options.queue ?? 'parquetry-export'
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(queue)) throw invalid(`queue must be letters, digits, _ . or -, got ${JSON.stringify(queue)}`)
  const { expireInSeconds, retryLimit = 5, retryDelaySeconds = 30, pollingIntervalSeconds = 2 } = options
  if (!Number.isInteger(expireInSeconds) || expireInSeconds < 1 || expireInSeconds >= 86_400) throw invalid(`expireInSeconds must be a whole number from 1 to 86399 (pg-boss's limit), got ${expireInSeconds}`)
  if (!Number.isInteger(retryLimit) || retryLimit < 0) throw invalid(`retryLimit must be a whole number >= 0, got ${retryLimit}`)
  if (!Number.isInteger(retryDelaySeconds) || retryDelaySeconds < 1) throw invalid(`retryDelaySeconds must be a whole number >= 1, got ${retryDelaySeconds}`)
  if (!(pollingIntervalSeconds >= 0.5)) throw invalid(`pollingIntervalSeconds must be at least 0.5, got ${pollingIntervalSeconds}`)
  if (typeof options.workerId !== 'string' || options.workerId === '') throw invalid('workerId must not be empty')
  return {
    connectionString: options.connectionString,
    bossSchema: schema.toLowerCase(),
    quotedBossSchema: `"${schema.toLowerCase()}"`,
    queue,
    ledgerTable: quoteQualifiedName(options.ledgerTable ?? 'parquetry_worker_ledger', 'ledgerTable'),
    expireInSeconds,
    retryLimit,
    retryDelaySeconds,
    pollingMs: pollingIntervalSeconds * 1000,
    workerId: options.workerId,
    log: options.log ?? (() => undefined),
    onSkip: options.onSkip,
  }
}
