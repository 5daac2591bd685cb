import { describe, expect, it } from 'vitest'
import { collect } from '../test-helpers.js'
import { readJsonl } from './read.js'

const bytes = (text: string) => [Buffer.from(text)]

describe('readJsonl', () => {
  it('reads one object per line, reports bad lines with their number and goes on', async () => {
    const text = '{"id":1,"v":"a"}\r\n\n{"id":2,\n[1,2]\n"str"\n{"id":9007199254740993,"v":"b"}\n{"id":3,"v":"c"}'
    const items = await collect(readJsonl({ input: bytes(text), name: 'e.ndjson', rename: { v: 'value' } }))
    expect(items.map((item) => (item.kind === 'record' ? [item.location.line, item.values] : [item.location.line, item.reason]))).toEqual([
      [1, { id: 1, value: 'a' }],
      [3, expect.stringMatching(/^invalid JSON: /)],
      [4, 'expected a JSON object, got an array'],
      [5, 'expected a JSON object, got a string'],
      [6, { id: 9007199254740993n, value: 'b' }],
      [7, { id: 3, value: 'c' }],
    ])
  })

  it('fails on a line of invalid UTF-8, naming it: the file is not the UTF-8 it was taken for', async () => {
    const input = [Buffer.concat([Buffer.from('{"a":"ok"}\n{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n{"a":"é"}\n')])]
    await expect(collect(readJsonl({ input, name: 'x.ndjson' }))).rejects.toMatchObject({ code: 'SOURCE_READ_FAILED', message: expect.stringContaining('x.ndjson: invalid UTF-8 byte 0xC3 at line 2 (byte 17)') })
  })

  it('skips an over-long line with a problem and carries on', async () => {
    const input = [Buffer.from(`{"a":1}\n{"a":"${'x'.repeat(300)}"}\n{"a":3}\n`)]
    const items = await collect(readJsonl({ input, maxLineLength: 100 }))
    expect(items.map((item) => (item.kind === 'record' ? item.values : `${item.location.line}: ${item.reason}`))).toEqual([{ a: 1 }, '2: line longer than 100 bytes', { a: 3 }])
  })
})
