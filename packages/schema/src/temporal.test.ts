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
