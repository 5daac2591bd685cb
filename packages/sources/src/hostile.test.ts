import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readCsv } from './csv/read.js'
import { readEventLog } from './event-log/read.js'
import { readJsonl } from './jsonl/read.js'
import { collect, failure } from './test-helpers.js'
import type { SourceItem } from './types.js'

// Files read as a hostile user would write them: every variant must give the
// same records, or say where and why it does not.

const fixture = (file: string) => readFileSync(new URL(`../fixtures/${file}`, import.meta.url), 'utf8')
const csv = fixture('query_perf_daily_20251013.csv') // header + 20 rows, LF, final newline
const log = fixture('optimization_summary.txt') // a comment + 138 events, LF, final newline
const jsonl = `${log.split('\n').filter((line) => line.startsWith('{')).join('\n')}\n` // 30 JSON events

function* chunks(text: string | Buffer, size: number): Generator<Uint8Array> {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size)
}
const records = (items: SourceItem[]) => items.filter((item) => item.kind === 'record').map((item) => [item.location.line, item.values])
const others = (items: SourceItem[]) => items.filter((item) => item.kind !== 'record').map((item) => [item.location.line, item.kind, item.kind === 'notice' ? item.code : item.reason])

const expectedCsv = csv.trim().split('\n').slice(1).map((line, index) => {
  const fields = line.split(',')
  const header = (csv.split('\n')[0] as string).split(',')
  return [index + 2, Object.fromEntries(header.map((name, position) => [name, fields[position]]))]
})

describe('line endings, final lines and chunking never lose a CSV row', () => {
  const variants: [string, string][] = [
    ['LF', csv],
    ['LF, no final newline', csv.trimEnd()],
    ['CRLF', csv.replaceAll('\n', '\r\n')],
    ['CRLF, no final newline', csv.trimEnd().replaceAll('\n', '\r\n')],
    ['CR only', csv.replaceAll('\n', '\r')],
    ['CR only, no final newline', csv.trimEnd().replaceAll('\n', '\r')],
    ['semicolons', csv.replaceAll(',', ';')],
    ['tabs, CR only', csv.replaceAll(',', '\t').replaceAll('\n', '\r')],
  ]
  it.each(variants)('%s, in 1-, 3-, 64- and 65536-byte chunks', async (_label, text) => {
    for (const size of [1, 3, 64, 65536]) {
      const items = await collect(readCsv({ input: chunks(text, size) }))
      expect(others(items)).toEqual([])
      expect(records(items)).toEqual(expectedCsv)
    }
  })
})

describe('quoted fields at the end of a file', () => {
  it.each([
    ['no final newline', 'id,note\n1,"two\nlines"'],
    ['a final newline', 'id,note\n1,"two\nlines"\n'],
    ['CRLF', 'id,note\r\n1,"two\r\nlines"\r\n'],
    ['CR only', 'id,note\r1,"two\rlines"\r'],
  ])('a record with a line break inside quotes, %s', async (_label, text) => {
    for (const size of [1, 2, 100]) {
      const items = await collect(readCsv({ input: chunks(text, size) }))
      expect(items.map((item) => [item.location.line, item.kind === 'record' ? item.values : item.kind])).toEqual([[2, { id: '1', note: text.includes('\r\n') ? 'two\r\nlines' : text.includes('\r') ? 'two\rlines' : 'two\nlines' }]])
    }
  })

  it('a one-column file whose last value is quoted gives no extra empty row', async () => {
    const items = await collect(readCsv({ input: [Buffer.from('note\n"a, b"\n"c"\n')] }))
    expect(records(items)).toEqual([[2, { note: 'a, b' }], [3, { note: 'c' }]])
  })

  it('a quote opened on the last line and never closed fails the read with its line', async () => {
    const error = await failure(collect(readCsv({ input: chunks(`${csv}2025-10-13T23:59:00Z,"abc,SELECT,1,1,1,false,t,i,1,1`, 5), name: 'q.csv' })))
    expect(error).toMatchObject({ code: 'SOURCE_READ_FAILED', message: 'q.csv: quote opened at line 22 is never closed' })
  })
})

describe('files joined together', () => {
  it('CSV: the second header (behind its byte-order mark) is a skip, never data or a lost row', async () => {
    const joined = Buffer.concat([Buffer.from('\ufeff'), Buffer.from(csv), Buffer.from('\ufeff'), Buffer.from(csv)])
    const source = readCsv({ input: chunks(joined, 100) })
    const items = await collect(source)
    expect(others(items)).toEqual([[22, 'skip', 'the header line again (files joined together?)']])
    expect(records(items)).toEqual([...expectedCsv, ...expectedCsv.map(([line, values]) => [(line as number) + 21, values])])
    expect(source.info).toMatchObject({ records: 40, repeatedHeaders: 1 })
  })

  it('JSONL and event logs: a byte-order mark starting a line is removed', async () => {
    const twice = `\ufeff${jsonl}\ufeff${jsonl}`
    const items = await collect(readJsonl({ input: chunks(twice, 7) }))
    expect(others(items)).toEqual([])
    expect(items).toHaveLength(60)
    expect(items[30]).toMatchObject({ location: { line: 31 }, values: { timestamp: '2025-10-01T04:00:09Z', event_type: 'cache_stats' } })
    const events = await collect(readEventLog({ input: chunks(`\ufeff${log}\ufeff${log}`, 7) }))
    expect(records(events)).toHaveLength(276)
    expect(others(events)).toEqual([])
  })
})

describe('line readers: CR-only and CRLF logs, final lines, NUL bytes', () => {
  it.each([
    ['CRLF', log.replaceAll('\n', '\r\n')],
    ['CR only', log.replaceAll('\n', '\r')],
    ['no final newline', log.trimEnd()],
  ])('event log, %s: 138 events at their lines', async (_label, text) => {
    for (const size of [1, 13, 65536]) {
      const items = await collect(readEventLog({ input: chunks(text, size) }))
      expect(others(items)).toEqual([])
      const got = records(items)
      expect(got).toHaveLength(138)
      expect(got[0]).toEqual([2, { timestamp: '2025-10-01T04:00:00Z', event_type: 'optimizer_start', metric_name: null, metric_value: null, metadata: { level: 'INFO', run_id: '1' } }])
      expect(got.at(-1)?.[0]).toBe(139)
    }
  })

  it('JSONL, CR only: 30 records at their lines', async () => {
    const items = await collect(readJsonl({ input: chunks(jsonl.replaceAll('\n', '\r'), 3) }))
    expect(others(items)).toEqual([])
    expect(records(items).map(([line]) => line)).toEqual(Array.from({ length: 30 }, (_, index) => index + 1))
  })

  it('NUL bytes: kept inside a CSV value, a located problem where JSON cannot hold them', async () => {
    const items = await collect(readCsv({ input: [Buffer.from('a,b\n1,x\u0000y\n')] }))
    expect(records(items)).toEqual([[2, { a: '1', b: 'x\u0000y' }]])
    const lines = await collect(readJsonl({ input: [Buffer.from('{"a":1}\n{"a":\u0000}\n{"a":"\\u0000"}\n')] }))
    expect(lines.map((item) => [item.location.line, item.kind])).toEqual([[1, 'record'], [2, 'problem'], [3, 'record']])
    expect(lines[2]).toMatchObject({ values: { a: '\u0000' } })
  })
})
