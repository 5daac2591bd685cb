import { duckDbQuery, readParquetRows, useTempDir } from '@parquetry/testing'
import { parquetMetadata, snappyUncompress, type ColumnChunk, type SchemaElement } from 'hyparquet'
import { hashParquetValue, readBloomFilter, sbbfInsert } from 'hyparquet/src/bloom.js'
import { ByteWriter, ParquetWriter, type ColumnSource } from 'hyparquet-writer'
import { BloomBuilder, optimalNumBytes } from 'hyparquet-writer/src/bloom.js'
import { snappyCompress } from 'hyparquet-writer/src/snappy.js'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readWithArrow } from '../test/arrow.js'

// The changes in patches/hyparquet-writer@0.17.0.patch (see patches/README.md): pages
// as views instead of copies, strings encoded straight into PLAIN pages,
// typed int64 arrays not re-validated, definition levels in a Uint8Array;
// no min/max for float chunks holding NaN; Thrift lists of structs typed
// even when empty (0-row files); INTEGER bit widths written as i8; and the
// fast paths (bloom filter hashing, statistics, dictionaries, delta packing,
// page boundaries, PLAIN pages, bit packing, snappy), each checked to write
// the bytes of the generic path and against an independent reading.
// Each is exercised here and read back by two or three readers.
const dir = useTempDir()

const strings = Array.from({ length: 3000 }, (_, index) => (index % 7 === 0 ? null : `${index}-日本語-é-🙂-${'x'.repeat(index % 40)}`))
const ids = BigInt64Array.from({ length: 3000 }, (_, index) => BigInt(index) * 9007199254740993n - 5n)
const optionalDoubles = Array.from({ length: 3000 }, (_, index) => (index % 5 === 0 ? null : index / 4))

async function write(name: string, encoding?: 'DELTA_LENGTH_BYTE_ARRAY'): Promise<string> {
  const writer = new ByteWriter()
  const parquet = new ParquetWriter({
    writer,
    schema: [
      { name: 'root', num_children: 3 },
      { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
      { name: 'ratio', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    ],
  })
  // Small pages: every column spans several, so pages are views of the row group's values.
  parquet.write({
    columnData: [
      { name: 'text', data: strings, ...(encoding ? { encoding } : {}) },
      { name: 'id', data: ids },
      { name: 'ratio', data: optionalDoubles },
    ],
    rowGroupSize: 3000,
    pageSize: 4096,
  })
  parquet.finish()
  const path = join(dir.path, name)
  await writeFile(path, writer.getBytes())
  return path
}

describe('the hyparquet-writer patch', () => {
  it.each([['plain.parquet', undefined], ['delta.parquet', 'DELTA_LENGTH_BYTE_ARRAY' as const]])('%s reads back value for value', async (name, encoding) => {
    const path = await write(name, encoding)
    const rows = await readParquetRows(path)
    expect(rows.map((row) => row['text'])).toEqual(strings)
    expect(rows.map((row) => row['id'])).toEqual(Array.from(ids))
    expect(rows.map((row) => row['ratio'])).toEqual(optionalDoubles)
    const [summary] = await duckDbQuery('SELECT count(*) AS n, count(text) AS texts, sum(length(text)) AS chars, min(id)::VARCHAR AS lo, max(id)::VARCHAR AS hi, count(ratio) AS ratios FROM read_parquet($1)', [path])
    expect(summary).toEqual({
      n: 3000n,
      texts: BigInt(strings.filter((text) => text !== null).length),
      chars: BigInt(strings.reduce((sum, text) => sum + (text === null ? 0 : [...text].length), 0)),
      lo: String(ids.reduce((low, id) => (id < low ? id : low))),
      hi: String(ids.reduce((high, id) => (id > high ? id : high))),
      ratios: BigInt(optionalDoubles.filter((value) => value !== null).length),
    })
  })
})

// Raw hyparquet-writer output: the patch's own changes, independent of Parquetry's writer.
function writeBytes(schema: SchemaElement[], columnData?: ColumnSource[], options: { rowGroupSize?: number; pageSize?: number; kvMetadata?: { key: string; value: string }[] } = {}): Uint8Array {
  const writer = new ByteWriter()
  const parquet = new ParquetWriter({ writer, schema, ...(options.kvMetadata ? { kvMetadata: options.kvMetadata } : {}) })
  if (columnData) parquet.write({ columnData, rowGroupSize: options.rowGroupSize ?? 1000, ...(options.pageSize ? { pageSize: options.pageSize } : {}) })
  parquet.finish()
  return writer.getBytes()
}

const asBuffer = (bytes: Uint8Array): ArrayBuffer => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer

describe('the hyparquet-writer patch: statistics of float columns holding NaN', () => {
  it('a column chunk or page holding NaN gets no min/max, others keep theirs; DuckDB then counts the NaN', async () => {
    const values = Float64Array.from({ length: 3000 }, (_, index) => (index % 1000) / 2)
    values[10] = Number.NaN // row group 0
    values[2500] = 2000 // row group 2
    const bytes = writeBytes(
      [{ name: 'root', num_children: 1 }, { name: 'x', type: 'DOUBLE', repetition_type: 'REQUIRED' }],
      [{ name: 'x', data: values, columnIndex: true }],
      { rowGroupSize: 1000, pageSize: 2048 },
    )
    const metadata = parquetMetadata(asBuffer(bytes))
    // The fields present in each chunk's footer statistics (hyparquet does not read nan_count).
    const statistics = metadata.row_groups.map((group) => Object.fromEntries(Object.entries(group.columns[0]?.meta_data?.statistics ?? {}).filter(([, value]) => value !== undefined)))
    expect(statistics[0]).toEqual({ null_count: 0n })
    expect(statistics[1]).toEqual({ min_value: -0, max_value: 499.5, null_count: 0n })
    expect(statistics[2]).toEqual({ min_value: -0, max_value: 2000, null_count: 0n })
    // Pages of 2 KB: a page holding the NaN has no bounds either, so its chunk has no page index.
    expect(metadata.row_groups.map((group) => group.columns[0]?.column_index_offset !== undefined)).toEqual([false, true, true])
    const path = join(dir.path, 'nan.parquet')
    await writeFile(path, bytes)
    // DuckDB orders NaN above every number: the NaN row and the 2000 are both > 1000.
    expect(await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1) WHERE x > 1000', [path])).toEqual([{ n: 2n }])
    expect(await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1) WHERE isnan(x)', [path])).toEqual([{ n: 1n }])
  })
})

describe('the hyparquet-writer patch: typed Thrift lists and i8 fields', () => {
  it('a 0-row file (an empty list of row groups) and an empty key-value list read in arrow-rs, DuckDB and hyparquet', async () => {
    const bytes = writeBytes([{ name: 'root', num_children: 1 }, { name: 'x', type: 'INT64', repetition_type: 'OPTIONAL' }], undefined, { kvMetadata: [] })
    expect(await readWithArrow(bytes)).toEqual({ types: { x: 'Int64' }, rows: [] })
    const path = join(dir.path, 'empty.parquet')
    await writeFile(path, bytes)
    expect(await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1)', [path])).toEqual([{ n: 0n }])
    expect(parquetMetadata(asBuffer(bytes))).toMatchObject({ num_rows: 0n, row_groups: [], key_value_metadata: [] })
  })

  it('an INTEGER logical type keeps its bit width (a Thrift i8) in every reader', async () => {
    const bytes = writeBytes(
      [
        { name: 'root', num_children: 2 },
        { name: 'small', type: 'INT32', converted_type: 'INT_16', logical_type: { type: 'INTEGER', bitWidth: 16, isSigned: true }, repetition_type: 'OPTIONAL' },
        { name: 'tiny', type: 'INT32', converted_type: 'UINT_8', logical_type: { type: 'INTEGER', bitWidth: 8, isSigned: false }, repetition_type: 'REQUIRED' },
      ],
      [{ name: 'small', data: [-32768, null, 32767] }, { name: 'tiny', data: [0, 7, 255] }],
    )
    expect(await readWithArrow(bytes)).toEqual({
      types: { small: 'Int16', tiny: 'Uint8' },
      rows: [{ small: -32768, tiny: 0 }, { small: null, tiny: 7 }, { small: 32767, tiny: 255 }],
    })
    expect(parquetMetadata(asBuffer(bytes)).schema.slice(1).map((element) => element.logical_type)).toEqual([
      { type: 'INTEGER', bitWidth: 16, isSigned: true },
      { type: 'INTEGER', bitWidth: 8, isSigned: false },
    ])
    const path = join(dir.path, 'integers.parquet')
    await writeFile(path, bytes)
    expect(await duckDbQuery('SELECT any_value(typeof(small)) AS s, any_value(typeof(tiny)) AS t, sum(small) AS total, max(tiny) AS top FROM read_parquet($1)', [path])).toEqual([
      { s: 'SMALLINT', t: 'UTINYINT', total: -1n, top: 255 },
    ])
  })
})

describe('the published build', () => {
  it('bundles the patched hyparquet-writer: no dependency on the unpatched release, and its files read everywhere', async () => {
    // pnpm applies the patch in this workspace only; installed from npm, @parquetry/writer would get the plain release.
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> }
    expect(Object.keys(manifest.dependencies)).not.toContain('hyparquet-writer')
    const built = (await import(new URL('../dist/index.js', import.meta.url).href)) as typeof import('./index.js')
    const { defineSchema } = await import('@parquetry/schema')
    const { createLocalStorage } = await import('@parquetry/storage')
    const schema = defineSchema({ name: 'bundled', columns: [{ name: 'small', type: 'int16' }, { name: 'n', type: 'int32' }, { name: 'x', type: 'double' }] })
    const storage = createLocalStorage({ root: dir.path })
    for (const [name, rows] of [['bundled-empty.parquet', []], ['bundled.parquet', [{ small: -2, n: 7, x: Number.NaN }]]] as const) {
      const result = await built.writeParquet({ schema, rows, sink: await storage.createSink(name) })
      const path = storage.resolvePath(result.path)
      expect(await readWithArrow(path)).toEqual({ types: { small: 'Int16', n: 'Int32', x: 'Float64' }, rows: rows.map((row) => ({ ...row })) })
      expect(await duckDbQuery('SELECT count(*) AS n, count(x) AS xs FROM read_parquet($1)', [path])).toEqual([{ n: BigInt(rows.length), xs: BigInt(rows.length) }])
    }
  })
})

// ---------------------------------------------------------------------------
// Fast paths: a typed array takes them, the same values in a plain array take
// the generic loops (or other fast paths), and the bytes must not differ; the
// values, statistics and bloom filters are checked against readers and
// against hyparquet's own hashing, independently of the writer.

type Element = SchemaElement
const required = (name: string, type: Element['type'], extra: Partial<Element> = {}): Element => ({ name, type, repetition_type: 'REQUIRED', ...extra })
const optional = (name: string, type: Element['type'], extra: Partial<Element> = {}): Element => ({ name, type, repetition_type: 'OPTIONAL', ...extra })
const utf8 = { converted_type: 'UTF8', logical_type: { type: 'STRING' } } as const
const int64 = { converted_type: 'INT_64', logical_type: { type: 'INTEGER', bitWidth: 64, isSigned: true } } as const
const int32 = { converted_type: 'INT_32', logical_type: { type: 'INTEGER', bitWidth: 32, isSigned: true } } as const

/** One column written alone: several pages (column index, offset index) and a bloom filter. */
function writeColumnFile(element: Element, data: ColumnSource['data'], options: { encoding?: ColumnSource['encoding']; pageSize?: number; rowGroupSize?: number; bloomFilter?: boolean } = {}): Uint8Array {
  return writeBytes([{ name: 'root', num_children: 1 }, element], [{
    name: element.name,
    data,
    columnIndex: true,
    bloomFilter: options.bloomFilter ?? true,
    ...(options.encoding ? { encoding: options.encoding } : {}),
  }], { rowGroupSize: options.rowGroupSize ?? 5000, pageSize: options.pageSize ?? 2048 })
}

/** Writes the values as given and as a plain array: the bytes must be equal. Returns them. */
function expectSameBytes(element: Element, typed: ColumnSource['data'], options: Parameters<typeof writeColumnFile>[2] = {}): Uint8Array {
  const bytes = writeColumnFile(element, typed, options)
  const plain = writeColumnFile(element, Array.from(typed as ArrayLike<unknown>), options)
  expect(Buffer.from(bytes).equals(Buffer.from(plain)), `${element.name}: typed and plain arrays write the same bytes`).toBe(true)
  return bytes
}

function chunks(bytes: Uint8Array): ColumnChunk[] {
  return parquetMetadata(asBuffer(bytes)).row_groups.map((group) => group.columns[0] as ColumnChunk)
}

/** The bloom filter hyparquet's hashParquetValue makes of values: one per row group. */
function expectedBloom(values: ArrayLike<unknown>, element: Element): Uint32Array {
  const hashes = new Set<bigint>()
  for (let index = 0; index < values.length; index++) {
    const value = values[index]
    if (value === null || value === undefined) continue
    hashes.add(hashParquetValue(value, element) as bigint)
  }
  const blocks = new Uint32Array(optimalNumBytes(hashes.size, 0.01) / 4)
  for (const hash of hashes) sbbfInsert(blocks, hash)
  return blocks
}

function expectBloomFilters(bytes: Uint8Array, values: ArrayLike<unknown>, element: Element, rowGroupSize: number): void {
  const buffer = asBuffer(bytes)
  chunks(bytes).forEach((chunk, group) => {
    const meta = chunk.meta_data
    const reader = { view: new DataView(buffer, Number(meta?.bloom_filter_offset), meta?.bloom_filter_length), offset: 0 }
    const filter = readBloomFilter(reader)
    const groupValues = Array.from(values).slice(group * rowGroupSize, (group + 1) * rowGroupSize)
    expect(filter?.blocks, `${element.name}: bloom filter of row group ${group}`).toEqual(expectedBloom(groupValues, element))
  })
}

const sameNumber = (a: unknown, b: unknown): boolean => (typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b)) || a === b

async function expectReadBack(name: string, bytes: Uint8Array, column: string, values: ArrayLike<unknown>): Promise<void> {
  const path = join(dir.path, name)
  await writeFile(path, bytes)
  const rows = await readParquetRows(path)
  const read = rows.map((row) => row[column])
  const expected = Array.from(values)
  expect(read.length).toBe(expected.length)
  const wrong = read.findIndex((value, index) => !sameNumber(value, expected[index]))
  expect(wrong, `${name}: first value read back differently`).toBe(-1)
  const [counted] = await duckDbQuery(`SELECT count(*) AS n, count("${column}") AS present FROM read_parquet($1)`, [path])
  expect(counted).toEqual({ n: BigInt(expected.length), present: BigInt(expected.filter((value) => value !== null && value !== undefined).length) })
}

let seed = 0x2545f491
function random(): number {
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  return (seed >>> 0) / 4294967296
}

describe('the hyparquet-writer patch: fast paths write the bytes of the generic ones', () => {
  const n = 12_000

  it('doubles: NaN, -0 and +0, infinities, few and many distinct values', async () => {
    const cases: [string, Float64Array][] = [
      ['spread', Float64Array.from({ length: n }, (_, index) => ((index * 7919) % 1000) / 10 + 0.3)],
      ['few', Float64Array.from({ length: n }, (_, index) => [0.5, -0, 0, 2.25, -Infinity][index % 5] as number)],
      ['nan', Float64Array.from({ length: n }, (_, index) => (index % 977 === 5 ? Number.NaN : index % 3 === 0 ? -0 : (random() - 0.5) * 1e6))],
      ['zeros', Float64Array.from({ length: n }, (_, index) => (index % 2 ? -0 : 0))],
      ['extremes', Float64Array.from({ length: n }, (_, index) => [Infinity, -Infinity, Number.MAX_VALUE, -Number.MIN_VALUE, 1][index % 5] as number)],
    ]
    for (const [name, values] of cases) {
      for (const element of [required(`d_${name}`, 'DOUBLE'), optional(`d_${name}`, 'DOUBLE')]) {
        const bytes = expectSameBytes(element, values)
        expectBloomFilters(bytes, values, element, 5000)
        // a NaN payload is written as DataView writes it, as the generic path does
        const payload = Float64Array.from(values)
        new BigUint64Array(payload.buffer)[7] = 0x7ff8000000000123n
        expectSameBytes(element, payload)
      }
      await expectReadBack(`doubles-${name}.parquet`, writeColumnFile(required('x', 'DOUBLE'), values), 'x', values)
    }
  }, 30_000)

  const int32s: [string, Int32Array][] = [
    ['few', Int32Array.from({ length: n }, (_, index) => [200, 404, 301, 0][index % 4] as number)],
    ['many', Int32Array.from({ length: n }, () => (random() * 2 ** 32) | 0)],
    ['sorted', Int32Array.from({ length: n }, (_, index) => index * 3 - 5000)],
  ]
  it.each(int32s)('int32 (%s): dictionaries, plain pages and delta packing', async (name, values) => {
    for (const encoding of [undefined, 'DELTA_BINARY_PACKED', 'PLAIN'] as const) {
      const element = required(`i_${name}`, 'INT32', int32)
      const bytes = expectSameBytes(element, values, { encoding })
      expectBloomFilters(bytes, values, element, 5000)
    }
    await expectReadBack(`int32-${name}.parquet`, writeColumnFile(required('x', 'INT32', int32), values), 'x', values)
  }, 30_000)

  const big = 2n ** 53n
  const int64s: [string, BigInt64Array][] = [
    ['timestamps', BigInt64Array.from({ length: n }, (_, index) => 1761609600000000n + BigInt(index) * 17_000n + BigInt(index % 7))],
    ['few', BigInt64Array.from({ length: n }, (_, index) => BigInt((index * 7919) % 50))],
    // deltas of up to 30 and of up to 52 bits, packed from numbers
    ['wide30', BigInt64Array.from({ length: n }, () => BigInt(Math.floor(random() * 2 ** 30)) - 2n ** 29n)],
    ['wide51', BigInt64Array.from({ length: n }, () => BigInt(Math.floor(random() * 2 ** 51)) - 2n ** 50n)],
    // from here on, bigint packing: a range of 2^52 or more, or values past 2^53
    ['range52', BigInt64Array.from({ length: n }, (_, index) => (index % 2 ? 2n ** 51n : -(2n ** 51n)) + BigInt(index))],
    ['edge53', BigInt64Array.from({ length: n }, (_, index) => (index % 2 ? big : -big) - BigInt(Math.sign(index % 2 - 0.5) * (index % 3)))],
    ['beyond53', BigInt64Array.from({ length: n }, (_, index) => big + BigInt(index * 1000))],
    ['few-beyond53', BigInt64Array.from({ length: n }, (_, index) => [2n ** 60n, -(2n ** 62n), 5n][index % 3] as bigint)],
    ['extremes', BigInt64Array.from({ length: n }, (_, index) => [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n][index % 4] as bigint)],
    ['random', BigInt64Array.from({ length: n }, () => BigInt.asIntN(64, (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32))))],
  ]
  it.each(int64s)('int64 (%s): dictionaries, plain pages and delta packing, within and beyond +-2^53', async (name, values) => {
    for (const encoding of [undefined, 'DELTA_BINARY_PACKED', 'PLAIN'] as const) {
      for (const element of [required(`l_${name}`, 'INT64', int64), optional(`l_${name}`, 'INT64', int64)]) {
        const bytes = expectSameBytes(element, values, { encoding })
        expectBloomFilters(bytes, values, element, 5000)
      }
    }
    const bytes = writeColumnFile(required('x', 'INT64', int64), values, { encoding: 'DELTA_BINARY_PACKED' })
    await expectReadBack(`int64-${name}.parquet`, bytes, 'x', values)
    const path = join(dir.path, `int64-${name}.parquet`)
    const sorted = Array.from(values).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    expect(await duckDbQuery('SELECT min(x)::VARCHAR AS lo, max(x)::VARCHAR AS hi FROM read_parquet($1)', [path])).toEqual([{ lo: String(sorted[0]), hi: String(sorted.at(-1)) }])
    // the chunk statistics hold the same bounds
    expect(chunks(bytes).map((chunk) => [chunk.meta_data?.statistics?.min_value, chunk.meta_data?.statistics?.max_value])).toEqual(
      [0, 1, 2].map((group) => {
        const part = Array.from(values.subarray(group * 5000, (group + 1) * 5000)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        return [part[0], part.at(-1)]
      }),
    )
  }, 30_000)

  it('int64 deltas as numbers (a plain array of integers past int32) and with nulls', async () => {
    const numbers = Array.from({ length: n }, (_, index) => 2 ** 40 + index * 1000 - (index % 7) * 3)
    const bigints = BigInt64Array.from(numbers, (value) => BigInt(value))
    const asNumbers = writeColumnFile(required('x', 'INT64', int64), numbers, { encoding: 'DELTA_BINARY_PACKED', bloomFilter: false })
    expect(Buffer.from(asNumbers).equals(Buffer.from(writeColumnFile(required('x', 'INT64', int64), bigints, { encoding: 'DELTA_BINARY_PACKED', bloomFilter: false })))).toBe(true)
    await expectReadBack('int64-numbers.parquet', asNumbers, 'x', bigints)
    const withNulls = Array.from(bigints, (value, index) => (index % 9 === 0 ? null : value))
    await expectReadBack('int64-nulls.parquet', writeColumnFile(optional('x', 'INT64', int64), withNulls, { encoding: 'DELTA_BINARY_PACKED' }), 'x', withNulls)
  })

  it('strings: min and max in UTF-8 byte order with surrogate pairs, U+E000..U+FFFF and lone surrogates; dictionaries with nulls', async () => {
    const specials = ['', 'a', 'z', 'é', '日本語', '\u{1F642}', '\u{10FFFF}', '\uE000', '\uFFFF', '\uFFFD', 'abc\u{1F642}', 'abc\uE000', 'abc\uFFFF', 'abc\uD7FF', 'SELECT']
    const lone = ['\uD800', 'a\uDBFF', '\uDC00z']
    const bytesOf = (text: string): Buffer => Buffer.from(new TextEncoder().encode(text))
    const utf8Bounds = (values: (string | null)[]): [string, string] => {
      const present = values.filter((value): value is string => value !== null).sort((a, b) => Buffer.compare(bytesOf(a), bytesOf(b)))
      return [present[0] as string, present.at(-1) as string]
    }
    const cases: [string, (string | null)[]][] = [
      ['specials', Array.from({ length: n }, (_, index) => specials[(index * 7) % specials.length] as string)],
      ['pairs-vs-bmp', Array.from({ length: n }, (_, index) => ['\uE000', '\u{10000}', '\uFFFF', 'x\u{1F642}', 'x\uFFFF'][index % 5] as string)],
      ['with-nulls', Array.from({ length: n }, (_, index) => (index % 3 === 0 ? null : specials[index % specials.length] as string))],
      // (bounds up to 16 bytes are written whole)
      ['paths', Array.from({ length: n }, (_, index) => `/en/p-${(index * 2654435761) % 3000}.h`)],
      ['unique', Array.from({ length: n }, (_, index) => `${index}-${'x'.repeat(index % 5)}\u{1F642}`)],
    ]
    for (const [name, values] of cases) {
      const element = (values.includes(null) ? optional : required)(`s_${name}`, 'BYTE_ARRAY', utf8)
      const bytes = writeColumnFile(element, values)
      expectBloomFilters(bytes, values, element, 5000)
      chunks(bytes).forEach((chunk, group) => {
        const [min, max] = utf8Bounds(values.slice(group * 5000, (group + 1) * 5000))
        const statistics = chunk.meta_data?.statistics
        expect([statistics?.min_value, statistics?.max_value], `${name}, row group ${group}`).toEqual([min, max])
      })
      await expectReadBack(`strings-${name}.parquet`, bytes, element.name, values)
    }
    // Lone surrogates are written (and compared) as U+FFFD, as TextEncoder writes them.
    const withLone = Array.from({ length: 300 }, (_, index) => [...lone, ...specials][index % (lone.length + specials.length)] as string)
    const bytes = writeColumnFile(required('s', 'BYTE_ARRAY', utf8), withLone, { rowGroupSize: 300 })
    const statistics = chunks(bytes)[0]?.meta_data?.statistics
    expect([statistics?.min_value, statistics?.max_value]).toEqual(utf8Bounds(withLone).map((text) => new TextDecoder().decode(bytesOf(text))))
  }, 30_000)

  it('booleans and byte arrays: the bit-packed levels and values read back', async () => {
    const booleans = Array.from({ length: n }, (_, index) => (index % 11 === 0 ? null : ((index >> 3) & 1) === 1 || index % 5 === 0))
    await expectReadBack('booleans.parquet', writeColumnFile(optional('b', 'BOOLEAN'), booleans, { bloomFilter: false }), 'b', booleans)
    const blobs = Array.from({ length: n }, (_, index) => (index % 13 === 0 ? null : new TextEncoder().encode(`{"k":${index % 40}}`)))
    const element = optional('j', 'BYTE_ARRAY')
    const bytes = writeColumnFile(element, blobs)
    expectBloomFilters(bytes, blobs, element, 5000)
    const path = join(dir.path, 'blobs.parquet')
    await writeFile(path, bytes)
    const read = (await readParquetRows(path)).map((row) => row['j'])
    expect(read.map((value) => (value instanceof Uint8Array ? new TextDecoder().decode(value) : value))).toEqual(blobs.map((value) => (value ? new TextDecoder().decode(value) : null)))
  })

  it('a BloomBuilder fed value by value makes the filter of hyparquet\'s hashParquetValue', () => {
    const elements: Element[] = [
      required('b', 'BOOLEAN'), required('f', 'FLOAT'), required('d', 'DOUBLE'), required('i', 'INT32'), required('l', 'INT64'),
      required('s', 'BYTE_ARRAY', utf8), required('x', 'FIXED_LEN_BYTE_ARRAY', { type_length: 3 }),
    ]
    const values: unknown[] = [true, false, 1.5, -0, 0, Number.NaN, Infinity, 2 ** 40, -(2 ** 53) + 1, 7, -1, 3n, -(2n ** 63n), 2n ** 63n - 1n,
      '', 'a', '日本語', '\u{1F642}', '\uD800', 'x'.repeat(70), new Uint8Array([1, 2, 3]), new Uint8Array(40).fill(9)]
    for (const element of elements) {
      const hashable = values.filter((value) => hashParquetValue(value, element) !== undefined)
      const builder = new BloomBuilder(element)
      for (const value of [...hashable, ...hashable, null]) builder.insert(value)
      expect(builder.finalize(), element.name).toEqual(expectedBloom(hashable, element))
      // one value it cannot hash, and the filter is dropped (it would have false negatives)
      const unhashable = values.find((value) => hashParquetValue(value, element) === undefined)
      builder.insert(unhashable)
      expect(builder.finalize(), element.name).toBeUndefined()
    }
  })

  it('strings and byte arrays of every length from 0 to 300 hash as hyparquet hashes them (xxhash64 in WebAssembly)', () => {
    const element = required('s', 'BYTE_ARRAY', utf8)
    const bytes = required('x', 'BYTE_ARRAY')
    let seed = 12345
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0)
    const alphabet = ['a', 'Z', '0', '/', 'é', '日', '\u{1F642}', '\uD800', '~']
    const strings: string[] = []
    const arrays: Uint8Array[] = []
    for (let length = 0; length <= 300; length++) {
      strings.push(Array.from({ length }, () => (next() % 5 === 0 ? (alphabet[next() % alphabet.length] as string) : String.fromCharCode(32 + (next() % 95)))).join(''))
      arrays.push(Uint8Array.from({ length }, () => next() & 0xff))
    }
    // A long value after short ones grows the memory it is hashed in.
    strings.push('p'.repeat(100_000))
    arrays.push(new Uint8Array(200_000).fill(7))
    const stringBuilder = new BloomBuilder(element)
    for (const value of strings) stringBuilder.insert(value)
    expect(stringBuilder.finalize()).toEqual(expectedBloom(strings, element))
    const arrayBuilder = new BloomBuilder(bytes)
    for (const value of arrays) arrayBuilder.insert(value)
    expect(arrayBuilder.finalize()).toEqual(expectedBloom(arrays, bytes))
  })

  /** The builder's internals these tests look at (not in hyparquet-writer's published types). */
  type BuilderInternals = { insertAll(values: ArrayLike<unknown>): void; seen: Set<unknown> | null | undefined; finalize(): Uint32Array | undefined }
  const internals = (builder: BloomBuilder) => builder as unknown as BuilderInternals

  it('a BloomBuilder that stops looking values up (mostly new ones) and hashes ASCII by hand makes the same filter', () => {
    const element = required('s', 'BYTE_ARRAY', utf8)
    const bytes = required('x', 'BYTE_ARRAY')
    // 10,000 new values (the lookups stop after 4,096), ASCII and not, then repeats of them.
    const fresh = Array.from({ length: 10_000 }, (_, index) => (index % 7 === 0 ? `é${index}\uD800` : index % 5 === 0 ? `${index}\u{1F642}` : `q${index.toString(16).padStart(15, '0')}`))
    const strings = [...fresh, ...fresh.slice(0, 3000), '', 'z'.repeat(200)]
    const builder = internals(new BloomBuilder(element))
    builder.insertAll(strings)
    expect(builder.seen).toBeNull()
    expect(builder.finalize()).toEqual(expectedBloom(strings, element))
    // A column of repeats keeps looking them up, and hashes each once.
    const repeated = Array.from({ length: 20_000 }, (_, index) => `t${index % 50}`)
    const kept = internals(new BloomBuilder(element))
    kept.insertAll(repeated)
    expect(kept.seen?.size).toBe(50)
    expect(kept.finalize()).toEqual(expectedBloom(repeated, element))
    // Byte arrays alike.
    const arrays = Array.from({ length: 6000 }, (_, index) => new TextEncoder().encode(`b${index}`))
    const arrayBuilder = internals(new BloomBuilder(bytes))
    arrayBuilder.insertAll([...arrays, ...arrays.slice(0, 10)])
    expect(arrayBuilder.seen).toBeNull()
    expect(arrayBuilder.finalize()).toEqual(expectedBloom(arrays, bytes))
  })

  it('snappy: every output decompresses to its input, results stay intact across calls, and inputs of any size work', () => {
    const inputs = [
      new Uint8Array(0), new Uint8Array([7]), new Uint8Array(15).fill(3), new Uint8Array(16).fill(3),
      Uint8Array.from({ length: 70_000 }, () => Math.floor(random() * 256)), // incompressible
      Uint8Array.from({ length: 200_000 }, (_, index) => (index >> 9) & 1 ? Math.floor(random() * 256) : 65 + (index % 13)), // literals and long copies
      new Uint8Array(1 << 20), // one long run
      Uint8Array.from({ length: 17 << 20 }, (_, index) => (index * 31) >> 8), // above the kept output buffer
    ]
    const outputs = inputs.map((input) => snappyCompress(input))
    inputs.forEach((input, index) => {
      const output = outputs[index] as Uint8Array
      const decompressed = new Uint8Array(input.length)
      snappyUncompress(output, decompressed)
      expect(Buffer.from(decompressed).equals(Buffer.from(input)), `input ${index} (${input.length} bytes)`).toBe(true)
    })
  }, 30_000)
})
