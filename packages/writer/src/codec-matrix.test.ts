import { defineSchema, parseDateText, parseTimestampText, toParquetSchema, type Row } from '@parquetry/schema'
import { createLocalStorage, openFileObject } from '@parquetry/storage'
import { duckDbDescribe, duckDbQuery, useTempDir } from '@parquetry/testing'
import { parquetMetadata } from 'hyparquet'
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { readWithArrow } from '../test/arrow.js'
import { readWithHyparquet } from '../test/hyparquet.js'
import { parquetCodecs } from './codecs.js'
import { inspectParquetFile } from './inspect.js'
import { writeParquet } from './parquet-file-writer.js'

// Every column type the schema package has, nulls in each, written with every
// codec and read back by DuckDB, hyparquet (+ hyparquet-compressors) and
// arrow-rs (parquet-wasm), value for value.
const schema = defineSchema({
  name: 'matrix',
  columns: [
    { name: 'id', type: 'int32', nullable: false },
    { name: 's', type: 'string' },
    { name: 'i16', type: 'int16' },
    { name: 'i32', type: 'int32' },
    { name: 'i64', type: 'int64' },
    { name: 'd', type: 'double' },
    { name: 'b', type: 'boolean' },
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
const days = (text: string): number => {
  const value = parseDateText(text)
  if (typeof value === 'string') throw new Error(value)
  return value
}

const rows: Row[] = [
  {
    id: 1, s: 'plain', i16: -32768, i32: -2147483648, i64: 9007199254740993n, d: 45.25, b: true,
    day: '2025-10-28', ts: micros('2025-10-28T00:15:23.123457Z'), ts_ms: micros('2025-10-28T00:15:23.123Z'), j: '{"a":1,"big":12345678901234567890}',
  },
  { id: 2, s: null, i16: null, i32: null, i64: null, d: null, b: null, day: null, ts: null, ts_ms: null, j: null },
  {
    id: 3, s: 'ünïcødé — 日本語 🚀', i16: 32767, i32: 2147483647, i64: -9223372036854775808n, d: Number.NaN, b: false,
    day: '1969-12-31', ts: micros('1969-12-31T23:59:59.999999Z'), ts_ms: micros('1900-01-01T00:00:00.001Z'), j: '[1,"two",null]',
  },
  {
    id: 4, s: '', i16: 0, i32: 0, i64: 9223372036854775807n, d: -1e-300, b: true,
    day: '9999-12-31', ts: micros('2262-04-11T23:47:16.854775Z'), ts_ms: 0n, j: '"text"',
  },
  { id: 5, s: 'line\nbreak, "quoted"', i16: -1, i32: 1, i64: -9007199254740993n, d: Number.POSITIVE_INFINITY, b: null, day: '0001-01-01', ts: 0n, ts_ms: null, j: '{}' },
]

const dir = useTempDir()

async function write(codec: (typeof parquetCodecs)[number], data: Row[], name: string): Promise<string> {
  const storage = createLocalStorage({ root: dir.path })
  const result = await writeParquet({ schema, rows: data, sink: await storage.createSink(name), codec, rowGroupSize: 2, verify: 'full' })
  expect(result).toMatchObject({ codec, rows: data.length, rowGroups: Math.ceil(data.length / 2) })
  return storage.resolvePath(result.path)
}

describe.each(parquetCodecs)('codec %s', (codec) => {
  it('DuckDB reads every type and value', async () => {
    const path = await write(codec, rows, `${codec}.parquet`)
    expect((await duckDbQuery('SELECT DISTINCT compression FROM parquet_metadata($1)', [path])).map((row) => row['compression'])).toEqual([codec])
    expect(await duckDbDescribe(path)).toEqual([
      { name: 'id', type: 'INTEGER' }, { name: 's', type: 'VARCHAR' }, { name: 'i16', type: 'SMALLINT' }, { name: 'i32', type: 'INTEGER' },
      { name: 'i64', type: 'BIGINT' }, { name: 'd', type: 'DOUBLE' }, { name: 'b', type: 'BOOLEAN' }, { name: 'day', type: 'DATE' },
      { name: 'ts', type: 'TIMESTAMP' }, { name: 'ts_ms', type: 'TIMESTAMP' }, { name: 'j', type: 'JSON' },
    ])
    const read = await duckDbQuery(
      `SELECT id, s, i16, i32, i64, d, b, strftime(day, '%Y-%m-%d') AS day, epoch_us(ts) AS ts, epoch_us(ts_ms) AS ts_ms, j::VARCHAR AS j
       FROM read_parquet($1) ORDER BY id`,
      [path],
    )
    expect(read).toEqual(rows)
  })

  it('hyparquet reads every value', async () => {
    const path = await write(codec, rows, `${codec}-hyparquet.parquet`)
    expect(await readWithHyparquet(path)).toEqual(
      rows.map((row) => ({
        ...row,
        day: row['day'] === null ? null : days(row['day'] as string),
        ts_ms: row['ts_ms'] === null ? null : (row['ts_ms'] as bigint) / 1000n,
      })),
    )
  })

  it('arrow-rs (parquet-wasm) reads every type and value', async () => {
    const path = await write(codec, rows, `${codec}-arrow.parquet`)
    const read = await readWithArrow(path)
    expect(read.types).toEqual({
      id: 'Int32', s: 'Utf8', i16: 'Int16', i32: 'Int32', i64: 'Int64', d: 'Float64', b: 'Bool',
      day: 'Date32<DAY>', ts: 'Timestamp<MICROSECOND>', ts_ms: 'Timestamp<MILLISECOND>', j: 'Utf8',
    })
    expect(read.rows).toEqual(
      rows.map((row) => ({
        ...row,
        day: row['day'] === null ? null : days(row['day'] as string),
        ts_ms: row['ts_ms'] === null ? null : (row['ts_ms'] as bigint) / 1000n,
      })),
    )
  })

  it('a 0-row file reads in all three, with its types', async () => {
    const path = await write(codec, [], `${codec}-empty.parquet`)
    expect(await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1)', [path])).toEqual([{ n: 0n }])
    expect((await duckDbDescribe(path)).map((column) => column.type)).toContain('TIMESTAMP')
    expect(await readWithHyparquet(path)).toEqual([])
    const arrow = await readWithArrow(path)
    expect(arrow.rows).toEqual([])
    expect(arrow.types['ts']).toBe('Timestamp<MICROSECOND>')
    const object = await openFileObject(path)
    try {
      expect(await inspectParquetFile(object, { mode: 'deep' })).toMatchObject({ problems: [], checksums: 'checked', chunksChecked: 0 })
    } finally {
      await object.close()
    }
  })
})

it('the footer schema carries both annotations of every column, though dates and timestamps are encoded without them', async () => {
  const path = await write('SNAPPY', rows, 'footer-schema.parquet')
  const bytes = await readFile(path)
  const { schema: written } = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
  const strip = (element: object) => Object.fromEntries(Object.entries(element).filter(([, value]) => value !== undefined))
  expect(written.map(strip)).toEqual(toParquetSchema(schema))
})
