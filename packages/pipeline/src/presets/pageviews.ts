import { addDays } from '@parquetry/partitioner'
import { ParquetryError, pageviewsSchema } from '@parquetry/schema'
import type { PostgresConnectionOptions, PostgresSession } from '@parquetry/sources/postgres'
import type { Storage } from '@parquetry/storage'
import { parquetReadOptions, readParquetMetadata, footerInfoFromMetadata } from '@parquetry/writer'
import { parquetRead } from 'hyparquet'
import { fileURLToPath } from 'node:url'
import type { AfterExportContext, DatasetDefinition } from '../engine/definition.js'
import type { ExistingFile } from '../engine/existing.js'
import { todayIn } from '../engine/zoned-date.js'
import { loadPostgres, postgresInputs } from '../inputs/postgres-inputs.js'
import { Ledger, quoteTableName, type LedgerEntry, type LedgerObject } from './ledger.js'

/** The pageviews layouts: one file a day, or one a day per project. */
export const pageviewsTemplates = {
  daily: '{dataset}/date={date}/{dataset}_{yyyymmdd}.parquet',
  perProject: '{dataset}/project={project_slug}/date={date}/{dataset}_{yyyymmdd}.parquet',
} as const

/** The Read the Docs tables the preset reads. */
export interface PageviewsTables {
  /** Default `analytics_pageview`. */
  pageview?: string
  /** Default `projects_project`. */
  project?: string
  /** Default `builds_version`. */
  version?: string
}

/** Options for {@link pageviewsDataset}. */
export interface PageviewsOptions {
  /** Dataset name. Default `pageviews`. */
  name?: string
  /** Where Read the Docs' tables are. Default: `DATABASE_URL`, else the `PG*` variables. */
  connection?: PostgresConnectionOptions
  /** One file a day per project (`{dataset}/project=<slug>/date=…/`). Default false. */
  perProject?: boolean
  /** Output template; default one of {@link pageviewsTemplates}. */
  output?: string
  /** DuckDB view name. Default the dataset name. */
  view?: string
  /** Delete each day's exported rows from PostgreSQL once its objects verify. Default false (`--delete-after-export` turns it on for a run). */
  deleteAfterExport?: boolean
  /** Days of rows kept in PostgreSQL: older exported days whose objects verify are deleted. Default 90; `false` keeps every day. */
  retentionDays?: number | false
  /** The ledger table (created when missing). Default `parquetry_export_ledger`. */
  ledgerTable?: string
  tables?: PageviewsTables
  /** Time zone whose calendar says which days are over (Read the Docs' dates are UTC). Default `'UTC'`. */
  timezone?: string
  /** The clock (tests). */
  now?: () => Date
}

/**
 * Read the Docs' page views (seed 003): `analytics_pageview` joined to the
 * project's and the version's slugs (LEFT JOIN: a NULL version stays NULL),
 * one input per closed day read by binary COPY, into the built-in
 * `pageviews` schema. Each day's digest (rows, sum of `view_count`, max `id`)
 * is one indexed query; an unchanged day is skipped without reading it.
 *
 * After the export every day whose objects read back with the rows and
 * `view_count` sum PostgreSQL gave is recorded in the ledger table; with
 * `deleteAfterExport` (or `--delete-after-export`) the rows of every
 * recorded day whose objects still verify are deleted, in a transaction that
 * re-checks their count and sum and rolls back on any difference; retention
 * deletes the recorded days older than `retentionDays` the same way. Nothing
 * is deleted on a dry run, for a day whose export failed or did not verify,
 * or whose object is missing.
 */
export function pageviewsDataset(options: PageviewsOptions = {}): DatasetDefinition {
  const name = options.name ?? 'pageviews'
  const pageview = quoteTableName(options.tables?.pageview ?? 'analytics_pageview')
  const project = quoteTableName(options.tables?.project ?? 'projects_project')
  const version = quoteTableName(options.tables?.version ?? 'builds_version')
  const ledger = new Ledger(options.ledgerTable ?? 'parquetry_export_ledger')
  const timezone = options.timezone ?? 'UTC'
  const relation = options.tables?.pageview ?? 'analytics_pageview'
  const query = `SELECT pv.id, pv.project_id, p.slug AS project_slug, pv.version_id, v.slug AS version_slug,
       pv.path, pv.full_path, pv.view_count, pv.date, pv.status
  FROM ${pageview} AS pv
  LEFT JOIN ${project} AS p ON p.id = pv.project_id
  LEFT JOIN ${version} AS v ON v.id = pv.version_id
 WHERE pv.date = $1::date`
  // One pass over the days' index entries: the count, the sum the delete re-checks, and the newest id.
  const digestQuery = `SELECT date::text AS date,
       'rows=' || count(*) || ';view_count=' || coalesce(sum(view_count), 0) || ';max_id=' || coalesce(max(id), 0) AS digest
  FROM ${pageview}
 WHERE date >= $1::date AND date <= $2::date
 GROUP BY date`
  const retired = async (session: PostgresSession) => {
    if (!(await ledger.exists(session))) return []
    const entries = await ledger.entries(session, name)
    return [...entries.values()].filter((entry) => entry.deletedAt !== null).map((entry) => ({ date: entry.date, digest: entry.digest, note: `${entry.deletedRows ?? entry.rows} rows deleted ${entry.deletedAt}; the only copy is ${entry.objects.map((object) => `${entry.location.replace(/\/$/, '')}/${object.path}`).join(', ')}` }))
  }
  const exportedDates = async (context: { from: string; to: string; signal?: AbortSignal }): Promise<ReadonlySet<string>> => {
    const { connectPostgres } = await loadPostgres()
    const session = await connectPostgres({ ...options.connection, ...(context.signal ? { signal: context.signal } : {}) })
    try {
      if (!(await ledger.exists(session))) return new Set()
      return new Set([...(await ledger.entries(session, name)).keys()].filter((date) => date >= context.from && date <= context.to))
    } finally {
      await session.close()
    }
  }
  return {
    name,
    schema: pageviewsSchema,
    exportedDates,
    view: options.view ?? name,
    inputs: postgresInputs({
      ...(options.connection ? { connection: options.connection } : {}),
      relation,
      query,
      columns: pageviewsSchema.columns,
      digestQuery,
      retired,
      timezone,
      ...(options.now ? { now: options.now } : {}),
    }),
    partition: { template: options.output ?? (options.perProject ? pageviewsTemplates.perProject : pageviewsTemplates.daily), dateColumn: 'date', timezone },
    afterExport: (context) => afterPageviewsExport(context, { ...options, name, pageview, ledger, digestQuery, timezone }),
  }
}

interface AfterOptions extends PageviewsOptions {
  name: string
  pageview: string
  ledger: Ledger
  digestQuery: string
  timezone: string
}

/** A parsed pageviews digest. */
interface Digest {
  rows: number
  sum: string
  maxId: string
}

function parseDigest(digest: string): Digest | undefined {
  const match = /^rows=(\d+);view_count=(-?\d+);max_id=(-?\d+)$/.exec(digest)
  return match ? { rows: Number(match[1]), sum: match[2] as string, maxId: match[3] as string } : undefined
}

/** What a day's objects hold, read back: rows, the `view_count` sum, and the digest their footers record. */
interface ReadBack {
  objects: LedgerObject[]
  rows: number
  sum: string
  /** The input digests the footers record (one, when every object was made from the same read). */
  digests: Set<string>
}

async function readBack(storage: Storage, files: readonly ExistingFile[], signal?: AbortSignal): Promise<ReadBack> {
  const objects: LedgerObject[] = []
  const digests = new Set<string>()
  let rows = 0
  let total = 0n
  for (const file of files) {
    if (signal?.aborted) throw new ParquetryError('ABORTED', 'aborted')
    const handle = await storage.open(file.path)
    try {
      const metadata = await readParquetMetadata(handle, file.path)
      const footer = footerInfoFromMetadata(metadata)
      for (const source of footer.parquetry?.sources ?? []) if (source.checksum) digests.add(source.checksum)
      let sum = 0n
      let counted = 0
      await parquetRead({
        file: handle,
        metadata,
        ...parquetReadOptions,
        columns: ['view_count'],
        onChunk: (chunk) => {
          const values = chunk.columnData as ArrayLike<number | bigint | null>
          for (let index = 0; index < values.length; index++) {
            const value = values[index]
            if (value !== null && value !== undefined) sum += BigInt(value)
          }
          counted += values.length
        },
      })
      const fileRows = Number(metadata.num_rows)
      if (counted !== fileRows) throw new ParquetryError('VERIFY_FAILED', `${file.path}: ${counted} view_count values read back, its footer says ${fileRows} rows`)
      rows += fileRows
      total += sum
      objects.push({ path: file.path, rows: fileRows, sum: String(sum), bytes: handle.byteLength, ...(handle.etag ? { etag: handle.etag } : {}) })
    } finally {
      await handle.close()
    }
  }
  return { objects, rows, sum: String(total), digests }
}

/** Why a day's objects do not match what the ledger (or PostgreSQL) says, or undefined when they do. */
function mismatch(back: ReadBack, expected: { rows: number; sum: string; digest: string }, paths?: readonly string[]): string | undefined {
  if (paths) {
    const now = back.objects.map((object) => object.path).sort()
    const missing = paths.filter((path) => !now.includes(path))
    if (missing.length > 0) return `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`
    const extra = now.filter((path) => !paths.includes(path))
    if (extra.length > 0) return `${extra.join(', ')} ${extra.length === 1 ? 'is' : 'are'} not in the ledger`
  }
  if (back.objects.length === 0) return 'its object is missing'
  if (back.rows !== expected.rows) return `the objects hold ${back.rows.toLocaleString('en-US')} rows, PostgreSQL gave ${expected.rows.toLocaleString('en-US')}`
  if (back.sum !== expected.sum) return `the objects' view_count sum is ${back.sum}, PostgreSQL's was ${expected.sum}`
  if (back.digests.size !== 1 || !back.digests.has(expected.digest)) return `the objects were made from ${[...back.digests].join(' / ') || 'no recorded read'}, not from ${expected.digest}`
  return undefined
}

/** Rows of the day deleted by the transaction that re-checks them. */
class DeleteRefused extends Error {}

async function afterPageviewsExport(context: AfterExportContext, options: AfterOptions): Promise<void> {
  const deleting = context.deleteAfterExport ?? options.deleteAfterExport ?? false
  const retention = options.retentionDays === undefined ? 90 : options.retentionDays
  const today = todayIn(options.timezone, options.now?.())
  const { result, dryRun } = context
  const { connectPostgres } = await loadPostgres()
  const session = await connectPostgres({ ...options.connection, ...(context.signal ? { signal: context.signal } : {}) })
  try {
    const ledgerThere = dryRun ? await options.ledger.exists(session) : (await options.ledger.ensure(session), true)
    const entries = ledgerThere ? await options.ledger.entries(session, options.name) : new Map<string, LedgerEntry>()
    // Where the objects are: the storage root as people read it (an s3:// URL, a folder).
    const location = context.storage.url.startsWith('file:') ? fileURLToPath(context.storage.url) : context.storage.url.replace(/\/$/, '')

    // 1. The days this run wrote or found unchanged: read back, checked against the digest PostgreSQL gave, recorded.
    const failed = new Set(result.files.filter((file) => file.status === 'failed').map((file) => file.date))
    const there = result.files.filter((file) => file.status === 'written' || file.status === 'skipped')
    const dates = [...new Set(there.map((file) => file.date))].filter((date) => !failed.has(date)).sort()
    // What step 1 read back, so that step 2 does not download the same objects again.
    const readThisRun = new Map<string, ReadBack>()
    if (!dryRun && dates.length > 0) {
      const found = await context.files(dates)
      for (const date of dates) {
        const back = await readBack(context.storage, found.get(date) ?? [], context.signal)
        readThisRun.set(date, back)
        const digest = [...back.digests][0]
        const parsed = digest === undefined ? undefined : parseDigest(digest)
        const known = entries.get(date)
        if (known?.deletedAt) continue
        const problem = parsed === undefined ? 'its footer records no PostgreSQL read' : mismatch(back, { rows: parsed.rows, sum: parsed.sum, digest: digest as string })
        if (problem !== undefined) {
          context.report({ action: 'not-recorded', date, level: 'warn', detail: `${date}: not recorded in ${options.ledger.table}, nothing of it will be deleted: ${problem}` })
          continue
        }
        const same = known && known.digest === digest && known.rows === back.rows && known.sum === back.sum && sameObjects(known.objects, back.objects)
        if (same) {
          await options.ledger.verified(session, options.name, date)
          continue
        }
        await options.ledger.record(session, { dataset: options.name, date, location, objects: back.objects, digest: digest as string, rows: back.rows, sum: back.sum })
        entries.set(date, { dataset: options.name, date, location, objects: back.objects, digest: digest as string, rows: back.rows, sum: back.sum, exportedAt: new Date().toISOString(), deletedAt: null, deletedRows: null })
        context.report({ action: 'recorded', date, rows: back.rows, detail: `${date}: ${back.rows.toLocaleString('en-US')} rows (view_count ${back.sum}) in ${back.objects.length} object${back.objects.length === 1 ? '' : 's'} read back and recorded in ${options.ledger.table}` })
      }
    }

    // 2. Days to delete from PostgreSQL: every recorded day (deleteAfterExport), and recorded days past retention.
    const cutoff = retention === false ? undefined : addDays(today, -retention)
    const candidates = [...entries.values()].filter((entry) => entry.deletedAt === null && entry.date < today && (deleting || (cutoff !== undefined && entry.date < cutoff)))
    if (candidates.length > 0) {
      const first = candidates[0] as LedgerEntry
      const last = candidates.at(-1) as LedgerEntry
      // The objects of the days step 1 did not read, listed at once.
      const found = await context.files(candidates.map((entry) => entry.date).filter((date) => !readThisRun.has(date)))
      const now = new Map((await session.query<{ date: string; digest: string }>(options.digestQuery, [first.date, last.date])).map((row) => [String(row.date), String(row.digest)]))
      for (const entry of candidates) {
        const why = deleting ? 'exported' : `older than ${retention} days`
        const current = now.get(entry.date)
        if (current !== entry.digest) {
          const detail = `${entry.date}: kept in PostgreSQL: its rows changed since the export (${entry.digest} then, ${current ?? 'no rows'} now); export the day again (--date ${entry.date}) before it can be deleted`
          context.report({ action: 'kept', date: entry.date, level: 'warn', detail })
          if (current !== undefined) context.fail({ code: 'CONFLICT', message: `${options.name}: ${detail}` })
          continue
        }
        const back = readThisRun.get(entry.date) ?? (await readBack(context.storage, found.get(entry.date) ?? [], context.signal))
        const problem = mismatch(back, entry, entry.objects.map((object) => object.path).sort())
        if (problem !== undefined) {
          const detail = `${entry.date}: kept in PostgreSQL: its objects do not verify against ${options.ledger.table}: ${problem}`
          context.report({ action: 'kept', date: entry.date, level: 'warn', detail })
          context.fail({ code: 'VERIFY_FAILED', message: `${options.name}: ${detail}` })
          continue
        }
        if (dryRun) {
          context.report({ action: 'would-delete', date: entry.date, rows: entry.rows, detail: `${entry.date}: would delete ${entry.rows.toLocaleString('en-US')} rows from ${options.pageview.replaceAll('"', '')} (${why}; objects verified)` })
          continue
        }
        await deleteDay(session, options, entry, why, context)
      }
    }
    // Days past retention that were never recorded stay: say so once.
    if (cutoff !== undefined && !dryRun) {
      const [old] = await session.query<{ days: string; rows: string }>(
        `SELECT count(DISTINCT date)::text AS days, count(*)::text AS rows FROM ${options.pageview} WHERE date < $1::date AND date NOT IN (SELECT date FROM ${quoteTableName(options.ledger.table)} WHERE dataset = $2)`,
        [cutoff, options.name],
      )
      if (old && old.days !== '0') {
        context.report({ action: 'retention-pending', level: 'warn', rows: Number(old.rows), detail: `${old.days} day(s) older than ${retention} days (${Number(old.rows).toLocaleString('en-US')} rows) are not exported yet, so retention keeps them: export them (--historical)` })
      }
    }
  } finally {
    await session.close()
  }
}

function sameObjects(left: readonly LedgerObject[], right: readonly LedgerObject[]): boolean {
  const key = (objects: readonly LedgerObject[]) => JSON.stringify([...objects].map((object) => [object.path, object.rows, object.sum, object.bytes]).sort())
  return key(left) === key(right)
}

/** Deletes one recorded day's exported rows in one transaction that re-checks their count and sum; on any difference it rolls back. */
async function deleteDay(session: PostgresSession, options: AfterOptions, entry: LedgerEntry, why: string, context: AfterExportContext): Promise<void> {
  const digest = parseDigest(entry.digest)
  if (!digest) {
    context.report({ action: 'kept', date: entry.date, level: 'warn', detail: `${entry.date}: kept: the ledger's digest ${entry.digest} is not one this version reads` })
    return
  }
  try {
    const outcome = await session.transaction(
      async (tx) => {
        const locked = await options.ledger.lock(tx, options.name, entry.date)
        if (!locked || locked.deletedAt !== null) return { rows: 0, remaining: 0, already: true }
        if (locked.digest !== entry.digest) throw new DeleteRefused(`the ledger changed meanwhile (${locked.digest})`)
        // Exactly the exported rows: the day's, up to the newest id read; a row added since has a larger id.
        const [deleted] = await tx.query<{ rows: string; views: string }>(
          `WITH deleted AS (DELETE FROM ${options.pageview} WHERE date = $1::date AND id <= $2::bigint RETURNING view_count)
           SELECT count(*)::text AS rows, coalesce(sum(view_count), 0)::text AS views FROM deleted`,
          [entry.date, digest.maxId],
        )
        const rows = Number(deleted?.rows ?? 0)
        const views = deleted?.views ?? '0'
        if (rows !== entry.rows || views !== entry.sum) {
          throw new DeleteRefused(`${rows.toLocaleString('en-US')} rows with view_count ${views} matched, ${entry.rows.toLocaleString('en-US')} with ${entry.sum} were exported`)
        }
        const [left] = await tx.query<{ rows: string }>(`SELECT count(*)::text AS rows FROM ${options.pageview} WHERE date = $1::date`, [entry.date])
        await options.ledger.deleted(tx, options.name, entry.date, rows)
        return { rows, remaining: Number(left?.rows ?? 0), already: false }
      },
      { isolation: 'read committed', readOnly: false },
    )
    if (outcome.already) return
    context.report({ action: 'deleted', date: entry.date, rows: outcome.rows, detail: `${entry.date}: deleted ${outcome.rows.toLocaleString('en-US')} exported rows from ${options.pageview.replaceAll('"', '')} (${why}; objects verified)` })
    if (outcome.remaining > 0) {
      context.report({ action: 'kept', date: entry.date, rows: outcome.remaining, level: 'warn', detail: `${entry.date}: ${outcome.remaining.toLocaleString('en-US')} row(s) added after the export remain in ${options.pageview.replaceAll('"', '')}; they are in no object` })
    }
  } catch (error) {
    if (!(error instanceof DeleteRefused)) throw error
    const detail = `${entry.date}: nothing deleted (rolled back): the rows changed since the export: ${error.message}; export the day again (--date ${entry.date})`
    context.report({ action: 'kept', date: entry.date, level: 'warn', detail })
    context.fail({ code: 'CONFLICT', message: `${options.name}: ${detail}` })
  }
}
