// Calendar arithmetic on integers (proleptic Gregorian, UTC), so that dates
// before 1970 and timestamps with microseconds are exact: no Date, no floats.

const MICROS_PER_SECOND = 1_000_000n

/** Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

/** The civil date `[year, month, day]` of a day count since 1970-01-01. */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const dayOfEra = z - era * 146097
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365)
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const mp = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day]
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

const monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (monthLengths[month - 1] ?? 0)
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0')
}

/** `YYYY-MM-DD` of a day count since 1970-01-01. */
export function formatDate(days: number): string {
  const [year, month, day] = civilFromDays(days)
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`
}

const dateTextPattern = /^(\d{4})-(\d{2})-(\d{2})$/

/**
 * Day count of a `YYYY-MM-DD` date, or a reason string when the text is not a
 * real calendar date.
 */
export function parseDateText(text: string): number | string {
  const match = dateTextPattern.exec(text)
  if (!match) return 'expected a date as YYYY-MM-DD'
  const year = Number(match[1])
  const month = Number(match[2])
  const day = Number(match[3])
  if (month < 1 || month > 12) return `month ${match[2]} is out of range`
  if (day < 1 || day > daysInMonth(year, month)) return `day ${match[3]} does not exist in ${match[1]}-${match[2]}`
  return daysFromCivil(year, month, day)
}

// Date, optional time (T or space), optional fraction (. or ,), optional zone.
const timestampPattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:\s*([Zz]|[+-]\d{2}(?::?\d{2})?))?)?$/

/**
 * Microseconds since the epoch of an ISO 8601 timestamp, or a reason string.
 *
 * Accepts `2025-10-28T00:15:23Z`, offsets (`+07:00`, `+0700`, `+07`), a space
 * instead of `T`, fractions up to nanoseconds, and no zone at all (read as
 * UTC). A date alone is midnight UTC. Digits below `unit` must be zero: they
 * would otherwise be lost silently.
 */
export function parseTimestampText(text: string, unit: 'micros' | 'millis' = 'micros'): bigint | string {
  const fast = parseUtcTimestampFast(text, unit)
  if (fast !== undefined) return fast
  const match = timestampPattern.exec(text)
  if (!match) return 'expected an ISO 8601 timestamp such as 2025-10-28T00:15:23Z'
  const year = Number(match[1])
  const month = Number(match[2])
  const day = Number(match[3])
  if (month < 1 || month > 12) return `month ${match[2]} is out of range`
  if (day < 1 || day > daysInMonth(year, month)) return `day ${match[3]} does not exist in ${match[1]}-${match[2]}`
  const hour = match[4] === undefined ? 0 : Number(match[4])
  const minute = match[5] === undefined ? 0 : Number(match[5])
  const second = match[6] === undefined ? 0 : Number(match[6])
  if (hour > 23) return `hour ${match[4]} is out of range`
  if (minute > 59) return `minute ${match[5]} is out of range`
  if (second > 59) return `second ${match[6]} is out of range (leap seconds are not representable)`
  let fractionMicros = 0
  const fraction = match[7]
  if (fraction !== undefined) {
    const kept = unit === 'micros' ? 6 : 3
    const padded = fraction.padEnd(9, '0')
    if (!/^0*$/.test(padded.slice(kept))) {
      return `fraction .${fraction} is finer than the column's ${unit === 'micros' ? 'microsecond' : 'millisecond'} precision`
    }
    fractionMicros = Number(padded.slice(0, 6))
  }
  let offsetSeconds = 0
  const zone = match[8]
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1
    const digits = zone.slice(1).replace(':', '')
    const offsetHours = Number(digits.slice(0, 2))
    const offsetMinutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0
    if (offsetHours > 23 || offsetMinutes > 59) return `zone offset ${zone} is out of range`
    offsetSeconds = sign * (offsetHours * 3600 + offsetMinutes * 60)
  }
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds
  return BigInt(seconds) * MICROS_PER_SECOND + BigInt(fractionMicros)
}

function digitsAt(text: string, start: number, count: number): number {
  let value = 0
  for (let index = start; index < start + count; index++) {
    const digit = text.charCodeAt(index) - 48
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

// The day of the last timestamp read (YYYYMMDD as a number) and its day count:
// rows of one file mostly share their day, compared as digits, counted once.
let lastDayKey = -1
let lastDayNumber = 0

// The shape nearly every export writes, `2025-10-28T00:15:23Z` with an
// optional fraction, read without a regular expression; anything else (or
// anything out of range) goes the general way, which also explains errors.
function parseUtcTimestampFast(text: string, unit: 'micros' | 'millis'): bigint | undefined {
  return parseUtcTimestampRange(text, 0, text.length, unit)
}

/**
 * The timestamp in `text` from `start` to `end` (exclusive) when it has the
 * usual shape, `2025-10-28T00:15:23Z` with an optional fraction of up to the
 * column's precision, else undefined (the general parser decides, and says
 * why). Reads the text in place: no substring is made.
 */
export function parseUtcTimestampRange(text: string, start: number, end: number, unit: 'micros' | 'millis'): bigint | undefined {
  const length = end - start
  if (length < 20 || text.charCodeAt(end - 1) !== 90 /* Z */ || text.charCodeAt(start + 10) !== 84 /* T */) return undefined
  if (text.charCodeAt(start + 4) !== 45 || text.charCodeAt(start + 7) !== 45 || text.charCodeAt(start + 13) !== 58 || text.charCodeAt(start + 16) !== 58) return undefined
  const hour = digitsAt(text, start + 11, 2)
  const minute = digitsAt(text, start + 14, 2)
  const second = digitsAt(text, start + 17, 2)
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined
  let fractionMicros = 0
  if (length > 20) {
    const digits = length - 21
    if (text.charCodeAt(start + 19) !== 46 /* . */ || digits < 1 || digits > (unit === 'micros' ? 6 : 3)) return undefined
    const fraction = digitsAt(text, start + 20, digits)
    if (fraction < 0) return undefined
    fractionMicros = fraction * 10 ** (6 - digits)
  } else if (length !== 20) {
    return undefined
  }
  const year = digitsAt(text, start, 4)
  const month = digitsAt(text, start + 5, 2)
  const day = digitsAt(text, start + 8, 2)
  if (year < 0 || month < 0 || day < 0) return undefined
  const key = year * 10_000 + month * 100 + day
  if (key !== lastDayKey) {
    // As parseDateText checks a YYYY-MM-DD date.
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
    lastDayNumber = daysFromCivil(year, month, day)
    lastDayKey = key
  }
  const seconds = lastDayNumber * 86400 + hour * 3600 + minute * 60 + second
  // Exact in a double up to ±2^53 µs (years 1685..2255); one bigint made, not four.
  const micros = seconds * 1_000_000 + fractionMicros
  return Number.isSafeInteger(micros) ? BigInt(micros) : BigInt(seconds) * MICROS_PER_SECOND + BigInt(fractionMicros)
}

/** `YYYY-MM-DDTHH:MM:SS.ffffffZ` of microseconds since the epoch. */
export function formatTimestamp(micros: bigint): string {
  let seconds = micros / MICROS_PER_SECOND
  let fraction = micros % MICROS_PER_SECOND
  if (fraction < 0n) {
    fraction += MICROS_PER_SECOND
    seconds -= 1n
  }
  const secondsNumber = Number(seconds)
  const days = Math.floor(secondsNumber / 86400)
  const secondOfDay = secondsNumber - days * 86400
  const hour = Math.floor(secondOfDay / 3600)
  const minute = Math.floor((secondOfDay % 3600) / 60)
  const second = secondOfDay % 60
  return `${formatDate(days)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(Number(fraction), 6)}Z`
}

/** Microseconds since the epoch of a JavaScript Date (millisecond precision). */
export function timestampFromDate(date: Date): bigint {
  return BigInt(date.getTime()) * 1000n
}

/** The day (`YYYY-MM-DD`, UTC) a timestamp in microseconds falls on. */
export function dateOfTimestamp(micros: bigint): string {
  const days = micros >= 0n ? micros / 86_400_000_000n : (micros - 86_399_999_999n) / 86_400_000_000n
  return formatDate(Number(days))
}
