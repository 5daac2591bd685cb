import { TextDecoder } from 'node:util'
import { ParquetryError } from '@parquetry/schema'
import { readBytes } from '../file/read-bytes.js'
import type { SourceInput } from '../types.js'
import { decodeText, sniffBom, sniffUtf16WithoutBom, SNIFF_BYTES, withHead, type TextEncoding } from './decode.js'
import { findInvalidUtf8 } from './utf8.js'

/** One line of a line-oriented source, or why it could not be read. */
export type Line = { line: number; text: string } | { line: number; error: string; raw: string }

const DEFAULT_MAX_LINE_LENGTH = 16 * 1024 * 1024

/**
 * Splits a source into lines, numbered from 1: LF, CRLF (the CR is removed)
 * or, for a file whose first line break is a lone CR, CR-only. In UTF-8 (the
 * default) each line is decoded on its own and strictly, so a line with
 * invalid bytes becomes an error entry for that line — naming the byte and its
 * offset in the file — and reading goes on; other encodings are decoded as a
 * whole (invalid bytes stop the read). A byte-order mark starting any line is
 * removed (files joined together each bring theirs). A line longer than
 * `maxLineLength` bytes is reported and skipped.
 */
export async function* readLines(options: {
  input: SourceInput
  name: string
  encoding?: TextEncoding
  signal?: AbortSignal
  maxLineLength?: number
}): AsyncGenerator<Line[]> {
  const encoding = (options.encoding ?? 'auto').toLowerCase()
  let bytes: AsyncIterable<Uint8Array> = readBytes(options.input, options.name, options.signal)
  if (encoding === 'auto') {
    // UTF-16 (by its BOM, or unmistakable without one) is decoded as a whole, as other encodings are.
    const chunks = withHead(bytes, SNIFF_BYTES)
    const first = await chunks.next()
    bytes = (async function* () {
      if (!first.done) yield first.value
      yield* { [Symbol.asyncIterator]: () => chunks }
    })()
    const start = first.done ? undefined : first.value
    if (start && (sniffBom(start)?.startsWith('utf-16') || sniffUtf16WithoutBom(start))) {
      yield* textLines(decodeText(bytes, { encoding, name: options.name }))
      return
    }
  } else if (encoding !== 'utf-8' && encoding !== 'utf8') {
    yield* textLines(decodeText(bytes, { encoding, name: options.name }))
    return
  }
  const maxLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  let carry: Uint8Array[] = []
  let carryLength = 0
  let skipping = false
  let lineNumber = 1
  // Byte offset in the input of the line being read.
  let lineStart = 0
  let offset = 0
  let separator: number | undefined
  let head: Uint8Array[] = []
  let headLength = 0

  const finishLine = (parts: Uint8Array[], out: Line[]) => {
    let bytesOfLine = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts)
    let start = lineStart
    if (bytesOfLine[0] === 0xef && bytesOfLine[1] === 0xbb && bytesOfLine[2] === 0xbf) {
      bytesOfLine = bytesOfLine.subarray(3)
      start += 3
    }
    if (separator === LF && bytesOfLine[bytesOfLine.length - 1] === CR) bytesOfLine = bytesOfLine.subarray(0, -1)
    try {
      out.push({ line: lineNumber, text: decoder.decode(bytesOfLine) })
    } catch {
      const bad = Math.max(0, findInvalidUtf8(bytesOfLine, true))
      const byte = (bytesOfLine[bad] ?? 0).toString(16).toUpperCase().padStart(2, '0')
      // Not UTF-8: the whole input fails, as a CSV or JSON one does (a wrong encoding is not one bad row).
      throw new ParquetryError(
        'SOURCE_READ_FAILED',
        `${options.name ?? 'input'}: invalid UTF-8 byte 0x${byte} at line ${lineNumber} (byte ${start + bad}); if the file is not UTF-8, set its encoding (latin1, utf-16le, windows-1252, ...)`,
        { details: { source: options.name, line: lineNumber, byte: start + bad } },
      )
    }
  }

  const feed = (chunk: Uint8Array, out: Line[]) => {
    const breakByte = separator as number
    let start = 0
    for (;;) {
      const newline = chunk.indexOf(breakByte, start)
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
      lineStart = offset + start
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
    offset += chunk.length
  }

  for await (const chunk of bytes) {
    const out: Line[] = []
    if (separator === undefined) {
      // Held until the first line break says which it is (a CR at the end of a chunk may start a CRLF).
      head.push(chunk)
      headLength += chunk.length
      separator = lineBreakOf(head, headLength > maxLength)
      if (separator === undefined) continue
      for (const held of head) feed(held, out)
      head = []
    } else {
      feed(chunk, out)
    }
    if (out.length > 0) yield out
  }
  if (separator === undefined) {
    separator = lineBreakOf(head, true) as number
    const out: Line[] = []
    for (const held of head) feed(held, out)
    if (out.length > 0) yield out
  }
  if (!skipping && carryLength > 0) {
    const out: Line[] = []
    finishLine(carry, out)
    yield out
  }
}

const LF = 0x0a
const CR = 0x0d

/**
 * The byte lines end with: CR when the first line break is a lone CR, else
 * LF (CRLF included). Undefined while the chunks so far cannot tell, unless `final`.
 */
function lineBreakOf(chunks: readonly Uint8Array[], final: boolean): number | undefined {
  let previousCr = false
  for (const chunk of chunks) {
    for (let index = 0; index < chunk.length; index++) {
      const byte = chunk[index] as number
      if (previousCr) return byte === LF ? LF : CR
      if (byte === LF) return LF
      if (byte === CR) previousCr = true
    }
  }
  if (previousCr && final) return CR
  return final ? LF : undefined
}

async function* textLines(texts: AsyncIterable<string>): AsyncGenerator<Line[]> {
  let pending = ''
  let lineNumber = 1
  let separator: '\n' | '\r' | undefined
  const clean = (part: string) => {
    const text = part.charCodeAt(0) === 0xfeff ? part.slice(1) : part
    return separator === '\n' && text.endsWith('\r') ? text.slice(0, -1) : text
  }
  for await (const text of texts) {
    pending += text
    if (separator === undefined) {
      const cr = pending.indexOf('\r')
      const lf = pending.indexOf('\n')
      if (lf === -1 && (cr === -1 || cr === pending.length - 1) && pending.length <= DEFAULT_MAX_LINE_LENGTH) continue
      separator = cr !== -1 && (lf === -1 || cr < lf - 1) ? '\r' : '\n'
    }
    const parts = pending.split(separator)
    pending = parts.pop() as string
    if (parts.length > 0) yield parts.map((part) => ({ line: lineNumber++, text: clean(part) }))
  }
  if (separator === undefined && pending.endsWith('\r')) {
    separator = '\r'
    const parts = pending.split(separator)
    pending = parts.pop() as string
    if (parts.length > 0) yield parts.map((part) => ({ line: lineNumber++, text: clean(part) }))
  }
  separator ??= '\n'
  if (pending.length > 0) yield [{ line: lineNumber, text: clean(pending) }]
}
