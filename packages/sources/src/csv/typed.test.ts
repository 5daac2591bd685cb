import { createLineParser, defineSchema, type ColumnType, type DatasetSchema } from '@parquetry/schema'
import { corpusDir } from '@parquetry/testing'
import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { validateRecords } from '../rejects/validate.js'
import { isTypingSource, type RecordSource } from '../types.js'
import type { CsvOptions } from './options.js'
import { readCsv } from './read.js'

// A CSV source types its plain lines itself when validateRecords lets it
// (TypingSource); everything that comes out must be what the records give:
// the same rows in the same order, the same rejects, skips and notices with
// their lines, the same error. Each input is read both ways and compared.

/** The same source without its `typed`: validateRecords reads its records. */
function recordsOnly(source: RecordSource): RecordSource {
  return { [Symbol.asyncIterator]: () => source[Symbol.asyncIterator]() }
}

async function outcome(source: RecordSource, schema: DatasetSchema, options: { derive?: boolean } = {}) {
  const validated = validateRecords({
    source,
    schema,
    keepRejects: 100_000,
    ...(options.derive ? { derive: { derived: (row) => `${String(row[schema.columns[0]?.name as string])}!` } } : {}),
  })
  const rows: unknown[] = []
  let error: string | undefined
  try {
    for await (const batch of validated) rows.push(...batch)
  } catch (caught) {
    error = (caught as Error).message
  }
  return { rows: JSON.parse(JSON.stringify(rows, (_, value) => (typeof value === 'bigint' ? `${value}n` : value))), summary: validated.summary, error }
}

async function expectSame(options: CsvOptions, schema: DatasetSchema, derive = false) {
  const typed = readCsv(options)
  expect(isTypingSource(typed)).toBe(true)
  const expected = await outcome(recordsOnly(readCsv(options)), schema, { derive })
  const got = await outcome(typed, schema, { derive })
  expect(got, options.name ?? String(options.input)).toEqual(expected)
  return got
}

const cycle: ColumnType[] = ['string', 'int64', 'double', 'boolean', 'timestamp', 'int32', 'date']

function schemaOf(names: readonly string[], offset = 0, derive = false): DatasetSchema {
  return defineSchema({
    name: 'x',
    columns: [...names.map((name, index) => ({ name, type: cycle[(index + offset) % cycle.length] as ColumnType })), ...(derive ? [{ name: 'derived', type: 'string' as const }] : [])],
  })
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : name.endsWith('.csv') ? [path] : []
  })
}

describe('CSV typed in place gives what its records give', () => {
  const corpus = corpusDir('csv')
  const paths = files(corpus)

  it('finds the corpus', () => {
    expect(paths.length).toBeGreaterThan(20)
  })

  it.each(paths.map((path) => relative(corpus, path)))('%s (no header: every line a record; as strings, and as typed columns)', async (name) => {
    const input = join(corpus, name)
    const probe = readCsv({ input, header: false })
    try {
      for await (const batch of probe) if (batch.length > 0) break
    } catch {
      // A file the reader refuses: both ways must refuse it alike, which expectSame checks below.
    }
    const width = Math.max(1, probe.info.fields.length)
    const names = Array.from({ length: width }, (_, index) => `column_${index + 1}`)
    await expectSame({ input, header: false }, defineSchema({ name: 'x', columns: names.map((column) => ({ name: column, type: 'string' as const })) }))
    for (const offset of [0, 1, 2]) await expectSame({ input, header: false }, schemaOf(names, offset))
  })

  const header = 'id,ts,amount,flag,name,day'
  const good = (index: number) => `${index},2025-10-28T00:${String(index % 60).padStart(2, '0')}:00Z,${(index * 1.5).toFixed(2)},${index % 2 === 0},name ${index},2025-10-28`
  const lines: string[] = [header]
  for (let index = 1; index <= 6000; index++) {
    if (index === 50) lines.push('x,2025-10-28T00:00:00Z,1,true,bad id,2025-10-28')
    if (index === 60) lines.push('61,2025-13-28T00:00:00Z,1e3,yes, spaced ,2025-10-28')
    if (index === 70) lines.push('\uFEFF' + good(70))
    if (index === 80) lines.push(header)
    if (index === 90) lines.push('1,2,3')
    if (index === 100) lines.push('')
    if (index === 110) lines.push('7,2025-10-28T00:00:00Z,1.5,true,stray\rCR,2025-10-28')
    if (index === 4000) lines.push('8,2025-10-28T00:00:00Z,2.5,false,"quoted, with a comma",2025-10-28')
    if (index === 4001) lines.push('9,2025-10-28T00:00:00Z,2.5,false,"multi\nline",2025-10-28')
    if (index === 5000) lines.push(',,,,,')
    if (index === 5001) lines.push('10,2025-10-28T00:00:00.1234567Z,-0,0,é,2025-02-30')
    lines.push(good(index))
  }
  const schema = defineSchema({
    name: 'x',
    columns: [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'ts', type: 'timestamp' },
      { name: 'amount', type: 'double' },
      { name: 'flag', type: 'boolean' },
      { name: 'name', type: 'string' },
      { name: 'day', type: 'date' },
    ],
  })
  const bytes = (text: string, size: number) => {
    const all = new TextEncoder().encode(text)
    // Iterable again for the second read.
    return {
      *[Symbol.iterator]() {
        for (let at = 0; at < all.length; at += size) yield all.subarray(at, at + size)
      },
    }
  }

  it.each([
    ['LF', '\n', 1 << 16],
    ['CRLF', '\r\n', 1 << 16],
    ['CR', '\r', 1 << 16],
    ['LF in 7-byte chunks', '\n', 7],
    ['CRLF in 1000-byte chunks', '\r\n', 1000],
  ])('a file of good rows, bad values, a BOM, the header again, short rows, blank lines, a stray CR and quoted fields (%s)', async (_, eol, size) => {
    const text = lines.join(eol) + eol
    const got = await expectSame({ input: bytes(text, size), name: 'edge.csv' }, schema)
    expect(got.summary.accepted).toBeGreaterThan(5990)
    expect(got.summary.rejected).toBeGreaterThanOrEqual(4)
    // Most lines were typed in place, not made records first (not those of a chunk holding a quote).
    let typedRows = 0
    for await (const batches of readCsv({ input: bytes(text, size), name: 'edge.csv' }).typed((keys) => createLineParser(schema, keys))) {
      for (const batch of batches) typedRows += batch.rows.length
    }
    expect(typedRows).toBeGreaterThan(4500)
    for (const skipRows of [1, 3]) await expectSame({ input: bytes(text, size), name: 'edge.csv', skipRows }, schema)
  })

  it('derived columns, other delimiters, a header in another order or lacking columns, duplicate header names', async () => {
    const text = lines.join('\n')
    await expectSame({ input: bytes(text, 1 << 16), name: 'd.csv' }, defineSchema({ name: 'x', columns: [...schema.columns.map(({ name, type, nullable }) => ({ name, type, nullable })), { name: 'derived', type: 'string' as const }] }), true)
    for (const delimiter of [';', '\t', '|']) {
      const other = lines.map((line) => line.replaceAll(',', delimiter)).join('\n')
      await expectSame({ input: bytes(other, 1 << 16), name: 'o.csv' }, schema)
      await expectSame({ input: bytes(other, 1 << 16), name: 'o.csv', delimiter }, schema)
    }
    const reordered = lines.map((line) => line.split(',').reverse().join(',')).join('\n')
    await expectSame({ input: bytes(reordered, 1 << 16), name: 'r.csv' }, schema)
    const lacking = ['name,amount,id', ...Array.from({ length: 3000 }, (_, index) => `n${index},${index}.5,${index}`)].join('\n')
    await expectSame({ input: bytes(lacking, 1 << 16), name: 'l.csv' }, schema)
    const duplicated = ['id,amount,id,other', ...Array.from({ length: 3000 }, (_, index) => `${index},${index}.5,${index + 1},zz`)].join('\n')
    await expectSame({ input: bytes(duplicated, 1 << 16), name: 'dup.csv' }, schema)
    const required = ['name,amount', ...Array.from({ length: 3000 }, (_, index) => `n${index},${index}.5`)].join('\n')
    const refused = await expectSame({ input: bytes(required, 1 << 16), name: 'q.csv' }, schema)
    expect(refused.summary.rejected).toBe(3000)
  })
})
