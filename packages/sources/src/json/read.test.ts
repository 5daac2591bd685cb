import { describe, expect, it } from 'vitest'
import { collect, failure } from '../test-helpers.js'
import { readJson } from './read.js'

const encoder = new TextEncoder()
function* chunks(text: string, size: number): Generator<Uint8Array> {
  const bytes = encoder.encode(text)
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size)
}

// Seed 000's index_advisor_report.json, with a second recommendation.
const report = `{
  "timestamp": "2025-10-28T04:00:00Z",
  "recommendations": [
    {
      "table": "embeddings",
      "index": "idx_embedding_vector",
      "query_pattern": "WHERE namespace = ? AND vector LIKE ?",
      "estimated_speedup": 3.5,
      "priority": "high"
    },
    { "table": "query_log", "index": "idx_created_at", "estimated_speedup": 1.8, "priority": "low", "timestamp": "2025-10-28T04:05:00Z" }
  ]
}`

const options = { records: 'recommendations', inherit: ['timestamp'], rename: { table: 'table_name', index: 'recommended_index' } }

describe('readJson', () => {
  it("turns the seed's report into one row per recommendation with the report's timestamp", async () => {
    const items = await collect(readJson({ input: chunks(report, 16), name: 'index_advisor_report.json', ...options }))
    expect(items).toEqual([
      {
        kind: 'record',
        values: {
          timestamp: '2025-10-28T04:00:00Z', table_name: 'embeddings', recommended_index: 'idx_embedding_vector',
          query_pattern: 'WHERE namespace = ? AND vector LIKE ?', estimated_speedup: 3.5, priority: 'high',
        },
        location: { source: 'index_advisor_report.json', index: 0, path: '$.recommendations[0]' },
      },
      {
        kind: 'record',
        // A record's own field wins over the inherited one.
        values: { timestamp: '2025-10-28T04:05:00Z', table_name: 'query_log', recommended_index: 'idx_created_at', estimated_speedup: 1.8, priority: 'low' },
        location: { source: 'index_advisor_report.json', index: 1, path: '$.recommendations[1]' },
      },
    ])
  })

  it('waits for an inherited field that comes after the array', async () => {
    const text = '{"recommendations":[{"table":"a","index":"i"},{"table":"b","index":"j"}],"timestamp":"2025-10-29T04:00:00Z"}'
    const items = await collect(readJson({ input: chunks(text, 5), ...options }))
    expect(items.map((item) => (item.kind === 'record' ? item.values : item))).toEqual([
      { timestamp: '2025-10-29T04:00:00Z', table_name: 'a', recommended_index: 'i' },
      { timestamp: '2025-10-29T04:00:00Z', table_name: 'b', recommended_index: 'j' },
    ])
    const error = await failure(collect(readJson({ input: chunks(text, 5), ...options, maxBufferedRecords: 1, name: 'r.json' })))
    expect(error.message).toBe('r.json: inherited field timestamp not seen after 1 records; put it before the records array or raise maxBufferedRecords')
  })

  it('streams a large records array batch by batch', async () => {
    async function* big() {
      yield encoder.encode('{"meta":{"v":1},"items":[')
      for (let start = 0; start < 200_000; start += 1000) {
        let text = ''
        for (let index = start; index < start + 1000; index++) text += `${index === 0 ? '' : ','}{"n":${index},"s":"x${index}"}`
        yield encoder.encode(text)
      }
      yield encoder.encode(']}')
    }
    let records = 0
    let batches = 0
    let last: unknown
    for await (const batch of readJson({ input: big(), records: 'items' })) {
      batches++
      records += batch.length
      last = batch.at(-1)
    }
    expect(records).toBe(200_000)
    expect(batches).toBeGreaterThan(100)
    expect(last).toMatchObject({ values: { n: 199_999, s: 'x199999' }, location: { path: '$.items[199999]' } })
  }, 30_000)

  it('reports a missing or wrong records path, and elements that are not objects', async () => {
    expect((await failure(collect(readJson({ input: chunks('{"a":[]}', 100), records: 'b', name: 'p.json' })))).message).toBe('p.json: no records array at $.b')
    expect((await failure(collect(readJson({ input: chunks('{"b":{}}', 100), records: 'b', name: 'p.json' })))).message).toBe('p.json: $.b is an object, not an array of records')
    const items = await collect(readJson({ input: chunks('{"data":{"rows":[{"a":1},7,[1]]}}', 100), records: 'data.rows' }))
    expect(items.map((item) => (item.kind === 'record' ? item.values : `${item.location.path}: ${item.reason}`))).toEqual([
      { a: 1 },
      '$.data.rows[1]: expected a JSON object, got a number',
      '$.data.rows[2]: expected a JSON object, got an array',
    ])
  })

  it('names the line where a document breaks', async () => {
    const error = await failure(collect(readJson({ input: chunks('{\n  "a": [1,\n  2,,\n]}', 4), name: 'bad.json' })))
    expect(error.code).toBe('SOURCE_READ_FAILED')
    expect(error.message).toMatch(/^bad\.json: invalid JSON at line 3: /)
  })
})
