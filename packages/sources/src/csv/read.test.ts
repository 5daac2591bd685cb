import { useTempDir } from '@parquetry/testing'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { collect, failure, summarize } from '../test-helpers.js'
import { readCsv } from './read.js'

const encoder = new TextEncoder()
function* chunksOf(text: string | Uint8Array, size: number): Generator<Uint8Array> {
  const bytes = typeof text === 'string' ? encoder.encode(text) : text
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size)
}

const dir = useTempDir()

describe('line endings and quoting', () => {
  it('keeps CRLF inside quoted fields, strips it as a terminator, and handles LF/CRLF mixed', async () => {
    const text = 'a,b\r\n1,"x\r\ny"\r\n2,z\n3,"q"\r\n4,\r\n'
    const { records, problems } = await summarize(readCsv({ input: [encoder.encode(text)] }))
    expect(problems).toEqual([])
    expect(records).toEqual([[2, ['1', 'x\r\ny']], [4, ['2', 'z']], [5, ['3', 'q']], [6, ['4', '']]])
  })

  it('reads CR-only files with line numbers', async () => {
    const { records } = await summarize(readCsv({ input: [encoder.encode('a;b\r1;2\r"3\r3";4')] }))
    expect(records).toEqual([[2, ['1', '2']], [3, ['3\r3', '4']]])
  })

  it('reports a stray carriage return inside an unquoted field instead of passing it on', async () => {
    const { records, problems } = await summarize(readCsv({ input: [encoder.encode('a,b\n1,x\ry\n2,z\n')] }))
    expect(records).toEqual([[3, ['2', 'z']]])
    expect(problems).toEqual([[2, 'carriage return inside an unquoted field (a stray line break?)']])
  })

  it('records spanning chunk boundaries keep their values and line numbers', async () => {
    const lines = ['id,text']
    const expected: [number, unknown[]][] = []
    let line = 2
    for (let index = 0; index < 3000; index++) {
      const multiline = index % 7 === 0
      const value = multiline ? `row ${index}\nsecond, line "quoted"` : `row ${index}`
      lines.push(`${index},${multiline ? `"${value.replaceAll('"', '""')}"` : value}`)
      expected.push([line, [String(index), value]])
      line += multiline ? 2 : 1
    }
    const text = `${lines.join('\n')}\n`
    // Tiny chunks split records, quotes and multi-byte characters everywhere.
    for (const size of [1, 7, 4096]) {
      const { records, problems } = await summarize(readCsv({ input: chunksOf(text, size) }))
      expect(problems).toEqual([])
      expect(records).toEqual(expected)
    }
  })

  it('a quote never closed stops the read with the line it opened on', async () => {
    const error = await failure(collect(readCsv({ input: [encoder.encode('a,b\n1,2\n3,"open\n4,5\n')], name: 'x.csv' })))
    expect(error).toMatchObject({ code: 'SOURCE_READ_FAILED', message: 'x.csv: quote opened at line 3 is never closed' })
  })

  it('a record longer than maxRecordLength stops the read with its line', async () => {
    const text = `a,b\n1,"${'x'.repeat(100_000)}`
    const error = await failure(collect(readCsv({ input: chunksOf(text, 1000), name: 'y.csv', maxRecordLength: 2000 })))
    expect(error.message).toBe('y.csv: record starting at line 2 is longer than 2000 characters (a quote that is never closed?)')
  })
})

describe('delimiters, header and columns', () => {
  it.each([[','], [';'], ['\t'], ['|']])('detects %j', async (delimiter) => {
    const text = ['name,city,n', 'ann,"Paris, FR",1', 'bob,Oslo,2'].map((row) => row.replaceAll(',', delimiter).replace(`"Paris${delimiter} FR"`, '"Paris, FR"')).join('\n')
    const source = readCsv({ input: [encoder.encode(text)] })
    const { records } = await summarize(source)
    expect(source.info.delimiter).toBe(delimiter)
    expect(records).toEqual([[2, ['ann', 'Paris, FR', '1']], [3, ['bob', 'Oslo', '2']]])
  })

  it('maps header names to columns ignoring case and spacing, with a rename map, and lists the rest', async () => {
    const text = ' Timestamp ,Query-Hash,EXECUTION TIME MS,Exec Host,extra\n2025-10-28T00:15:23Z,a1,45.2,db1,x\n'
    const source = readCsv({
      input: [encoder.encode(text)],
      columns: ['timestamp', 'query_hash', 'execution_time_ms', 'host', 'cache_hit'],
      rename: { 'Exec Host': 'host' },
    })
    const items = await collect(source)
    expect(items).toEqual([
      { kind: 'notice', code: 'unknown-column', reason: 'field extra matches no column; its values are not exported', location: { source: 'input', line: 1 }, columns: ['extra'] },
      { kind: 'notice', code: 'missing-column', reason: 'column cache_hit is not in the input; it is NULL in every row', location: { source: 'input', line: 1 }, columns: ['cache_hit'] },
      { kind: 'record', values: { timestamp: '2025-10-28T00:15:23Z', query_hash: 'a1', execution_time_ms: '45.2', host: 'db1' }, location: { source: 'input', line: 2 } },
    ])
    expect(source.info.unknownColumns).toEqual(['extra'])
    expect(source.info.missingColumns).toEqual(['cache_hit'])
  })

  it('refuses a header where two fields land on one column', async () => {
    const error = await failure(collect(readCsv({ input: [encoder.encode('Host,host\n1,2\n')], columns: ['host'], name: 'h.csv' })))
    expect(error.message).toBe('h.csv: header fields 1 ("Host") and 2 ("host") both map to column host')
  })

  it('names positional fields by columns when there is no header', async () => {
    const items = await collect(readCsv({ input: [encoder.encode('1,2\n3,4\n')], header: false, columns: ['x', 'y'] }))
    expect(items.map((item) => (item.kind === 'record' ? item.values : item))).toEqual([{ x: '1', y: '2' }, { x: '3', y: '4' }])
  })

  it('never shifts a ragged row into other columns', async () => {
    const { records, problems } = await summarize(readCsv({ input: [encoder.encode('a,b,c\n1,2\n1,2,3,4\n5,6,7\n')] }))
    expect(records).toEqual([[4, ['5', '6', '7']]])
    expect(problems).toEqual([[2, '2 fields, expected 3'], [3, '4 fields, expected 3']])
  })
})

describe('encodings', () => {
  it('reads Latin-1 and UTF-16 when told, and strips a UTF-8 BOM', async () => {
    const latin1 = Buffer.from('name\nJosé Müller\n', 'latin1')
    expect((await summarize(readCsv({ input: [latin1], encoding: 'latin1' }))).records).toEqual([[2, ['José Müller']]])
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name\nZoë\n', 'utf16le')])
    expect((await summarize(readCsv({ input: chunksOf(utf16, 3) }))).records).toEqual([[2, ['Zoë']]])
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('id\n7\n')])
    const source = readCsv({ input: [bom] })
    expect((await summarize(source)).records).toEqual([[2, ['7']]])
    expect(source.info.header).toEqual(['id'])
  })

  it('reports invalid UTF-8 split across chunks with its line and byte', async () => {
    const bytes = Buffer.concat([Buffer.from('a\nok\nbad '), Buffer.from([0xe2, 0x82]), Buffer.from('x\n')])
    const error = await failure(collect(readCsv({ input: chunksOf(bytes, 9), name: 'u.csv' })))
    expect(error.message).toBe('u.csv: invalid UTF-8 byte 0xE2 at line 3 (byte 9); if the file is not UTF-8, set its encoding (latin1, utf-16le, windows-1252, ...)')
  })
})

describe('resources', () => {
  it('breaking out of the loop closes the input', async () => {
    let closed = false
    async function* input() {
      try {
        for (let index = 0; index < 1000; index++) yield encoder.encode(index === 0 ? 'n\n' : `${index}\n`)
      } finally {
        closed = true
      }
    }
    for await (const batch of readCsv({ input: input() })) {
      expect(batch.length).toBeGreaterThan(0)
      break
    }
    expect(closed).toBe(true)
  })

  it('an aborted signal stops the read of a file with ABORTED', async () => {
    const path = join(dir.path, 'big.csv')
    await writeFile(path, `n\n${Array.from({ length: 400_000 }, (_, index) => index).join('\n')}\n`)
    const controller = new AbortController()
    let batches = 0
    const error = await failure(
      (async () => {
        for await (const _batch of readCsv({ input: path, signal: controller.signal })) {
          batches++
          controller.abort()
        }
      })(),
    )
    expect(batches).toBe(1)
    expect(error).toMatchObject({ code: 'ABORTED' })
  })

  it('a missing file is a clear error', async () => {
    const error = await failure(collect(readCsv({ input: join(dir.path, 'nope.csv') })))
    expect(error).toMatchObject({ code: 'SOURCE_READ_FAILED', message: `${join(dir.path, 'nope.csv')}: no such file: ENOENT: no such file or directory, open '${join(dir.path, 'nope.csv')}'` })
  })
})

describe('the plain-line path and the quoted path', () => {
  it('give the same records, keys, line numbers and problems, whatever the chunking', async () => {
    const rows = ['id,name,score', '1,ann,3.5', '2,bob,', '', '3,cy\r,1', '4,dee,2,extra', 'id,name,score', '5,eve,9']
    const plain = `${rows.join('\r\n')}\r\n`
    // One quoted field far away sends every chunk holding it through Papa Parse.
    const quoted = `${plain}6,"fay",1\r\n`
    for (const size of [1, 7, 64, 1 << 16]) {
      const one = await collect(readCsv({ input: chunksOf(plain, size) }))
      const other = await collect(readCsv({ input: chunksOf(quoted, size) }))
      expect(other.slice(0, -1), `chunks of ${size}`).toEqual(one)
      expect(other.at(-1)).toEqual({ kind: 'record', values: { id: '6', name: 'fay', score: '1' }, location: { source: 'input', line: 9 } })
      const records = one.filter((item) => item.kind === 'record')
      expect(records.map((item) => [item.location.line, Object.keys(item.values), Object.values(item.values)])).toEqual([
        [2, ['id', 'name', 'score'], ['1', 'ann', '3.5']],
        [3, ['id', 'name', 'score'], ['2', 'bob', '']],
        [8, ['id', 'name', 'score'], ['5', 'eve', '9']],
      ])
      expect(one.filter((item) => item.kind !== 'record').map((item) => [item.kind, item.location.line])).toEqual([
        ['problem', 5],
        ['problem', 6],
        ['skip', 7],
      ])
    }
  })

  it('makes records whose keys are own properties, __proto__ and constructor included', async () => {
    const [record] = (await collect(readCsv({ input: [encoder.encode('__proto__,constructor,"x""y"\n1,2,3\n')] }))).filter((item) => item.kind === 'record')
    const values = (record as { values: Record<string, unknown> }).values
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype)
    expect(Object.entries(values)).toEqual([['__proto__', '1'], ['constructor', '2'], ['x"y', '3']])
  })
})
