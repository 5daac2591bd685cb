import { parseTimestampText } from '@parquetry/schema'
import { describe, expect, it } from 'vitest'
import { dateInZone } from './zoned-date.js'

const at = (text: string) => parseTimestampText(text) as bigint

describe('dateInZone', () => {
  it.each([
    ['2025-10-27T17:00:00Z', 'UTC', '2025-10-27'],
    ['2025-10-27T17:00:00Z', 'Asia/Bangkok', '2025-10-28'],
    ['2025-10-27T16:59:59Z', 'Asia/Bangkok', '2025-10-27'],
    ['2025-10-28T02:29:59Z', 'America/St_Johns', '2025-10-27'],
    ['2025-10-28T02:30:00Z', 'America/St_Johns', '2025-10-28'],
    ['2025-10-27T11:15:00Z', 'Pacific/Chatham', '2025-10-28'],
    ['1969-12-31T23:59:59Z', 'UTC', '1969-12-31'],
    ['1969-12-31T23:59:59Z', 'Europe/Paris', '1970-01-01'],
    // Past 2^53 µs from the epoch: the exact bigint path.
    ['2300-01-01T00:00:00Z', 'UTC', '2300-01-01'],
    ['2299-12-31T23:59:59.999999Z', 'UTC', '2299-12-31'],
    ['2300-01-01T00:00:00Z', 'Asia/Bangkok', '2300-01-01'],
    ['1600-03-01T12:00:00Z', 'UTC', '1600-03-01'],
  ])('%s in %s is %s', (text, zone, date) => {
    expect(dateInZone(at(text), zone)).toBe(date)
    // Asked again (the cached path), and after another day, the same answer.
    expect(dateInZone(at(text), zone)).toBe(date)
    dateInZone(at('2001-01-01T00:00:00Z'), zone)
    expect(dateInZone(at(text), zone)).toBe(date)
  })
})
