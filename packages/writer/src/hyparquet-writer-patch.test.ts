import { duckDbQuery, readParquetRows, useTempDir } from '@parquetry/testing'
import { parquetMetadata, type SchemaElement } from 'hyparquet'
import { ByteWriter, ParquetWriter, type ColumnSource } from 'hyparquet-writer'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readWithArrow } from '../test/arrow.js'

// The changes in patches/hyparquet-writer@0.17.0.patch (see patches/README.md): pages
// as views instead of copies, strings encoded straight into PLAIN pages,
// typed int64 arrays not re-validated, definition levels in a Uint8Array;
// no min/max for float chunks holding NaN; Thrift lists of structs typed
// even when empty (0-row files); INTEGER bit widths written as i8.
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
