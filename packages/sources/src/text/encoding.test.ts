import { ParquetryError } from '@parquetry/schema'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readCsv } from '../csv/read.js'
import { readEventLog } from '../event-log/read.js'
import { readJson } from '../json/read.js'
import { readJsonl } from '../jsonl/read.js'
import { collect } from '../test-helpers.js'
import type { RecordSource, SourceItem } from '../types.js'

const fixture = (file: string) => readFileSync(new URL(`../../fixtures/${file}`, import.meta.url))
const csv = fixture('query_perf_daily_20251013.csv')
const report = fixture('index_advisor_report.json')
const log = fixture('optimization_summary.txt')
const jsonl = Buffer.from(`${log.toString().split('\n').filter((line) => line.startsWith('{')).join('\n')}\n`)

function* chunks(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size)
}

/** `bytes` with `bad` put in place of the byte at `offset`'s character (an ASCII letter). */
const corrupt = (bytes: Buffer, offset: number, bad: number[]) => Buffer.concat([bytes.subarray(0, offset), Buffer.from(bad), bytes.subarray(offset + 1)])
const lineAt = (bytes: Buffer, offset: number) => bytes.subarray(0, offset).toString('latin1').split('\n').length

// Bytes that are not UTF-8: a lone continuation byte, 0xFF, an overlong NUL, a
// surrogate, a lead byte without its continuation.
const badSequences: [string, number[]][] = [
  ['0x80', [0x80]],
  ['0xFF', [0xff]],
  ['0xC0', [0xc0, 0x80]],
  ['0xED', [0xed, 0xa0, 0x80]],
  ['0xE2', [0xe2, 0x28]],
]

async function outcome(source: RecordSource): Promise<{ items: SourceItem[]; error?: unknown }> {
  const items: SourceItem[] = []
  try {
    for await (const batch of source) items.push(...batch)
    return { items }
  } catch (error) {
    return { items, error }
  }
}

describe.each(badSequences)('invalid UTF-8 (%s) is one located, typed error in every reader', (byte, bad) => {
  it.each([1, 7, 65536])('CSV and JSON documents: SOURCE_READ_FAILED naming the file, line and byte (%i-byte chunks)', async (size) => {
    const csvOffset = csv.indexOf('namespaces', csv.indexOf('\n', csv.indexOf('\n', csv.indexOf('\n') + 1) + 1))
    const reportOffset = report.indexOf('query_log') + 2
    for (const [bytes, offset, read] of [
      [csv, csvOffset, (input: Iterable<Uint8Array>) => readCsv({ input, name: 'q.csv' })],
      [report, reportOffset, (input: Iterable<Uint8Array>) => readJson({ input, name: 'q.csv', records: 'recommendations' })],
    ] as const) {
      const { error } = await outcome(read(chunks(corrupt(bytes, offset, bad), size)))
      expect(error).toBeInstanceOf(ParquetryError)
      expect(error).toMatchObject({
        code: 'SOURCE_READ_FAILED',
        message: `q.csv: invalid UTF-8 byte ${byte} at line ${lineAt(bytes, offset)} (byte ${offset}); if the file is not UTF-8, set its encoding (latin1, utf-16le, windows-1252, ...)`,
        details: { source: 'q.csv', line: lineAt(bytes, offset), byteOffset: offset },
      })
    }
  })

  it('JSONL and event logs: the input fails, naming the line, the byte and its offset (a wrong encoding is not one bad row)', async () => {
    for (const [bytes, read, name] of [
      [jsonl, (input: Iterable<Uint8Array>) => readJsonl({ input, name: 'e.ndjson' }), 'e.ndjson'],
      [log, (input: Iterable<Uint8Array>) => readEventLog({ input, name: 'e.log' }), 'e.log'],
    ] as const) {
      const offset = bytes.indexOf('cache_hit_ratio') + 1
      const { error } = await outcome(read(chunks(corrupt(bytes, offset, bad), 5)))
      expect(error).toMatchObject({
        code: 'SOURCE_READ_FAILED',
        message: `${name}: invalid UTF-8 byte ${byte} at line ${lineAt(bytes, offset)} (byte ${offset}); if the file is not UTF-8, set its encoding (latin1, utf-16le, windows-1252, ...)`,
      })
    }
  })
})

describe('encodings at the edges', () => {
  it('a file ending in the middle of a character', async () => {
    const cut = Buffer.concat([Buffer.from('a,b\n1,caf'), Buffer.from([0xc3])])
    const { error } = await outcome(readCsv({ input: chunks(cut, 3), name: 'c.csv' }))
    expect(error).toMatchObject({ code: 'SOURCE_READ_FAILED', message: 'c.csv: file ends in the middle of a utf-8 character (line 2, byte 9)' })
    const { error: jsonlError } = await outcome(readJsonl({ input: [Buffer.concat([Buffer.from('{"a":1}\n{"a":"caf'), Buffer.from([0xc3])])] }))
    expect(jsonlError).toMatchObject({ code: 'SOURCE_READ_FAILED', message: expect.stringContaining('invalid UTF-8 byte 0xC3 at line 2 (byte 17)') })
  })

  it('UTF-16 without a byte-order mark is refused by every reader, not read as text with NULs', async () => {
    const sources = [
      readCsv({ input: [Buffer.from('a,b\n1,2\n', 'utf16le')], name: 'u' }),
      readJson({ input: [Buffer.from('[{"a":1}]', 'utf16le')], name: 'u' }),
      readJsonl({ input: [Buffer.from('{"a":1}\n', 'utf16le')], name: 'u' }),
      readEventLog({ input: [Buffer.from('[2025-10-01T04:00:00Z] [INFO] start\n', 'utf16le')], name: 'u' }),
    ]
    for (const source of sources) {
      const { items, error } = await outcome(source)
      expect(items).toEqual([])
      expect(error).toMatchObject({ code: 'SOURCE_READ_FAILED', message: "u: the text looks like UTF-16LE without a byte-order mark (every other byte is 0 at line 1); set its encoding ('utf-16le')" })
    }
    // Told, it reads.
    expect((await collect(readCsv({ input: [Buffer.from('a,b\n1,2\n', 'utf16le')], encoding: 'utf-16le' }))).map((item) => item.kind === 'record' && item.values)).toEqual([{ a: '1', b: '2' }])
  })

  it('UTF-16 with a byte-order mark is read by the line readers too, even in 1-byte chunks', async () => {
    const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
    const events = await collect(readEventLog({ input: chunks(utf16(log.toString()), 1) }))
    expect(events.filter((item) => item.kind === 'record')).toHaveLength(138)
    const records = await collect(readJsonl({ input: chunks(utf16('{"a":"é"}\r\n{"a":"ü"}'), 1) }))
    expect(records.map((item) => item.kind === 'record' && item.values)).toEqual([{ a: 'é' }, { a: 'ü' }])
    const rows = await collect(readCsv({ input: chunks(utf16('a,b\n1,ß\n'), 1) }))
    expect(rows.map((item) => item.kind === 'record' && item.values)).toEqual([{ a: '1', b: 'ß' }])
  })
})
