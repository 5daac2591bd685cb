import { dateOfTimestamp } from '@parquetry/schema'

const formatters = new Map<string, Intl.DateTimeFormat>()
const cache = new Map<string, string>()
const BUCKET = 900_000_000n // 15 minutes in µs: every UTC offset in use is a multiple of it

/**
 * The calendar date (`YYYY-MM-DD`) of an instant in microseconds, in an IANA
 * time zone. UTC is computed exactly; other zones through Intl, cached per
 * quarter hour.
 */
export function dateInZone(micros: bigint, zone: string): string {
  if (zone === 'UTC' || zone === 'Etc/UTC') return dateOfTimestamp(micros)
  const bucket = micros >= 0n ? micros / BUCKET : (micros - BUCKET + 1n) / BUCKET
  const key = `${zone}|${bucket}`
  const cached = cache.get(key)
  if (cached !== undefined) return cached
  let formatter = formatters.get(zone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formatters.set(zone, formatter)
  }
  const date = formatter.format(new Date(Number(bucket * BUCKET / 1000n)))
  if (cache.size > 100_000) cache.clear()
  cache.set(key, date)
  return date
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** Today's date (`YYYY-MM-DD`) in an IANA time zone. */
export function todayIn(zone: string, now: Date = new Date()): string {
  return dateInZone(BigInt(now.getTime()) * 1000n, zone)
}
