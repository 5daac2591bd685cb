import { ParquetryError } from '@parquetry/schema'
import type { PostgresSession } from '@parquetry/sources/postgres'

/** One object of an exported day, as the ledger records it. */
export interface LedgerObject {
  /** Storage path under the output root. */
  path: string
  rows: number
  /** The sum of the checked column (`view_count`), as decimal text (exact). */
  sum: string
  bytes: number
  etag?: string
}

/** What the ledger knows of one exported day. */
export interface LedgerEntry {
  dataset: string
  date: string
  /** Where the objects are (`s3://bucket/prefix`, a folder). */
  location: string
  objects: LedgerObject[]
  /** The digest of the day's rows when they were exported (the files' footers record it too). */
  digest: string
  rows: number
  /** Sum of the checked column over the day, decimal text. */
  sum: string
  exportedAt: string
  deletedAt: string | null
  deletedRows: number | null
}

/** `schema.table` or `table`: letters, digits and underscores only (it is an identifier in SQL, never a parameter). */
export function quoteTableName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) {
    throw new ParquetryError('CONFIG_INVALID', `table name ${JSON.stringify(name)}: use letters, digits and underscores (schema.table or table)`)
  }
  return name
    .split('.')
    .map((part) => `"${part}"`)
    .join('.')
}

/**
 * The export ledger: a PostgreSQL table, one row per (dataset, date), of what
 * was written where, with which digest, rows and sum, when it was verified
 * and when the day's rows were deleted from the source. Deletions read it
 * (and lock its row) in the same transaction as the delete.
 */
export class Ledger {
  readonly table: string
  readonly #quoted: string

  constructor(table: string) {
    this.table = table
    this.#quoted = quoteTableName(table)
  }

  /** Creates the table when it is not there. */
  async ensure(session: PostgresSession): Promise<void> {
    await session.query(`CREATE TABLE IF NOT EXISTS ${this.#quoted} (
  dataset text NOT NULL,
  date date NOT NULL,
  location text NOT NULL,
  objects jsonb NOT NULL,
  digest text NOT NULL,
  rows bigint NOT NULL CHECK (rows >= 0),
  sum numeric NOT NULL,
  exported_at timestamptz NOT NULL DEFAULT now(),
  verified_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  deleted_rows bigint,
  PRIMARY KEY (dataset, date)
)`)
  }

  /** Whether the table exists (a dry run creates nothing). */
  async exists(session: PostgresSession): Promise<boolean> {
    const [row] = await session.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [this.#quoted])
    return row?.found === true
  }

  /** Every entry of a dataset, by date. */
  async entries(session: PostgresSession, dataset: string): Promise<Map<string, LedgerEntry>> {
    const rows = await session.query<Record<string, unknown>>(
      `SELECT dataset, date::text AS date, location, objects::text AS objects, digest, rows::text AS rows, sum::text AS sum,
              exported_at::text AS exported_at, deleted_at::text AS deleted_at, deleted_rows::text AS deleted_rows
         FROM ${this.#quoted} WHERE dataset = $1 ORDER BY date`,
      [dataset],
    )
    return new Map(rows.map((row) => [String(row.date), entryOf(row)]))
  }

  /** The entry of one day, its row locked until the transaction ends. */
  async lock(session: PostgresSession, dataset: string, date: string): Promise<LedgerEntry | undefined> {
    const [row] = await session.query<Record<string, unknown>>(
      `SELECT dataset, date::text AS date, location, objects::text AS objects, digest, rows::text AS rows, sum::text AS sum,
              exported_at::text AS exported_at, deleted_at::text AS deleted_at, deleted_rows::text AS deleted_rows
         FROM ${this.#quoted} WHERE dataset = $1 AND date = $2::date FOR UPDATE`,
      [dataset, date],
    )
    return row ? entryOf(row) : undefined
  }

  /** Records (or replaces) a day's export; a day whose rows were deleted keeps its record. Returns false when it was kept. */
  async record(session: PostgresSession, entry: Omit<LedgerEntry, 'exportedAt' | 'deletedAt' | 'deletedRows'>): Promise<boolean> {
    const rows = await session.query<{ date: string }>(
      `INSERT INTO ${this.#quoted} AS ledger (dataset, date, location, objects, digest, rows, sum)
       VALUES ($1, $2::date, $3, $4::jsonb, $5, $6::bigint, $7::numeric)
       ON CONFLICT (dataset, date) DO UPDATE
         SET location = EXCLUDED.location, objects = EXCLUDED.objects, digest = EXCLUDED.digest, rows = EXCLUDED.rows, sum = EXCLUDED.sum,
             exported_at = now(), verified_at = now()
         WHERE ledger.deleted_at IS NULL
       RETURNING date::text AS date`,
      [entry.dataset, entry.date, entry.location, JSON.stringify(entry.objects), entry.digest, String(entry.rows), entry.sum],
    )
    return rows.length > 0
  }

  /** Notes that a day's objects were checked again. */
  async verified(session: PostgresSession, dataset: string, date: string): Promise<void> {
    await session.query(`UPDATE ${this.#quoted} SET verified_at = now() WHERE dataset = $1 AND date = $2::date`, [dataset, date])
  }

  /** Notes that a day's exported rows were deleted from the source (inside the delete's transaction). */
  async deleted(session: PostgresSession, dataset: string, date: string, rows: number): Promise<void> {
    await session.query(`UPDATE ${this.#quoted} SET deleted_at = now(), deleted_rows = $3::bigint WHERE dataset = $1 AND date = $2::date`, [dataset, date, String(rows)])
  }
}

function entryOf(row: Record<string, unknown>): LedgerEntry {
  return {
    dataset: String(row.dataset),
    date: String(row.date),
    location: String(row.location),
    objects: JSON.parse(String(row.objects)) as LedgerObject[],
    digest: String(row.digest),
    rows: Number(row.rows),
    sum: String(row.sum),
    exportedAt: String(row.exported_at),
    deletedAt: row.deleted_at === null || row.deleted_at === undefined ? null : String(row.deleted_at),
    deletedRows: row.deleted_rows === null || row.deleted_rows === undefined ? null : Number(row.deleted_rows),
  }
}
