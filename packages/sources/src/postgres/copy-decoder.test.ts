import copyStreams from 'pg-copy-streams'
import pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { CopyBinaryDecoder } from './copy-decoder.js'
import { useTestDatabase } from './test-database.js'
import { CopyValueProblem } from './type-mapping.js'

const database = useTestDatabase()

// The real bytes of a binary COPY of a few rows of every type, from PostgreSQL itself.
const fixtureSql = `SELECT g AS id, g::int2 AS small, g::int8 * 1000000007 AS big, g / 3.0::float8 AS ratio, (g * 1.25)::numeric(10,2) AS amount,
  CASE WHEN g % 4 = 0 THEN NULL ELSE repeat('é☃x', g) END AS note, date '2026-11-01' + g AS day,
  timestamptz '2026-11-01 00:00:00+07' + g * interval '1 second 1 microsecond' AS at, g % 2 = 0 AS even,
  ('{"g": ' || g || '}')::jsonb AS doc, md5(g::text)::uuid AS key, CASE WHEN g = 7 THEN 'infinity'::date END AS odd
FROM generate_series(1, 40) g ORDER BY g`
const oids = [23, 21, 20, 701, 1700, 25, 1082, 1184, 16, 3802, 2950, 1082]
let bytes: Buffer

async function copyBytes(url: string, sql: string): Promise<Buffer> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query("SET TimeZone = 'UTC'")
    const chunks: Buffer[] = []
    for await (const chunk of client.query(copyStreams.to(`COPY (${sql}) TO STDOUT (FORMAT binary)`)) as AsyncIterable<Buffer>) chunks.push(chunk)
    return Buffer.concat(chunks)
  } finally {
    await client.end()
  }
}

function decodeIn(parts: Buffer[]): unknown[][] {
  const decoder = new CopyBinaryDecoder(oids)
  const rows = parts.flatMap((part) => decoder.push(part))
  decoder.end()
  return rows
}

describe('CopyBinaryDecoder', () => {
  beforeAll(async () => {
    bytes = await copyBytes(database.url, fixtureSql)
  })

  it('decodes a real binary COPY', () => {
    const rows = decodeIn([bytes])
    expect(rows).toHaveLength(40)
    expect(rows[0]).toEqual([1, 1, 1000000007n, 1 / 3, '1.25', 'é☃x', '2026-11-02', 1793466001000001n, false, '{"g": 1}', 'c4ca4238-a0b9-2382-0dcc-509a6f75849b', null])
    expect(rows[3]?.[5]).toBeNull()
    expect(rows[6]?.[11]).toBeInstanceOf(CopyValueProblem)
    expect(rows[39]?.[2]).toBe(40n * 1000000007n)
  })

  it('gives the same rows however the bytes are split: at every offset, byte by byte, in random pieces', { timeout: 60_000 }, () => {
    const whole = decodeIn([bytes])
    for (let offset = 1; offset < bytes.length; offset++) {
      expect(decodeIn([bytes.subarray(0, offset), bytes.subarray(offset)])).toEqual(whole)
    }
    expect(decodeIn([...bytes].map((byte) => Buffer.from([byte])))).toEqual(whole)
    let seed = 7
    for (let round = 0; round < 50; round++) {
      const parts: Buffer[] = []
      for (let start = 0; start < bytes.length; ) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31
        const size = 1 + (seed % 97)
        parts.push(bytes.subarray(start, start + size))
        start += size
      }
      expect(decodeIn(parts)).toEqual(whole)
    }
  })

  it('keeps only the unfinished row between chunks, and takes plain Uint8Arrays', () => {
    const decoder = new CopyBinaryDecoder(oids)
    const middle = Math.floor(bytes.length / 2)
    const first = decoder.push(new Uint8Array(bytes.subarray(0, middle)))
    const second = decoder.push(new Uint8Array(bytes.subarray(middle)))
    expect(first.length + second.length).toBe(40)
    expect(decoder.done).toBe(true)
    expect(decoder.rows).toBe(40)
    expect(decoder.bytes).toBe(bytes.length)
    expect(decoder.problems).toBe(1)
  })

  it('refuses what is not a complete binary COPY stream', () => {
    expect(() => new CopyBinaryDecoder(oids).push(Buffer.from('PGCOPX\n\xff\r\n\0', 'latin1'))).toThrow(/no PGCOPY signature/)
    expect(() => new CopyBinaryDecoder(oids).push(Buffer.from('id,name\n1,x\n'))).toThrow(/no PGCOPY signature/)
    // Cut short: inside a row, and before the trailer.
    const cut = new CopyBinaryDecoder(oids)
    cut.push(bytes.subarray(0, bytes.length - 40))
    expect(() => cut.end()).toThrow(/ends inside a row/)
    const noTrailer = new CopyBinaryDecoder(oids)
    noTrailer.push(bytes.subarray(0, bytes.length - 2))
    expect(() => noTrailer.end()).toThrow(/without its trailer/)
    // Bytes after the trailer.
    expect(() => new CopyBinaryDecoder(oids).push(Buffer.concat([bytes, Buffer.from([0, 1])]))).toThrow(/after its trailer/)
    // A row of another width than the columns.
    expect(() => new CopyBinaryDecoder(oids.slice(1)).push(bytes)).toThrow(/has 12 fields, expected 11/)
    // A value of the wrong size for its type (an int4 column read as int8).
    expect(() => new CopyBinaryDecoder([20, ...oids.slice(1)]).push(bytes)).toThrow(/int8 value of 4 bytes/)
  })

  it('skips a header extension and refuses OIDs and unknown critical flags', () => {
    const header = bytes.subarray(0, 19)
    const body = bytes.subarray(19)
    const extended = Buffer.concat([header.subarray(0, 15), Buffer.from([0, 0, 0, 3, 9, 9, 9]), body])
    expect(decodeIn([extended])).toEqual(decodeIn([bytes]))
    const withOids = Buffer.from(bytes)
    withOids.writeInt32BE(1 << 16, 11)
    expect(() => new CopyBinaryDecoder(oids).push(withOids)).toThrow(/with OIDs/)
    const critical = Buffer.from(bytes)
    critical.writeInt32BE(1 << 20, 11)
    expect(() => new CopyBinaryDecoder(oids).push(critical)).toThrow(/unknown critical flags/)
  })
})
