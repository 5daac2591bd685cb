// The trap seen here: pg's default parsers turn a date into a Date at local
// midnight, so under TZ=Asia/Bangkok 2026-11-01 became 2026-10-31 (UTC). This file
// runs under that zone (set before anything reads it) and checks that dates stay
// exact through query() and through COPY, and that timestamps are UTC µs.
process.env.TZ = 'Asia/Bangkok'

import { afterAll, describe, expect, it } from 'vitest'
import type { SourceItem } from '../types.js'
import { readPostgres } from './read.js'
import { connectPostgres } from './session.js'
import { useTestDatabase } from './test-database.js'

const database = useTestDatabase()
afterAll(() => {
  delete process.env.TZ
})

const sql = `SELECT date '2026-11-01' AS day, date '1969-12-31' AS before_epoch, timestamp '2026-11-01 00:00:00' AS local_ts,
  timestamptz '2026-11-01 00:00:00+07' AS zoned, (timestamptz '2026-11-01 00:30:00+07')::date AS zoned_day`

describe('under TZ=Asia/Bangkok', () => {
  it('is really in that zone (where a local-midnight Date of 2026-11-01 is 2026-10-31 in UTC)', () => {
    expect(new Date(2026, 10, 1).getTimezoneOffset()).toBe(-420)
    expect(new Date(2026, 10, 1).toISOString().slice(0, 10)).toBe('2026-10-31')
  })

  const expected = {
    day: '2026-11-01',
    before_epoch: '1969-12-31',
    local_ts: 1793491200000000n,
    zoned: 1793466000000000n,
    // The session runs in UTC, whatever the server's or this process's zone: 00:30+07 is still 2026-10-31 there.
    zoned_day: '2026-10-31',
  }

  it('query() gives exact date strings and UTC µs timestamps', async () => {
    const session = await connectPostgres({ connectionString: database.url })
    try {
      expect(await session.query(sql)).toEqual([expected])
      expect(await session.query('SELECT $1::date AS day', ['2026-11-01'])).toEqual([{ day: '2026-11-01' }])
    } finally {
      await session.close()
    }
  })

  it('binary COPY gives the same', async () => {
    const items: SourceItem[] = []
    for await (const batch of readPostgres({ connectionString: database.url, query: `${sql} WHERE $1::date = date '2026-11-01'`, params: ['2026-11-01'], name: 'tz' })) items.push(...batch)
    expect(items.map((item) => (item.kind === 'record' ? item.values : item))).toEqual([expected])
  })
})
