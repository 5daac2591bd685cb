import { duckDbQuery, readParquetRows, useTempDir } from '@parquetry/testing'
import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// The changes in patches/hyparquet-writer@0.17.0.patch (see patches/README.md): pages
// as views instead of copies, strings encoded straight into PLAIN pages,
// typed int64 arrays not re-validated, definition levels in a Uint8Array.
// Each is exercised here across several pages and read back by two readers.
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
