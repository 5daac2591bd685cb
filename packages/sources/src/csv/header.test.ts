import { dateOfTimestamp, queryPerfSchema, type Row } from '@parquetry/schema'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readJsonl } from '../jsonl/read.js'
import { validateRecords } from '../rejects/validate.js'
import { collect, failure } from '../test-helpers.js'
import type { SourceItem } from '../types.js'
import { readCsv } from './read.js'
import { mapHeader } from './header.js'
import { renameKeys } from '../json/values.js'

// 20 rows of the sample month's query_perf file (header: ... index_used,cpu_time_ms,io_wait_ms).
const original = readFileSync(new URL('../../fixtures/query_perf_daily_20251013.csv', import.meta.url), 'utf8')
const name = 'query_perf_daily_20251013.csv'
const columns = queryPerfSchema.columns.map((column) => column.name)
const derive = { date_partition: (row: Row) => dateOfTimestamp(row['timestamp'] as bigint) }
const withHeader = (header: (line: string) => string) => {
  const [first, ...rest] = original.split('\n')
  return Buffer.from([header(first as string), ...rest].join('\n'))
}
const misspelt = withHeader((header) => header.replace('cpu_time_ms', 'cpu_tme_ms'))

async function rowsOf(validated: ReturnType<typeof validateRecords>): Promise<Row[]> {
  const rows: Row[] = []
  for await (const batch of validated) rows.push(...batch)
  return rows
}

/** Items a source yields before it fails (the failure itself is returned too). */
async function untilFailure(source: AsyncIterable<SourceItem[]>): Promise<{ items: SourceItem[]; error: { code?: string; message: string } }> {
  const items: SourceItem[] = []
  try {
    for await (const batch of source) items.push(...batch)
  } catch (error) {
    return { items, error: error as { code?: string; message: string } }
  }
  throw new Error('expected a failure')
}

describe('a header column the schema does not have (issue 9: cpu_tme_ms for cpu_time_ms)', () => {
  it('is a notice naming it, and the column it was meant for is a notice too, both at line 1', async () => {
    const source = readCsv({ input: [misspelt], name, columns })
    const items = await collect(source)
    expect(items.filter((item) => item.kind === 'notice')).toEqual([
      { kind: 'notice', code: 'unknown-column', reason: 'field cpu_tme_ms matches no column; its values are not exported', location: { source: name, line: 1 }, columns: ['cpu_tme_ms'] },
      {
        kind: 'notice', code: 'missing-column', reason: 'columns cpu_time_ms, date_partition are not in the input; they are NULL in every row',
        location: { source: name, line: 1 }, columns: ['cpu_time_ms', 'date_partition'],
      },
    ])
    // Notices come before any record, and no record is lost to them.
    expect(items.map((item) => item.kind)).toEqual(['notice', 'notice', ...Array.from({ length: 20 }, () => 'record')])
    expect(source.info).toMatchObject({ unknownColumns: ['cpu_tme_ms'], missingColumns: ['cpu_time_ms', 'date_partition'], records: 20 })
  })

  it('reaches summary.notices through validateRecords (derived columns left out), counted apart from rows and rejects', async () => {
    const validated = validateRecords({ source: readCsv({ input: [misspelt], name, columns }), schema: queryPerfSchema, derive })
    const rows = await rowsOf(validated)
    expect(rows).toHaveLength(20)
    expect(rows[0]).toMatchObject({ query_hash: 'cc623a', execution_time_ms: 10.2, cpu_time_ms: null, io_wait_ms: 1.3, date_partition: '2025-10-13' })
    expect(validated.summary).toMatchObject({ read: 20, accepted: 20, rejected: 0, noticed: 2 })
    expect(validated.summary.notices).toEqual([
      { code: 'unknown-column', reason: 'field cpu_tme_ms matches no column; its values are not exported', location: { source: name, line: 1 }, columns: ['cpu_tme_ms'] },
      { code: 'missing-column', reason: 'column cpu_time_ms is not in the input; it is NULL in every row', location: { source: name, line: 1 }, columns: ['cpu_time_ms'] },
    ])
  })

  it('a header that matches gives no notice', async () => {
    const validated = validateRecords({ source: readCsv({ input: [Buffer.from(original)], name, columns }), schema: queryPerfSchema, derive })
    const rows = await rowsOf(validated)
    expect(rows[0]).toMatchObject({ cpu_time_ms: 6 })
    expect(validated.summary).toMatchObject({ accepted: 20, noticed: 0, notices: [] })
  })

  it('strictHeader makes any mismatch fail the input, naming the columns, before any record', async () => {
    const { items, error } = await untilFailure(readCsv({ input: [misspelt], name, columns: columns.filter((column) => column !== 'date_partition'), strictHeader: true }))
    expect(items).toEqual([])
    expect(error).toMatchObject({
      code: 'SOURCE_READ_FAILED',
      message: `${name}: the header at line 1 does not match the columns (strictHeader): header column no column reads: cpu_tme_ms; column the header lacks: cpu_time_ms`,
    })
  })

  it('the header line is named where a preamble comes first', async () => {
    const text = `Query performance, 2025-10-13\n${misspelt.toString()}`
    const error = await failure(collect(readCsv({ input: [Buffer.from(text)], name, columns, skipRows: 1, strictHeader: true })))
    expect(error.message).toMatch(new RegExp(`^${name}: the header at line 2 does not match`))
  })
})

describe('a header lacking a required column', () => {
  const noTimestamp = withHeader((header) => header.replace('timestamp', 'time_stamp_utc'))

  it('fails the input with requiredColumns, naming the line and the columns, before any record', async () => {
    const required = queryPerfSchema.columns.filter((column) => !column.nullable && column.name !== 'date_partition').map((column) => column.name)
    const { items, error } = await untilFailure(readCsv({ input: [noTimestamp], name, columns, requiredColumns: required }))
    expect(items).toEqual([])
    expect(error).toMatchObject({
      code: 'SOURCE_READ_FAILED',
      message: `${name}: the header at line 1 lacks required column timestamp; header column no column reads: time_stamp_utc`,
      details: { source: name, line: 1, missingColumns: ['timestamp'] },
    })
  })

  it('fails the input in validateRecords, which knows the schema, before any row', async () => {
    const validated = validateRecords({ source: readCsv({ input: [noTimestamp], name, columns }), schema: queryPerfSchema, derive })
    const rows: Row[] = []
    const error = await failure((async () => {
      for await (const batch of validated) rows.push(...batch)
    })())
    expect(rows).toEqual([])
    expect(error).toMatchObject({
      code: 'SOURCE_READ_FAILED',
      message: `${name}:1: required column timestamp missing from the input (query_perf declares it not nullable); no row of it could be kept`,
    })
    expect(validated.summary).toMatchObject({ accepted: 0 })
  })

  it('fails an input with a header and no rows too', async () => {
    const header = noTimestamp.toString().split('\n')[0] as string
    const validated = validateRecords({ source: readCsv({ input: [Buffer.from(`${header}\n`)], name, columns }), schema: queryPerfSchema, derive })
    expect((await failure(rowsOf(validated))).message).toContain('required column timestamp missing')
  })

  it('is not an error when transform fills the column (and then no notice either)', async () => {
    const noCpu = withHeader((header) => header.replace(',cpu_time_ms', ',cpu'))
    const validated = validateRecords({
      source: readCsv({ input: [noCpu], name, columns }),
      schema: queryPerfSchema,
      derive,
      transform: (values) => ({ ...values, cpu_time_ms: '0' }),
    })
    const rows = await rowsOf(validated)
    expect(rows[0]).toMatchObject({ cpu_time_ms: 0 })
    expect(validated.summary.notices).toEqual([
      { code: 'unknown-column', reason: 'field cpu matches no column; its values are not exported', location: { source: name, line: 1 }, columns: ['cpu'] },
    ])
  })
})

describe('records without a header (JSONL): the same notices, once the input is read', () => {
  it('names keys no column reads where first seen, and columns no record has', async () => {
    const lines = original.trim().split('\n').slice(1, 4).map((line) => {
      const [timestamp, hash, type, time, , , , table, , cpu] = line.split(',')
      return JSON.stringify({ timestamp, query_hash: hash, query_type: type, execution_time_ms: Number(time), table_name: table, cpu_tme_ms: Number(cpu) })
    })
    const validated = validateRecords({ source: readJsonl({ input: [Buffer.from(lines.join('\n'))], name: 'q.ndjson' }), schema: queryPerfSchema, derive })
    const rows = await rowsOf(validated)
    expect(rows.map((row) => [row['query_hash'], row['execution_time_ms'], row['cpu_time_ms']])).toEqual([['cc623a', 10.2, null], ['736ae2', 8.6, null], ['8ff347', 31.3, null]])
    expect(validated.summary.noticed).toBe(2)
    expect(validated.summary.notices).toEqual([
      {
        code: 'unknown-column', reason: 'field cpu_tme_ms matches no column; its values are not exported (first seen here)',
        location: { source: 'q.ndjson', line: 1 }, columns: ['cpu_tme_ms'],
      },
      {
        code: 'missing-column',
        reason: 'columns rows_examined, rows_returned, cache_hit, index_used, cpu_time_ms, io_wait_ms are not in the input; they are NULL in every row (in none of its 3 records)',
        location: { source: 'q.ndjson' },
        columns: ['rows_examined', 'rows_returned', 'cache_hit', 'index_used', 'cpu_time_ms', 'io_wait_ms'],
      },
    ])
  })

  it("unknownKeys: 'reject' rejects such records instead, without a notice", async () => {
    const line = JSON.stringify({ timestamp: '2025-10-13T00:05:49Z', query_hash: 'a', query_type: 'SELECT', execution_time_ms: 1, cpu_tme_ms: 2 })
    const validated = validateRecords({ source: readJsonl({ input: [Buffer.from(line)] }), schema: queryPerfSchema, derive, unknownKeys: 'reject' })
    await rowsOf(validated)
    expect(validated.summary).toMatchObject({ rejected: 1 })
    expect(validated.summary.notices.map((notice) => notice.code)).toEqual(['missing-column'])
  })
})

describe('header names that are Object.prototype names', () => {
  it('are keys like any other, renamed only by an own rename entry', () => {
    expect(mapHeader(['constructor', '__proto__', 'toString'], { name: 'f' }).keys).toEqual(['constructor', '__proto__', 'toString'])
    expect(mapHeader(['constructor', 'b'], { name: 'f', rename: { b: 'c' } }).keys).toEqual(['constructor', 'c'])
    const renamed = renameKeys(JSON.parse('{"constructor": 1, "__proto__": 2, "a": 3}') as Record<string, unknown>, { a: 'b' })
    expect(Object.getPrototypeOf(renamed)).toBe(Object.prototype)
    expect(Object.entries(renamed)).toEqual([['constructor', 1], ['__proto__', 2], ['b', 3]])
  })
})
