import { describe, expect, it } from 'vitest'
import { civilFromDays, dateOfTimestamp, daysFromCivil, formatDate, formatTimestamp, parseDateText } from './temporal.js'

describe('calendar arithmetic', () => {
  it('agrees with Date.UTC over four centuries', () => {
    for (let days = -200_000; days <= 200_000; days += 37) {
      const date = new Date(days * 86_400_000)
      expect(civilFromDays(days)).toEqual([date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()])
      expect(daysFromCivil(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())).toBe(days)
    }
  })
  it('formats and parses dates at the edges', () => {
    expect(formatDate(0)).toBe('1970-01-01')
    expect(formatDate(-1)).toBe('1969-12-31')
    expect(parseDateText('0001-01-01')).toBe(-719162)
    expect(formatDate(2932896)).toBe('9999-12-31')
  })
  it('formats timestamps to the microsecond, before and after 1970', () => {
    expect(formatTimestamp(0n)).toBe('1970-01-01T00:00:00.000000Z')
    expect(formatTimestamp(-1n)).toBe('1969-12-31T23:59:59.999999Z')
    expect(formatTimestamp(1761610523123456n)).toBe('2025-10-28T00:15:23.123456Z')
    expect(dateOfTimestamp(-1n)).toBe('1969-12-31')
    expect(dateOfTimestamp(1761610523123456n)).toBe('2025-10-28')
    expect(dateOfTimestamp(-86_400_000_000n)).toBe('1969-12-31')
  })
})

describe('timestamp fast path', () => {
  it('agrees with the general parser (the same instant written with +00:00) across many values', async () => {
    const { parseTimestampText } = await import('./temporal.js')
    let seed = 7
    for (let index = 0; index < 5000; index++) {
      seed = (seed * 1103515245 + 12345) % 2147483648
      const micros = BigInt(seed) * 1_000_003n - 1_000_000_000_000_000n
      const text = formatTimestamp(micros)
      const general = text.replace('Z', '+00:00')
      expect(parseTimestampText(text)).toBe(micros)
      expect(parseTimestampText(general)).toBe(micros)
      expect(parseTimestampText(text.replace(/\.\d+Z$/, 'Z'))).toBe(parseTimestampText(general.replace(/\.\d+\+/, '+')))
    }
  })

  it('leaves odd shapes to the general parser and its reasons', async () => {
    const { parseTimestampText } = await import('./temporal.js')
    expect(parseTimestampText('2025-02-29T00:00:00Z')).toBe('day 29 does not exist in 2025-02')
    expect(parseTimestampText('2025-10-28T00:00:60Z')).toBe('second 60 is out of range (leap seconds are not representable)')
    expect(parseTimestampText('2025-10-28T00:00:00.Z')).toBe('expected an ISO 8601 timestamp such as 2025-10-28T00:15:23Z')
    expect(parseTimestampText('2025-10-28T00:00:00.1234Z', 'millis')).toBe("fraction .1234 is finer than the column's millisecond precision")
    expect(parseTimestampText('2025-10-28T00:00:00.123Z', 'millis')).toBe(1761609600123000n)
  })
})
