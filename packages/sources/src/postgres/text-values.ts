import { daysFromCivil } from '@parquetry/schema'

// PostgreSQL's text output of timestamps under DateStyle ISO (set by the session):
// `2026-11-01 12:34:56.123456`, `+00`, `+05:30`, `-00:17:30` (old local mean times), ` BC`.
const INT64_MAX = 2n ** 63n - 1n

const timestampOutput = /^(\d{4,})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?)?( BC)?$/

/**
 * Microseconds since 1970-01-01 UTC of a `timestamp` / `timestamptz` in
 * PostgreSQL's ISO text output, with integer arithmetic (no Date, no local
 * time zone).
 *
 * @throws Error for `infinity` / `-infinity` (no count of microseconds) and for text of another DateStyle.
 */
export function parseTimestampOutput(text: string): bigint {
  const match = timestampOutput.exec(text)
  if (!match) {
    if (text === 'infinity' || text === '-infinity') throw new Error(`timestamp ${text} has no microsecond count; leave it out or NULLIF it in the query`)
    throw new Error(`unexpected timestamp text ${JSON.stringify(text)} (DateStyle is not ISO?)`)
  }
  const written = Number(match[1])
  const year = match[12] ? 1 - written : written
  const days = daysFromCivil(year, Number(match[2]), Number(match[3]))
  let seconds = days * 86_400 + Number(match[4]) * 3600 + Number(match[5]) * 60 + Number(match[6])
  if (match[8]) {
    const offset = Number(match[9]) * 3600 + Number(match[10] ?? 0) * 60 + Number(match[11] ?? 0)
    seconds -= match[8] === '-' ? -offset : offset
  }
  const fraction = match[7] ? Number(match[7].padEnd(6, '0')) : 0
  const micros = BigInt(seconds) * 1_000_000n + BigInt(fraction)
  if (micros > INT64_MAX) throw new Error(`timestamp ${text} is beyond the microseconds since 1970 an int64 holds (years up to 294247)`)
  return micros
}

const identity = (text: string): string => text

/**
 * Parsers of `query()`'s text results by type OID: int2/int4/oid and
 * float4/float8 → number (NaN, ±Infinity, -0 kept), int8 → bigint, numeric →
 * its exact text, date → its text (`YYYY-MM-DD` under DateStyle ISO: never a
 * Date, so no time zone can move it), timestamp/timestamptz → bigint µs since
 * 1970 UTC, bool → boolean, json/jsonb → their text (so that 64-bit integers in
 * them stay exact). Other types keep pg's parsers.
 */
export const textParsers: ReadonlyMap<number, (text: string) => unknown> = new Map<number, (text: string) => unknown>([
  [16, (text) => text === 't'],
  [20, (text) => BigInt(text)],
  [21, Number],
  [23, Number],
  [26, Number],
  [700, (text) => Math.fround(Number(text))],
  [701, Number],
  [1700, identity],
  [1082, identity],
  [1114, parseTimestampOutput],
  [1184, parseTimestampOutput],
  [114, identity],
  [3802, identity],
])
