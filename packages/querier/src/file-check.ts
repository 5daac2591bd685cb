import type { DuckDBConnection } from '@duckdb/node-api'
import { escapeGlob, quoteLiteral } from './sql.js'

/**
 * Whether a DuckDB error may come from a file it read rather than from the
 * SQL: `Invalid Input Error: No magic bytes found at end of file '…'`
 * (truncated, not Parquet), `Invalid Error: TProtocolException: Invalid
 * data` (damaged pages), `IO Error: …` (unreadable, vanished). Parser,
 * binder, catalog and conversion errors are the SQL's own.
 */
export function isFileError(message: string): boolean {
  return /^(?:Invalid Input|Invalid|IO|Serialization) Error:/.test(message)
}

/** A DuckDB error's message without the `LINE 1: …` excerpt of the SQL that follows it. */
export function errorMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return (message.split(/\n\s*\nLINE \d+:/)[0] as string).trim()
}

/** How DuckDB may print a path in a message: as read, or as it was given (escaped). */
function spellings(path: string): string[] {
  try {
    return [...new Set([path, escapeGlob(path)])]
  } catch {
    return [path]
  }
}

/** The reason a file failed, for people: DuckDB's first line without the file's own path. */
function reasonOf(message: string, path: string): string {
  let reason = message.split('\n')[0] as string
  for (const spelled of spellings(path)) reason = reason.replaceAll(` '${spelled}'`, '').replaceAll(` "${spelled}"`, '')
  return reason
}

/**
 * Checks that DuckDB can read a file: its footer (one small ranged read,
 * what binding a view and planning a scan need), and with `data` every
 * value of every column (a full read: damaged pages behind an intact
 * footer fail only then). Returns why it cannot, or undefined.
 */
export async function checkParquetFile(connection: DuckDBConnection, path: string, options: { data?: boolean } = {}): Promise<string | undefined> {
  const source = quoteLiteral(escapeGlob(path))
  try {
    await connection.run(`SELECT num_rows FROM parquet_file_metadata(${source})`)
    // hash() of every column makes DuckDB decode every page; count(*) alone reads only the footer.
    if (options.data) await connection.run(`SELECT sum(hash(COLUMNS(*))) FROM read_parquet(${source})`)
    return undefined
  } catch (error) {
    return reasonOf(errorMessage(error), path)
  }
}

/** Whether a DuckDB message names a file (as DuckDB prints paths: quoted, literal or as it was given). */
export function namesFile(message: string, path: string): boolean {
  return spellings(path).some((spelled) => message.includes(`'${spelled}'`) || message.includes(`"${spelled}"`))
}

/** Whether a DuckDB message names a path at all (a quoted text holding a `/` or `\\`). */
export function namesSomePath(message: string): boolean {
  return /'[^'\n]*[/\\][^'\n]*'|"[^"\n]*[/\\][^"\n]*"/.test(message)
}
