import { ParquetryError, type DatasetSchema } from '@parquetry/schema'
import { parquetMetadataAsync, parquetRead, type FileMetaData } from 'hyparquet'
import { checkFooter, footerInfoFromMetadata, type ByteSource } from './footer.js'

// Values are only counted: keep them as the raw numbers and bytes they decode to.
const countingParsers = {
  timestampFromMilliseconds: (value: bigint) => value,
  timestampFromMicroseconds: (value: bigint) => value,
  timestampFromNanoseconds: (value: bigint) => value,
  dateFromDays: (value: number) => value,
  stringFromBytes: (value: Uint8Array) => value,
  jsonFromBytes: (value: Uint8Array) => value,
}

/**
 * Reads a written file back before it is committed: the footer must carry the
 * schema, fingerprint and row count, and the data itself must decode to
 * exactly `rowCount` rows (the first column is read in full, one row group at
 * a time, so memory stays at one row group whatever the file size).
 * `metadata` spares reading the footer again when the caller has it.
 *
 * @throws ParquetryError `VERIFY_FAILED` naming the mismatch.
 */
export async function verifyParquetFile(object: ByteSource, expected: { schema: DatasetSchema; rowCount: number; where: string; metadata?: FileMetaData }): Promise<void> {
  let metadata = expected.metadata
  try {
    metadata ??= await parquetMetadataAsync(object)
  } catch (error) {
    if (error instanceof ParquetryError) throw error
    throw new ParquetryError('VERIFY_FAILED', `${expected.where}: not a readable Parquet file: ${(error as Error).message}`, { cause: error })
  }
  checkFooter(footerInfoFromMetadata(metadata), { schema: expected.schema, rowCount: expected.rowCount }, expected.where)
  const column = expected.schema.columns[0]?.name as string
  let decoded = 0
  try {
    let groupStart = 0
    for (const group of metadata.row_groups) {
      const groupRows = Number(group.num_rows)
      await parquetRead({
        file: object,
        metadata,
        columns: [column],
        rowStart: groupStart,
        rowEnd: groupStart + groupRows,
        parsers: countingParsers as never,
        onChunk: (chunk) => {
          decoded += chunk.columnData.length
        },
      })
      groupStart += groupRows
    }
  } catch (error) {
    throw new ParquetryError('VERIFY_FAILED', `${expected.where}: reading the file back failed: ${(error as Error).message}`, { cause: error })
  }
  if (decoded !== expected.rowCount) {
    throw new ParquetryError('VERIFY_FAILED', `${expected.where}: ${decoded} rows decode from column ${column}, expected ${expected.rowCount}`)
  }
}
