import { TextDecoder } from 'node:util'
import { readBytes } from '../file/read-bytes.js'
import { clip, type SourceInput } from '../types.js'
import { decodeText, type TextEncoding } from './decode.js'

/** One line of a line-oriented source, or why it could not be read. */
export type Line = { line: number; text: string } | { line: number; error: string; raw: string }

const DEFAULT_MAX_LINE_LENGTH = 16 * 1024 * 1024

/**
 * Splits a source into lines (LF or CRLF), numbered from 1. In UTF-8 (the
 * default) each line is decoded on its own and strictly, so a line with
 * invalid bytes becomes an error entry for that line and reading goes on;
 * other encodings are decoded as a whole (invalid bytes stop the read). A
 * line longer than `maxLineLength` bytes is reported and skipped.
 */
export async function* readLines(options: {
  input: SourceInput
  name: string
  encoding?: TextEncoding
  signal?: AbortSignal
  maxLineLength?: number
}): AsyncGenerator<Line[]> {
  const encoding = (options.encoding ?? 'auto').toLowerCase()
  const bytes = readBytes(options.input, options.name, options.signal)
  if (encoding !== 'auto' && encoding !== 'utf-8' && encoding !== 'utf8') {
    yield* textLines(decodeText(bytes, { encoding, name: options.name }))
    return
  }
  const maxLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  let carry: Uint8Array[] = []
  let carryLength = 0
  let skipping = false
  let lineNumber = 1
  let first = true

  const finishLine = (parts: Uint8Array[], out: Line[]) => {
    let bytesOfLine = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts)
    if (first) {
      first = false
      if (bytesOfLine[0] === 0xef && bytesOfLine[1] === 0xbb && bytesOfLine[2] === 0xbf) bytesOfLine = bytesOfLine.subarray(3)
    }
    if (bytesOfLine[bytesOfLine.length - 1] === 0x0d) bytesOfLine = bytesOfLine.subarray(0, -1)
    try {
      out.push({ line: lineNumber, text: decoder.decode(bytesOfLine) })
    } catch {
      const lossy = new TextDecoder('utf-8').decode(bytesOfLine)
      out.push({ line: lineNumber, error: 'invalid UTF-8 in the line', raw: clip(lossy) })
    }
  }

  for await (const chunk of bytes) {
    const out: Line[] = []
    let start = 0
    for (;;) {
      const newline = chunk.indexOf(0x0a, start)
      if (newline === -1) break
      if (skipping) {
        skipping = false
      } else if (carryLength + newline - start > maxLength) {
        out.push({ line: lineNumber, error: `line longer than ${maxLength} bytes`, raw: '' })
      } else {
        carry.push(chunk.subarray(start, newline))
        finishLine(carry, out)
      }
      carry = []
      carryLength = 0
      lineNumber++
      start = newline + 1
    }
    if (!skipping && start < chunk.length) {
      carry.push(chunk.subarray(start))
      carryLength += chunk.length - start
      if (carryLength > maxLength) {
        out.push({ line: lineNumber, error: `line longer than ${maxLength} bytes`, raw: '' })
        carry = []
        carryLength = 0
        skipping = true
      }
    }
    if (out.length > 0) yield out
  }
  if (!skipping && carryLength > 0) {
    const out: Line[] = []
    finishLine(carry, out)
    yield out
  }
}

async function* textLines(texts: AsyncIterable<string>): AsyncGenerator<Line[]> {
  let pending = ''
  let lineNumber = 1
  for await (const text of texts) {
    const parts = (pending + text).split('\n')
    pending = parts.pop() as string
    if (parts.length > 0) yield parts.map((part) => ({ line: lineNumber++, text: part.endsWith('\r') ? part.slice(0, -1) : part }))
  }
  if (pending.length > 0) yield [{ line: lineNumber, text: pending.endsWith('\r') ? pending.slice(0, -1) : pending }]
}
