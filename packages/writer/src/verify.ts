import { ParquetryError, type DatasetSchema } from '@parquetry/schema'
import { parquetMetadataAsync, parquetRead } from 'hyparquet'
import { checkFooter, readFooter, type ByteSource } from './footer.js'

/**
 * Reads a written file back before it is committed: the footer must carry the
 * schema, fingerprint and row count, and the data itself must decode to
 * exactly `rowCount` rows (the first column is read in full).
 *
 * @throws ParquetryError `VERIFY_FAILED` naming the mismatch.
 */
export async function verifyParquetFile(object: ByteSource, expected: { schema: DatasetSchema; rowCount: number; where: string }): Promise<void> {
  checkFooter(await readFooter(object), { schema: expected.schema, rowCount: expected.rowCount }, expected.where)
  const column = expected.schema.columns[0]?.name as string
  let decoded = 0
  try {
    const metadata = await parquetMetadataAsync(object)
    await parquetRead({
      file: object,
      metadata,
      columns: [column],
      onChunk: (chunk) => {
        decoded += chunk.columnData.length
      },
    })
  } catch (error) {
    throw new ParquetryError('VERIFY_FAILED', `${expected.where}: reading the file back failed: ${(error as Error).message}`, { cause: error })
  }
  if (decoded !== expected.rowCount) {
    throw new ParquetryError('VERIFY_FAILED', `${expected.where}: ${decoded} rows decode from column ${column}, expected ${expected.rowCount}`)
  }
}
