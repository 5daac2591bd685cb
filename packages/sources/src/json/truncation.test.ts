import { indexAdvisorSchema, dateOfTimestamp, type Row } from '@parquetry/schema'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { validateRecords } from '../rejects/validate.js'
import { collect, failure } from '../test-helpers.js'
import { readJson } from './read.js'

// The sample month's index_advisor_report.json: 8 recommendations, ending "}\n".
const report = readFileSync(new URL('../../fixtures/index_advisor_report.json', import.meta.url))
const name = 'index_advisor_report.json'
const options = { records: 'recommendations', inherit: ['timestamp'], rename: { table: 'table_name', index: 'recommended_index' } }
// Where the document's value ends: any shorter prefix is cut short; what follows is whitespace.
const end = report.lastIndexOf('}') + 1

function* chunks(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size)
}

const read = (bytes: Uint8Array, size: number) => collect(readJson({ input: chunks(bytes, size), name, ...options }))

describe('a JSON document cut short is an error, at every byte offset', () => {
  it('reads the whole report: 8 records with the report timestamp', async () => {
    const items = await read(report, 64)
    expect(items).toHaveLength(8)
    expect(items[0]).toEqual({
      kind: 'record',
      values: { timestamp: '2025-10-30T04:00:00Z', table_name: 'query_log', recommended_index: 'idx_query_log_namespace', query_pattern: 'WHERE namespace = ?', estimated_speedup: 2.3, priority: 'high', status: 'pending' },
      location: { source: name, index: 0, path: '$.recommendations[0]' },
    })
    expect(items.map((item) => (item.kind === 'record' ? item.values['recommended_index'] : item.kind)).at(-1)).toBe('idx_users_owner')
  })

  it('no prefix of it reads successfully, in one chunk or in 7-byte chunks', async () => {
    const successes: number[] = []
    for (let offset = 0; offset < end; offset++) {
      for (const size of [report.length, 7]) {
        try {
          await read(report.subarray(0, offset), size)
          successes.push(offset)
        } catch (error) {
          expect(error).toMatchObject({ code: 'SOURCE_READ_FAILED' })
          expect((error as Error).message.startsWith(`${name}: `)).toBe(true)
        }
      }
    }
    expect(successes).toEqual([])
    // What follows the value is whitespace: still the whole document.
    for (let offset = end; offset <= report.length; offset++) expect(await read(report.subarray(0, offset), 7)).toHaveLength(8)
  }, 60_000)

  it('cut between two records, the error names the line and byte', async () => {
    const afterThird = report.indexOf('},', report.indexOf('idx_embeddings_slug')) + 2
    const error = await failure(read(report.subarray(0, afterThird), 64))
    const line = report.subarray(0, afterThird).toString().split('\n').length
    expect(line).toBe(28)
    expect(error.message).toBe(`${name}: the document ends at line ${line} (byte ${afterThird}) before its JSON value is complete (cut short?)`)
  })

  it('a top-level array cut after a complete record is an error too', async () => {
    const text = '[{"a":1},{"a":2}'
    const error = await failure(collect(readJson({ input: [Buffer.from(text)], name: 'a.json' })))
    expect(error).toMatchObject({ code: 'SOURCE_READ_FAILED', message: 'a.json: the document ends at line 1 (byte 16) before its JSON value is complete (cut short?)' })
  })

  it('validateRecords passes the error on: a consumer that keeps only what completes keeps nothing', async () => {
    const cut = report.subarray(0, report.indexOf('},', report.indexOf('idx_embeddings_slug')) + 2)
    const rows: Row[] = []
    const validated = validateRecords({
      source: readJson({ input: chunks(cut, 16), name, ...options }),
      schema: indexAdvisorSchema,
      derive: { date_partition: (row) => dateOfTimestamp(row['timestamp'] as bigint) },
    })
    const error = await failure((async () => {
      for await (const batch of validated) rows.push(...batch)
    })())
    expect(error).toMatchObject({ code: 'SOURCE_READ_FAILED' })
    // The reader streams: records before the cut may have been yielded (RecordSource's contract: discard them on error).
    expect(rows.length).toBeLessThanOrEqual(3)
  })
})
