import { readFile } from 'node:fs/promises'
import { parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

/**
 * Reads a Parquet file with hyparquet, keeping values exact: INT64 as bigint,
 * timestamps as bigint microseconds (or milliseconds for TIMESTAMP_MILLIS),
 * dates as day numbers, JSON as its text. Every codec Parquetry writes
 * (hyparquet-compressors' decompressors).
 */
export async function readParquetRows(path: string): Promise<Record<string, unknown>[]> {
  const bytes = await readFile(path)
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const decoder = new TextDecoder('utf-8', { fatal: true })
  return parquetReadObjects({
    file,
    compressors,
    parsers: {
      timestampFromMilliseconds: (millis: bigint) => millis,
      timestampFromMicroseconds: (micros: bigint) => micros,
      timestampFromNanoseconds: (nanos: bigint) => nanos,
      dateFromDays: (days: number) => days,
      jsonFromBytes: (value: Uint8Array) => decoder.decode(value),
      stringFromBytes: (value: Uint8Array) => (value === undefined ? value : decoder.decode(value)),
    } as never,
  })
}
