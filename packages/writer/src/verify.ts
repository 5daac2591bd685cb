import { ParquetryError, type DatasetSchema } from '@parquetry/schema'
import type { FileMetaData } from 'hyparquet'
import { checkFooter, footerInfoFromMetadata, readParquetMetadata, type ByteSource } from './footer.js'
import { inspectParquetFile, type InspectProblem } from './inspect.js'

/**
 * Reads a written file back in full: the footer must carry the schema,
 * fingerprint and row count, every column chunk must match its recorded
 * checksum, and every page of every column must decode to the row group's
 * row count ({@link inspectParquetFile} in `'deep'` mode, one row group × one
 * column at a time, so memory stays at one column chunk whatever the file
 * size). `metadata` spares reading the footer again when the caller has it.
 *
 * @throws ParquetryError `VERIFY_FAILED` naming the mismatch (the first few
 *   problems, each with its row group and column); the byte source's own errors unchanged.
 */
export async function verifyParquetFile(
  object: ByteSource,
  expected: { schema: DatasetSchema; rowCount: number; where: string; metadata?: FileMetaData; mode?: 'checksums' | 'deep' },
): Promise<void> {
  const metadata = expected.metadata ?? (await readParquetMetadata(object, expected.where))
  checkFooter(footerInfoFromMetadata(metadata), { schema: expected.schema, rowCount: expected.rowCount }, expected.where)
  const { problems } = await inspectParquetFile(object, { mode: expected.mode ?? 'deep', metadata })
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).map(describeProblem).join('; ')
    const more = problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''
    throw new ParquetryError('VERIFY_FAILED', `${expected.where}: ${shown}${more}`, { details: { where: expected.where, problems } })
  }
}

/** A problem as one line: `row group 2, column x: reason`. */
export function describeProblem(problem: InspectProblem): string {
  const place = [problem.rowGroup === undefined ? undefined : `row group ${problem.rowGroup}`, problem.column === undefined ? undefined : `column ${problem.column}`]
    .filter((part) => part !== undefined)
    .join(', ')
  return place ? `${place}: ${problem.reason}` : problem.reason
}
