import { dateOfTimestamp, formatDate } from '@parquetry/schema'

const DAY_MICROS = 86_400_000_000
const BUCKET_MICROS = 900_000_000 // 15 minutes: every UTC offset in use is a multiple of it

/** Per time zone: quarter hours already formatted, and the last one asked (rows come in runs of one day). */
interface ZoneCache {
  formatter: Intl.DateTimeFormat | undefined
  dates: Map<number, string>
  lastKey: number
  lastDate: string
}

const zones = new Map<string, ZoneCache>()

function zoneCache(zone: string): ZoneCache {
  let cache = zones.get(zone)
  if (!cache) {
    const utc = zone === 'UTC' || zone === 'Etc/UTC'
    cache = { formatter: utc ? undefined : new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }), dates: new Map(), lastKey: Number.NaN, lastDate: '' }
    zones.set(zone, cache)
  }
  return cache
}

/**
 * The calendar date (`YYYY-MM-DD`) of an instant in microseconds, in an IANA
 * time zone: UTC computed exactly from the day number, other zones through
 * Intl per quarter hour. It is called once per row, so both remember the last
 * answer: a run of rows of one day allocates nothing.
 */
export function dateInZone(micros: bigint, zone: string): string {
  const value = Number(micros)
  // Past ±2^53 µs (beyond the years 1685..2255) the exact bigint path.
  if (!Number.isSafeInteger(value)) return zone === 'UTC' || zone === 'Etc/UTC' ? dateOfTimestamp(micros) : dateInZoneSlow(micros, zone)
  const cache = zoneCache(zone)
  if (!cache.formatter) {
    const day = Math.floor(value / DAY_MICROS)
    if (day !== cache.lastKey) {
      cache.lastKey = day
      cache.lastDate = formatDate(day)
    }
    return cache.lastDate
  }
  const bucket = Math.floor(value / BUCKET_MICROS)
  if (bucket === cache.lastKey) return cache.lastDate
  let date = cache.dates.get(bucket)
  if (date === undefined) {
    date = cache.formatter.format(new Date(bucket * (BUCKET_MICROS / 1000)))
    if (cache.dates.size > 100_000) cache.dates.clear()
    cache.dates.set(bucket, date)
  }
  cache.lastKey = bucket
  cache.lastDate = date
  return date
}

function dateInZoneSlow(micros: bigint, zone: string): string {
  const bucket = micros >= 0n ? micros / BigInt(BUCKET_MICROS) : (micros - BigInt(BUCKET_MICROS) + 1n) / BigInt(BUCKET_MICROS)
  const millis = Number(bucket * BigInt(BUCKET_MICROS / 1000))
  return (zoneCache(zone).formatter as Intl.DateTimeFormat).format(new Date(millis))
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
