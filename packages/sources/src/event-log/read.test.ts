import { describe, expect, it } from 'vitest'
import { collect } from '../test-helpers.js'
import { parseEventLine } from './grammar.js'
import { readEventLog } from './read.js'

const log = `# optimizer run 2025-10-28
[2025-10-28T04:00:00Z] [INFO] optimizer_start run_id=42
[2025-10-28T04:00:03.250Z] [INFO] index_created table=embeddings index=idx_embedding_vector metric=speedup value=3.5
2025-10-28 04:01:00+07:00 WARN: slow_query query_hash=a1b2c3 metric_name=execution_time_ms metric_value=1234.5 note="took \\"long\\" time"

{"timestamp":"2025-10-28T04:02:00Z","event_type":"vacuum","metric":"dead_tuples","value":1200,"table":"query_log"}
Optimizer finished without errors
[2025-10-28T04:03:00Z] [INFO] cache_hit_ratio value=0.91
[yesterday] [INFO] broken
`

describe('readEventLog', () => {
  it('maps text and JSON lines to the optimization_summary fields, and reports the rest by line', async () => {
    const source = readEventLog({ input: [Buffer.from(log)], name: 'optimization_summary.txt' })
    const items = await collect(source)
    expect(items.map((item) => (item.kind === 'record' ? [item.location.line, item.values] : [item.location.line, item.kind, item.reason]))).toEqual([
      [2, { timestamp: '2025-10-28T04:00:00Z', event_type: 'optimizer_start', metric_name: null, metric_value: null, metadata: { level: 'INFO', run_id: '42' } }],
      [3, {
        timestamp: '2025-10-28T04:00:03.250Z', event_type: 'index_created', metric_name: 'speedup', metric_value: '3.5',
        metadata: { level: 'INFO', table: 'embeddings', index: 'idx_embedding_vector' },
      }],
      [4, {
        timestamp: '2025-10-28 04:01:00+07:00', event_type: 'slow_query', metric_name: 'execution_time_ms', metric_value: '1234.5',
        metadata: { level: 'WARN', query_hash: 'a1b2c3', note: 'took "long" time' },
      }],
      [6, { timestamp: '2025-10-28T04:02:00Z', event_type: 'vacuum', metric_name: 'dead_tuples', metric_value: 1200, metadata: { table: 'query_log' } }],
      [7, 'skip', 'not an event line'],
      [8, { timestamp: '2025-10-28T04:03:00Z', event_type: 'cache_hit_ratio', metric_name: null, metric_value: '0.91', metadata: { level: 'INFO' } }],
      [9, 'problem', 'bad event line: "yesterday" is not an ISO 8601 timestamp'],
    ])
    expect(source.info).toEqual({ records: 5, unmatched: 1, rejected: 1, skipped: 2 })
  })

  it('skips free text and stack traces as not events, and rejects lines meant as events that do not parse', async () => {
    const text = [
      'Error: connection reset',
      '    at Socket.onEnd (node:net:123:45)',
      'Optimizer: 3 indexes considered',
      '[main] starting worker',
      '[2025-10-28T04:00:00Z] [INFO] vacuum value=3',
      '2025-10-28T04:00:01Z INFO evt key',
      '{"timestamp": "2025-10-28T04:00:02Z", "event_type": ',
      '[soon] WARN late_event',
    ].join('\n')
    const items = await collect(readEventLog({ input: [Buffer.from(text)], name: 'log.txt' }))
    expect(items.map((item) => [item.location.line, item.kind])).toEqual([
      [1, 'skip'],
      [2, 'skip'],
      [3, 'skip'],
      [4, 'skip'],
      [5, 'record'],
      [6, 'problem'],
      [7, 'problem'],
      [8, 'problem'],
    ])
  })

  it.each([
    ['[2025-10-28T04:00:00Z] [INFO]', 'no event type after the timestamp'],
    ['[2025-10-28T04:00:00Z] evt key', 'expected key=value at "key"'],
    ['[2025-10-28T04:00:00Z] evt key="open', 'unclosed quote in the value of key'],
    ['2025-10-28T04:00:00Zevt', 'timestamp is not followed by a space'],
  ])('%j is refused: %s', (line, reason) => {
    expect(parseEventLine(line)).toBe(reason)
  })
})
