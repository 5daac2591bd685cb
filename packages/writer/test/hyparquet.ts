import { parquetReadObjects } from 'hyparquet'
import { readFile } from 'node:fs/promises'
import { parquetReadOptions } from '../src/codecs.js'

const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Reads a Parquet file of any codec with hyparquet and the writer's
 * decompressors, keeping values exact: INT64 as bigint, timestamps as bigint
 * in the column's unit, dates as day numbers, JSON as its text.
 */
export async function readWithHyparquet(path: string): Promise<Record<string, unknown>[]> {
  const bytes = await readFile(path)
  return parquetReadObjects({
    file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
    ...parquetReadOptions,
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
