import { TextDecoder } from 'node:util'
import { ParquetryError } from '@parquetry/schema'
import { findInvalidUtf8, incompleteTail } from './utf8.js'

/**
 * Text encoding of a source. `'auto'` (the default) reads a byte-order mark
 * (UTF-8, UTF-16LE, UTF-16BE) and otherwise assumes UTF-8. `'latin1'` is
 * ISO-8859-1 (every byte is a character). Any other WHATWG label TextDecoder
 * knows (`'windows-1252'`, `'shift_jis'`, ...) works too.
 */
export type TextEncoding = 'auto' | 'utf-8' | 'latin1' | 'utf-16le' | 'utf-16be' | (string & {})

export function sniffBom(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8'
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le'
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be'
  return undefined
}

// Bytes looked at before deciding on the encoding: a BOM, or UTF-16 without one.
export const SNIFF_BYTES = 256

/** The chunks of `bytes`, the first holding at least `size` bytes (or all of them): a BOM split over tiny chunks is still seen. */
export async function* withHead(bytes: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let head: Uint8Array[] | undefined = []
  let length = 0
  for await (const chunk of bytes) {
    if (!head) {
      yield chunk
      continue
    }
    head.push(chunk)
    length += chunk.length
    if (length >= size) {
      yield head.length === 1 ? chunk : Buffer.concat(head)
      head = undefined
    }
  }
  if (head && length > 0) yield head.length === 1 ? (head[0] as Uint8Array) : Buffer.concat(head)
}

/**
 * `'utf-16le'` or `'utf-16be'` when the start of the text is unmistakably
 * ASCII written in UTF-16 without a byte-order mark (a 0 byte beside each
 * character), which UTF-8 would read as text with NULs between the letters.
 */
export function sniffUtf16WithoutBom(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const pairs = Math.min(bytes.length, SNIFF_BYTES) >> 1
  if (pairs < 4) return undefined
  let little = 0
  let big = 0
  for (let index = 0; index < pairs; index++) {
    const low = bytes[2 * index] as number
    const high = bytes[2 * index + 1] as number
    if (low !== 0 && high === 0) little++
    else if (low === 0 && high !== 0) big++
  }
  if (little >= pairs * 0.9) return 'utf-16le'
  if (big >= pairs * 0.9) return 'utf-16be'
  return undefined
}

function countLines(text: string): number {
  let count = 0
  let index = text.indexOf('\n')
  while (index !== -1) {
    count++
    index = text.indexOf('\n', index + 1)
  }
  return count
}

/**
 * Decodes a byte stream to text chunks, strictly: a byte sequence that is not
 * valid in the encoding stops the read with an error naming the line and byte
 * offset, never a silent U+FFFD. A byte-order mark is removed.
 *
 * @throws ParquetryError `SOURCE_READ_FAILED` (`invalid UTF-8 byte 0xFF at line 11 (byte 234) of x.csv`).
 */
export async function* decodeText(bytes: AsyncIterable<Uint8Array>, options: { encoding?: TextEncoding; name: string }): AsyncGenerator<string> {
  const requested = (options.encoding ?? 'auto').toLowerCase()
  let decoder: TextDecoder | undefined
  let latin1 = false
  let label = 'utf-8'
  let byteOffset = 0
  let lines = 0
  let tail: Uint8Array = new Uint8Array(0)
  let first = true
  for await (const chunk of withHead(bytes, SNIFF_BYTES)) {
    if (first) {
      first = false
      if (requested === 'latin1' || requested === 'iso-8859-1') {
        latin1 = true
      } else {
        if (requested === 'auto') {
          const utf16 = sniffBom(chunk) === undefined ? sniffUtf16WithoutBom(chunk) : undefined
          if (utf16) {
            throw new ParquetryError(
              'SOURCE_READ_FAILED',
              `${options.name}: the text looks like ${utf16.toUpperCase()} without a byte-order mark (every other byte is 0 at line 1); set its encoding ('${utf16}')`,
              { details: { source: options.name, line: 1, byteOffset: 0, encoding: utf16 } },
            )
          }
        }
        label = requested === 'auto' ? (sniffBom(chunk) ?? 'utf-8') : requested
        try {
          decoder = new TextDecoder(label, { fatal: true })
        } catch {
          throw new ParquetryError('CONFIG_INVALID', `${options.name}: unknown text encoding ${JSON.stringify(options.encoding)}`)
        }
      }
    }
    let text: string
    if (latin1) {
      text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1')
      if (byteOffset === 0 && text.charCodeAt(0) === 0xfeff) text = text.slice(1)
    } else {
      try {
        text = (decoder as TextDecoder).decode(chunk, { stream: true })
      } catch {
        throw invalidBytes(label, tail, chunk, byteOffset, lines, options.name)
      }
      if (label === 'utf-8') tail = chunk.slice(chunk.length - incompleteTail(chunk))
    }
    byteOffset += chunk.length
    lines += countLines(text)
    if (text.length > 0) yield text
  }
  if (decoder) {
    let rest: string
    try {
      rest = decoder.decode()
    } catch {
      throw new ParquetryError('SOURCE_READ_FAILED', `${options.name}: file ends in the middle of a ${label} character (line ${lines + 1}, byte ${byteOffset - tail.length})`, {
        details: { source: options.name, line: lines + 1, byteOffset: byteOffset - tail.length },
      })
    }
    if (rest.length > 0) yield rest
  }
}

function invalidBytes(label: string, tail: Uint8Array, chunk: Uint8Array, chunkOffset: number, linesBefore: number, name: string): ParquetryError {
  if (label !== 'utf-8') {
    return new ParquetryError('SOURCE_READ_FAILED', `${name}: bytes that are not valid ${label} between byte ${chunkOffset} and ${chunkOffset + chunk.length} (after line ${linesBefore})`, {
      details: { source: name, byteOffset: chunkOffset, encoding: label },
    })
  }
  const joined = new Uint8Array(tail.length + chunk.length)
  joined.set(tail)
  joined.set(chunk, tail.length)
  const bad = Math.max(0, findInvalidUtf8(joined, false))
  const validPrefix = new TextDecoder('utf-8').decode(joined.subarray(tail.length, Math.max(tail.length, bad)))
  const line = linesBefore + countLines(validPrefix) + 1
  const byteOffset = chunkOffset - tail.length + bad
  const byte = joined[bad] ?? 0
  return new ParquetryError(
    'SOURCE_READ_FAILED',
    `${name}: invalid UTF-8 byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} at line ${line} (byte ${byteOffset}); if the file is not UTF-8, set its encoding (latin1, utf-16le, windows-1252, ...)`,
    { details: { source: name, line, byteOffset, byte } },
  )
}
