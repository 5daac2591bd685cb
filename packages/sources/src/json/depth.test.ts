import { dateOfTimestamp, optimizationSummarySchema, queryPerfSchema, type Row } from '@parquetry/schema'
import { useTempDir } from '@parquetry/testing'
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readEventLog } from '../event-log/read.js'
import { readJsonl } from '../jsonl/read.js'
import { validateRecords } from '../rejects/validate.js'
import { collect, failure } from '../test-helpers.js'
import type { RecordSource, SourceItem } from '../types.js'
import { exceedsDepth, MAX_JSON_DEPTH, previewJson } from './depth.js'
import { parseJsonExact } from './exact-json.js'
import { readJson } from './read.js'

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
const nestedValue = (depth: number) => {
  let value: unknown[] = []
  for (let level = 1; level < depth; level++) value = [value]
  return value
}
const lines = (text: string) => [Buffer.from(text)]
const render = (items: SourceItem[]) => items.map((item) => [item.location.line, item.kind === 'record' ? 'record' : `${item.kind}: ${item.reason}`])
const dir = useTempDir()

// The sample month's optimizer log: a comment and 138 events (text and JSON lines).
const log = readFileSync(new URL('../../fixtures/optimization_summary.txt', import.meta.url), 'utf8')

describe.each([10_000, 100_000])('JSON nested %i levels deep', (depth) => {
  it('parseJsonExact refuses it with a SyntaxError, on both of its paths', () => {
    expect(() => parseJsonExact(`{"a":${nested(depth)}}`)).toThrow(new SyntaxError(`nested deeper than ${MAX_JSON_DEPTH} levels at character ${MAX_JSON_DEPTH + 5}`))
    // A long integer takes the exact (bigint) tokenizer.
    expect(() => parseJsonExact(`{"id":12345678901234567890,"a":${nested(depth)}}`)).toThrow(SyntaxError)
  })

  it('JSONL: a problem at its line, the other lines read', async () => {
    const text = `{"n":1}\n{"n":2,"deep":${nested(depth)}}\n{"n":3}\n`
    expect(render(await collect(readJsonl({ input: lines(text), name: 'e.ndjson' })))).toEqual([
      [1, 'record'],
      [2, `problem: invalid JSON: nested deeper than ${MAX_JSON_DEPTH} levels at character ${MAX_JSON_DEPTH + 14}`],
      [3, 'record'],
    ])
  })

  it('event log: a located reject among the real log lines, through validateRecords', async () => {
    const logLines = log.split('\n')
    logLines.splice(5, 0, `{"timestamp":"2025-10-01T04:00:10Z","event_type":"deep","payload":${nested(depth)}}`)
    const validated = validateRecords({
      source: readEventLog({ input: lines(logLines.join('\n')), name: 'optimization_summary.txt' }),
      schema: optimizationSummarySchema,
      derive: { date_partition: (row) => dateOfTimestamp(row['timestamp'] as bigint) },
    })
    const rows: Row[] = []
    for await (const batch of validated) rows.push(...batch)
    expect(validated.summary.rejected).toBe(1)
    expect(validated.summary.rejects[0]).toMatchObject({
      location: { source: 'optimization_summary.txt', line: 6 },
      reason: `bad event line: invalid JSON (nested deeper than ${MAX_JSON_DEPTH} levels at character ${MAX_JSON_DEPTH + 66})`,
    })
    // The log's own 139 lines: a comment, then 138 events.
    expect(rows).toHaveLength(138)
    expect(rows[3]).toMatchObject({ event_type: 'cache_stats', metric_name: 'cache_hit_ratio', metric_value: 0.315 })
  })

  it('JSON document: a located read error, not a crash', async () => {
    const text = `{\n  "recommendations": [\n    {"table": "a", "deep": ${nested(depth)}}\n  ]\n}`
    const error = await failure(collect(readJson({ input: lines(text), name: 'r.json', records: 'recommendations' })))
    expect(error).toMatchObject({
      code: 'SOURCE_READ_FAILED',
      message: `r.json: JSON nested deeper than ${MAX_JSON_DEPTH} levels at line 3 (byte ${text.indexOf('[[') + MAX_JSON_DEPTH - 3}); the document is refused`,
    })
  })

  it('validateRecords: a record from any source holding such a value is a located reject, written to the rejects file', async () => {
    const source: RecordSource = (async function* () {
      yield [
        { kind: 'record' as const, values: { timestamp: '2025-10-01T04:00:00Z', event_type: 'deep', metadata: nestedValue(depth) }, location: { source: 'custom', line: 1 } },
        { kind: 'record' as const, values: { timestamp: '2025-10-01T04:00:01Z', event_type: 'deep_text', metric_name: nestedValue(depth) }, location: { source: 'custom', line: 2 } },
        { kind: 'record' as const, values: { timestamp: '2025-10-01T04:00:02Z', event_type: 'fine', metadata: { a: [1] } }, location: { source: 'custom', line: 3 } },
      ]
    })()
    const rejectsFile = join(dir.path, `deep-${depth}.ndjson`)
    const validated = validateRecords({ source, schema: optimizationSummarySchema, derive: { date_partition: (row) => dateOfTimestamp(row['timestamp'] as bigint) }, rejectsFile })
    const rows: Row[] = []
    for await (const batch of validated) rows.push(...batch)
    expect(rows.map((row) => [row['event_type'], row['metadata']])).toEqual([['fine', '{"a":[1]}']])
    expect(validated.summary.rejects.map((reject) => [reject.location.line, reject.reason])).toEqual([
      [1, `column metadata: "${'['.repeat(77)}...": not serialisable as JSON: nested deeper than 256 levels`],
      [2, `column metric_name: "${'['.repeat(77)}...": expected a string, got array`],
    ])
    const written = (await readFile(rejectsFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { line: number; problems: { value: unknown }[] })
    expect(written.map((line) => [line.line, line.problems[0]?.value])).toEqual([[1, `${'['.repeat(197)}...`], [2, `${'['.repeat(197)}...`]])
  })
})

describe('the limit', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels in every format, refuses ${MAX_JSON_DEPTH + 1}`, async () => {
    const at = (depth: number) => nested(depth - 1)
    // One level is the record's own object.
    expect(render(await collect(readJsonl({ input: lines(`{"a":${at(MAX_JSON_DEPTH)}}\n{"a":${at(MAX_JSON_DEPTH + 1)}}`) })))).toEqual([
      [1, 'record'],
      [2, `problem: invalid JSON: nested deeper than ${MAX_JSON_DEPTH} levels at character ${MAX_JSON_DEPTH + 5}`],
    ])
    const eventLine = (depth: number) => `{"timestamp":"2025-10-01T04:00:00Z","event_type":"x","payload":${at(depth)}}`
    expect(render(await collect(readEventLog({ input: lines(`${eventLine(MAX_JSON_DEPTH)}\n${eventLine(MAX_JSON_DEPTH + 1)}`) }))).map(([line, kind]) => [line, String(kind).slice(0, 7)])).toEqual([
      [1, 'record'],
      [2, 'problem'],
    ])
    // A document counts from its top: the array is one level, each record another.
    const items = await collect(readJson({ input: lines(`[{"a":${at(MAX_JSON_DEPTH - 1)}}]`) }))
    expect(items.map((item) => item.kind)).toEqual(['record'])
    expect((await failure(collect(readJson({ input: lines(`[{"a":${at(MAX_JSON_DEPTH)}}]`), name: 'd.json' })))).message).toMatch(/^d\.json: JSON nested deeper than 1000 levels at line 1/)
  })

  it('exceedsDepth and previewJson are iterative', () => {
    const deep = nestedValue(200_000)
    expect(exceedsDepth(deep, MAX_JSON_DEPTH)).toBe(true)
    expect(exceedsDepth(nestedValue(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false)
    expect(previewJson(deep, 10)).toBe('[[[[[[[...')
    expect(previewJson({ a: [1, 2n, 'x', null, { b: true }] })).toBe('{"a":[1,2,"x",null,{"b":true}]}')
    const circular: Record<string, unknown> = { a: 1 }
    circular['self'] = circular
    expect(previewJson(circular, 30)).toBe('{"a":1,"self":{"a":1,"self"...')
  })

  it('a deep value in a string column of a CSV-shaped record is rejected, not thrown', async () => {
    const source: RecordSource = (async function* () {
      yield [{ kind: 'record' as const, values: { timestamp: '2025-10-13T00:05:49Z', query_hash: nestedValue(50_000), query_type: 'SELECT', execution_time_ms: '1' }, location: { source: 'x.csv', line: 2 } }]
    })()
    const validated = validateRecords({ source, schema: queryPerfSchema, derive: { date_partition: (row) => dateOfTimestamp(row['timestamp'] as bigint) } })
    for await (const batch of validated) expect(batch).toEqual([])
    expect(validated.summary).toMatchObject({ read: 1, rejected: 1 })
  })
})
