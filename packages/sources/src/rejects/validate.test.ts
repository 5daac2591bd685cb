import { dateOfTimestamp, parseTimestampText, queryPerfSchema } from '@parquetry/schema'
import { useTempDir } from '@parquetry/testing'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readCsv } from '../csv/read.js'
import { failure } from '../test-helpers.js'
import { assertRejects, checkRejects } from './rejects.js'
import { validateRecords } from './validate.js'

const csv = `timestamp,query_hash,query_type,execution_time_ms,rows_examined,rows_returned,cache_hit,table_name,index_used
2025-10-28T00:15:23Z,a1b2c3,SELECT,45.2,1234,10,false,embeddings,idx_namespace
2025-10-28T00:16:01Z,d4e5f6,INSERT,fast,1,1,false,query_log,PRIMARY
2025-10-28T00:17:00Z,g7h8i9,SELECT,12.5,10,2,maybe,embeddings,
2025-10-28T00:18:00Z,j1k2l3,SELECT,3.1,1,1
2025-10-29T00:01:00Z,m4n5o6,DELETE,7.0,3,0,true,users,PRIMARY
`

// date_partition comes from each row's own timestamp.
const withPartition = (values: Record<string, unknown>) => {
  const micros = typeof values['timestamp'] === 'string' ? parseTimestampText(values['timestamp']) : undefined
  return { ...values, date_partition: typeof micros === 'bigint' ? dateOfTimestamp(micros) : undefined }
}

const dir = useTempDir()

describe('validateRecords', () => {
  it('passes typed rows on and keeps every reject with its location and reason', async () => {
    const rejectsFile = join(dir.path, 'rejects', 'query_perf.ndjson')
    const validated = validateRecords({
      source: readCsv({ input: [Buffer.from(csv)], name: 'query_perf_daily_20251028.csv', columns: queryPerfSchema.columns.map((column) => column.name) }),
      schema: queryPerfSchema,
      transform: withPartition,
      rejectsFile,
    })
    const rows = []
    for await (const batch of validated) rows.push(...batch)
    expect(rows.map((row) => [row['query_hash'], row['execution_time_ms'], row['index_used'], row['date_partition']])).toEqual([
      ['a1b2c3', 45.2, 'idx_namespace', '2025-10-28'],
      ['m4n5o6', 7, 'PRIMARY', '2025-10-29'],
    ])
    expect(validated.summary).toMatchObject({ read: 5, accepted: 2, rejected: 3, rejectsFile })
    expect(validated.summary.rejects.map((reject) => [reject.location.line, reject.reason])).toEqual([
      [3, 'column execution_time_ms: "fast": expected a number'],
      [4, 'column cache_hit: "maybe": expected a boolean (true/false, t/f, 1/0, yes/no, y/n, on/off)'],
      [5, '6 fields, expected 9'],
    ])
    const lines = (await readFile(rejectsFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines).toEqual([
      { source: 'query_perf_daily_20251028.csv', line: 3, reason: 'column execution_time_ms: "fast": expected a number', problems: [{ column: 'execution_time_ms', value: 'fast', reason: 'expected a number' }] },
      expect.objectContaining({ line: 4 }),
      { source: 'query_perf_daily_20251028.csv', line: 5, reason: '6 fields, expected 9', raw: '2025-10-28T00:18:00Z,j1k2l3,SELECT,3.1,1,1' },
    ])
    expect(() => assertRejects(validated.summary, { maxRatio: 0.5 }, 'query_perf_daily_20251028.csv')).toThrow(
      'query_perf_daily_20251028.csv: 3 of 5 records rejected (60.00%), over the 50.00% threshold; first:\n  query_perf_daily_20251028.csv:3: column execution_time_ms: "fast": expected a number',
    )
    expect(() => assertRejects(validated.summary, { maxRatio: 0.6 }, 'x')).not.toThrow()
  })

  it('stops early once maxRejects is passed', async () => {
    const bad = `a\n${Array.from({ length: 100 }, () => 'x').join('\n')}\n`
    const validated = validateRecords({ source: readCsv({ input: [Buffer.from(bad)] }), schema: queryPerfSchema, maxRejects: 10 })
    const error = await failure((async () => {
      for await (const _rows of validated) {
        // no rows expected
      }
    })())
    expect(error).toMatchObject({ code: 'REJECTS_EXCEEDED', message: 'query_perf: more than 10 records rejected; stopped reading' })
  })

  it('checkRejects applies the ratio (default 1%) and the count', () => {
    expect(checkRejects(1, 100)).toBeUndefined()
    expect(checkRejects(2, 100)).toBe('2 of 100 records rejected (2.00%), over the 1.00% threshold')
    expect(checkRejects(3, 1000, { maxCount: 2 })).toBe('3 rejected records exceed the limit of 2')
    expect(checkRejects(0, 0)).toBeUndefined()
  })
})

describe('derived columns', () => {
  it('computes them from the typed row, and a bad source value is the only reason given', async () => {
    const text = 'timestamp,query_hash,query_type,execution_time_ms\n2025-10-28T23:59:59Z,a,SELECT,1\nyesterday,b,SELECT,2\n'
    const validated = validateRecords({
      source: readCsv({ input: [Buffer.from(text)] }),
      schema: queryPerfSchema,
      derive: { date_partition: (row) => dateOfTimestamp(row['timestamp'] as bigint) },
    })
    const rows = []
    for await (const batch of validated) rows.push(...batch)
    expect(rows.map((row) => [row['query_hash'], row['date_partition']])).toEqual([['a', '2025-10-28']])
    expect(validated.summary.rejects.map((reject) => reject.reason)).toEqual(['column timestamp: "yesterday": expected an ISO 8601 timestamp such as 2025-10-28T00:15:23Z'])
  })
})

describe('skipped lines and rejects sinks', () => {
  it('counts lines that are not events apart from rejects, and writes rejects to a sink opened on the first one', async () => {
    const log = [
      '[2025-10-28T04:00:00Z] [INFO] optimizer_start run_id=1',
      '[2025-10-28T04:00:01Z] [INFO] index_created metric=speedup value=3.5',
      'Optimizer considered 3 indexes',
      '[2025-10-28T04:00:02Z] [INFO] vacuum metric=dead_tuples value=1200',
      '[2025-10-28T04:00:03Z] [INFO] analyze metric=rows value=12',
      '[2025-10-28T04:00:04Z] [INFO] optimizer_end metric=elapsed_s value=4',
    ].join('\n')
    const { optimizationSummarySchema } = await import('@parquetry/schema')
    const { readEventLog } = await import('../event-log/read.js')
    const written: string[] = []
    let opened = 0
    const validated = validateRecords({
      source: readEventLog({ input: [Buffer.from(log)], name: 'optimization_summary.txt' }),
      schema: optimizationSummarySchema,
      derive: { date_partition: (row) => dateOfTimestamp(row['timestamp'] as bigint) },
      rejectsFile: async () => {
        opened++
        return { path: 'rejects/x.ndjson', write: async (chunk) => void written.push(new TextDecoder().decode(chunk)), commit: async () => undefined, abort: async () => undefined }
      },
    })
    let rows = 0
    for await (const batch of validated) rows += batch.length
    expect(rows).toBe(5)
    expect(validated.summary).toMatchObject({ read: 5, accepted: 5, rejected: 0, skipped: 1 })
    expect(validated.summary.skips.map((skip) => [skip.location.line, skip.reason])).toEqual([[3, 'not an event line']])
    expect(opened).toBe(0)

    const bad = validateRecords({
      source: readEventLog({ input: [Buffer.from(`${log}\n[2025-10-28T04:00:05Z] [INFO] x value=abc`)], name: 'log.txt' }),
      schema: optimizationSummarySchema,
      derive: { date_partition: (row) => dateOfTimestamp(row['timestamp'] as bigint) },
      rejectsFile: async () => {
        opened++
        return { path: 'rejects/x.ndjson', write: async (chunk) => void written.push(new TextDecoder().decode(chunk)), commit: async () => undefined, abort: async () => undefined }
      },
    })
    for await (const batch of bad) void batch
    expect(bad.summary).toMatchObject({ read: 6, rejected: 1, skipped: 1, rejectsFile: 'rejects/x.ndjson' })
    expect(opened).toBe(1)
    expect(JSON.parse(written.join(''))).toMatchObject({ source: 'log.txt', line: 7, reason: 'column metric_value: "abc": expected a number' })
  })
})
