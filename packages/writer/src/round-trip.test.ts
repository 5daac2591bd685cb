import { defineSchema, formatTimestamp, parseTimestampText, type Row } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { duckDbDescribe, duckDbQuery, makeTempDir, readParquetRows } from '@parquetry/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeParquet } from './parquet-file-writer.js'

const allTypes = defineSchema({
  name: 'all_types',
  columns: [
    { name: 'id', type: 'int32', nullable: false },
    { name: 's', type: 'string' },
    { name: 'b', type: 'boolean' },
    { name: 'i16', type: 'int16' },
    { name: 'i32', type: 'int32' },
    { name: 'i64', type: 'int64' },
    { name: 'd', type: 'double' },
    { name: 'day', type: 'date' },
    { name: 'ts', type: 'timestamp' },
    { name: 'ts_ms', type: 'timestamp', unit: 'millis' },
    { name: 'j', type: 'json' },
  ],
})

const micros = (text: string): bigint => {
  const value = parseTimestampText(text)
  if (typeof value === 'string') throw new Error(value)
  return value
}

const rows: Row[] = [
  {
    id: 1, s: 'plain', b: true, i16: -32768, i32: -2147483648, i64: 9007199254740993n, d: 45.2,
    day: '2025-10-28', ts: micros('2025-10-28T00:15:23.123456Z'), ts_ms: micros('2025-10-28T00:15:23.123Z'), j: '{"a":1,"big":12345678901234567890}',
  },
  {
    id: 2, s: '', b: false, i16: 32767, i32: 2147483647, i64: -9223372036854775808n, d: -0.000001,
    day: '1969-12-31', ts: micros('1969-12-31T23:59:59.999999Z'), ts_ms: micros('1900-01-01T00:00:00.001Z'), j: '[1,"two",null,{"x":[]}]',
  },
  { id: 3, s: null, b: null, i16: null, i32: null, i64: null, d: null, day: null, ts: null, ts_ms: null, j: null },
  {
    id: 4, s: 'ünïcødé — 日本語 🚀 \u0000 nul', b: true, i16: 0, i32: 0, i64: 9223372036854775807n, d: 1e308,
    day: '0001-01-01', ts: micros('1583-10-15T12:00:00.000001Z'), ts_ms: 0n, j: '"a string"',
  },
  {
    id: 5, s: 'line\nbreak, "quotes"', b: false, i16: -1, i32: 1, i64: 0n, d: Number.NaN,
    day: '9999-12-31', ts: micros('2262-04-11T23:47:16.854775Z'), ts_ms: micros('1970-01-01T00:00:00Z'), j: '{"nested":{"deep":[1.5,true]}}',
  },
]

let dir: { path: string; remove: () => Promise<void> }
let file: string

beforeAll(async () => {
  dir = await makeTempDir()
  const storage = createLocalStorage({ root: dir.path })
  const result = await writeParquet({ schema: allTypes, rows, sink: await storage.createSink('all/all_types.parquet'), rowGroupSize: 2 })
  expect(result).toMatchObject({ rows: 5, rowGroups: 3, path: 'all/all_types.parquet', codec: 'SNAPPY' })
  file = storage.resolvePath(result.path)
})
afterAll(() => dir.remove())

describe('round trip of every type', () => {
  it('DuckDB DESCRIBE shows the intended types', async () => {
    expect(await duckDbDescribe(file)).toEqual([
      { name: 'id', type: 'INTEGER' },
      { name: 's', type: 'VARCHAR' },
      { name: 'b', type: 'BOOLEAN' },
      { name: 'i16', type: 'SMALLINT' },
      { name: 'i32', type: 'INTEGER' },
      { name: 'i64', type: 'BIGINT' },
      { name: 'd', type: 'DOUBLE' },
      { name: 'day', type: 'DATE' },
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'ts_ms', type: 'TIMESTAMP' },
      { name: 'j', type: 'JSON' },
    ])
  })

  it('DuckDB reads back every value exactly', async () => {
    // Cast temporal values to text in SQL so the comparison is DuckDB's own rendering, to the microsecond.
    const read = await duckDbQuery(
      `SELECT id, s, b, i16, i32, i64, d, strftime(day, '%Y-%m-%d') AS day,
              strftime(ts, '%Y-%m-%dT%H:%M:%S.%fZ') AS ts, strftime(ts_ms, '%Y-%m-%dT%H:%M:%S.%fZ') AS ts_ms, j::VARCHAR AS j
       FROM read_parquet($1) ORDER BY id`,
      [file],
    )
    expect(read).toHaveLength(rows.length)
    read.forEach((got, index) => {
      const want = rows[index] as Row
      expect(got['id']).toBe(want['id'])
      expect(got['s']).toBe(want['s'])
      expect(got['b']).toBe(want['b'])
      expect(got['i16']).toBe(want['i16'])
      expect(got['i32']).toBe(want['i32'])
      expect(got['i64']).toBe(want['i64'])
      expect(got['d']).toBe(want['d'])
      expect(got['day']).toBe(want['day'])
      expect(got['ts']).toBe(want['ts'] === null ? null : formatTimestamp(want['ts'] as bigint))
      expect(got['ts_ms']).toBe(want['ts_ms'] === null ? null : formatTimestamp(want['ts_ms'] as bigint))
      expect(got['j']).toBe(want['j'])
    })
  })

  it('DuckDB sees int64 beyond 2^53 and JSON content as values, not text', async () => {
    const [row] = await duckDbQuery(
      `SELECT i64 + 0 AS i64, j->>'$.big' AS big, epoch_us(ts) AS ts_us FROM read_parquet($1) WHERE id = 1`,
      [file],
    )
    expect(row).toEqual({ i64: 9007199254740993n, big: '12345678901234567890', ts_us: 1761610523123456n })
  })

  it('hyparquet reads back every value exactly', async () => {
    const read = await readParquetRows(file)
    const dayNumber = (text: string | null) => (text === null ? null : Math.round(Date.parse(`${text}T00:00:00Z`) / 86_400_000))
    expect(read).toHaveLength(rows.length)
    read.forEach((got, index) => {
      const want = rows[index] as Row
      expect({ ...got, day: got['day'] }).toEqual({
        ...want,
        day: dayNumber(want['day'] as string | null),
        ts_ms: want['ts_ms'] === null ? null : (want['ts_ms'] as bigint) / 1000n,
      })
    })
  })

  it('writes and reads back a 0-row file', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const result = await writeParquet({ schema: allTypes, rows: [], sink: await storage.createSink('empty.parquet') })
    expect(result).toMatchObject({ rows: 0, rowGroups: 0 })
    const path = storage.resolvePath('empty.parquet')
    expect(await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1)', [path])).toEqual([{ n: 0n }])
    expect((await duckDbDescribe(path)).map((column) => column.type)).toContain('TIMESTAMP')
    expect(await readParquetRows(path)).toEqual([])
  })
})

describe('delta encoding', () => {
  it('integers and timestamps chosen for DELTA_BINARY_PACKED read back exactly in DuckDB and hyparquet', async () => {
    const schema = defineSchema({
      name: 'deltas',
      columns: [
        { name: 'id', type: 'int64', nullable: false },
        { name: 'ts', type: 'timestamp' },
        { name: 'wide', type: 'int32' },
        { name: 'near_max', type: 'int64' },
      ],
    })
    const count = 5000
    const made: Row[] = Array.from({ length: count }, (_, index) => ({
      id: 4611686018427387904n + BigInt(index) * 7n,
      ts: index % 100 === 0 ? null : -2208988800000000n + BigInt(index) * 1234567n,
      wide: ((index * 2654435761) % 4294967296) - 2147483648,
      near_max: 9223372036854775807n - BigInt((index * 7919) % 100000),
    }))
    const storage = createLocalStorage({ root: dir.path })
    const result = await writeParquet({ schema, rows: made, sink: await storage.createSink('deltas.parquet'), rowGroupSize: 2000 })
    const path = storage.resolvePath(result.path)
    const encodings = await duckDbQuery('SELECT DISTINCT path_in_schema AS c, encodings AS e FROM parquet_metadata($1) ORDER BY 1', [path])
    expect(encodings.filter((row) => String(row['e']).includes('DELTA_BINARY_PACKED')).map((row) => row['c'])).toEqual(['id', 'near_max', 'ts', 'wide'])
    const read = await duckDbQuery('SELECT id, epoch_us(ts) AS ts, wide, near_max FROM read_parquet($1)', [path])
    expect(read).toEqual(made.map((row) => ({ ...row, wide: row['wide'] })))
    expect(await readParquetRows(path)).toEqual(made)
  })
})
