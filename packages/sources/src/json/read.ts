import { ParquetryError } from '@parquetry/schema'
import { TokenParser, TokenType } from '@streamparser/json'
import { MAX_JSON_DEPTH } from './depth.js'
import { readBytes, sourceName } from '../file/read-bytes.js'
import { jsonTypeName, renameKeys } from './values.js'
import { decodeText } from '../text/decode.js'
import type { RecordSource, SourceItem } from '../types.js'
import { ExactTokenizer } from './exact-json.js'
import type { JsonOptions } from './options.js'

const DEFAULT_MAX_BUFFERED = 100_000

/** Thrown from the token callback when nesting passes the limit; located by the reader. */
class DepthError extends Error {
  constructor(maxDepth: number) {
    super(`nested deeper than ${maxDepth} levels`)
  }
}

function jsonPathOf(segments: readonly string[]): string {
  return segments.reduce((path, segment) => (/^[A-Za-z_$][\w$]*$/.test(segment) ? `${path}.${segment}` : `${path}[${JSON.stringify(segment)}]`), '$')
}

/**
 * Streams the records of a JSON document. The records array is parsed element
 * by element, so a large array is never held whole; fields of its parent
 * object named in `inherit` are copied onto every record. Integers past 2^53
 * arrive as exact bigints. An element that is not an object is a problem
 * (with its JSON path); a document that is not valid JSON stops the read with
 * the line and byte where it breaks, and so does a document that ends before
 * its value is complete (cut short between two records, say) or that nests
 * deeper than {@link MAX_JSON_DEPTH} levels.
 *
 * The reader streams: records are yielded before the end of the document is
 * seen. When the read throws, discard what it yielded (see `RecordSource`).
 *
 * @throws ParquetryError `SOURCE_READ_FAILED` for invalid JSON, a document cut
 *   short or nested too deep, a missing records array, or too many buffered records.
 */
export function readJson(options: JsonOptions): RecordSource {
  return { [Symbol.asyncIterator]: () => streamJson(options) }
}

async function* streamJson(options: JsonOptions): AsyncGenerator<SourceItem[]> {
  const name = sourceName(options.input, options.name)
  const segments = options.records ? options.records.split('.').filter(Boolean) : []
  const inherit = options.inherit ?? []
  const maxBuffered = options.maxBufferedRecords ?? DEFAULT_MAX_BUFFERED
  const maxDepth = MAX_JSON_DEPTH
  const recordsPath = jsonPathOf(segments)
  const parentPath = jsonPathOf(segments.slice(0, -1))
  // A value at a path of k segments is reported with a stack of k containers.
  const parentDepth = segments.length

  const inherited: Record<string, unknown> = {}
  const pendingInherit = new Set(inherit)
  let buffered: SourceItem[] = []
  let ready: SourceItem[] = []
  let index = 0
  let sawRecords = false
  let rootKind: 'array' | 'object' | 'scalar' | undefined
  const rootObject: Record<string, unknown> = {}

  const emit = (item: SourceItem) => {
    if (pendingInherit.size > 0) {
      buffered.push(item)
      if (buffered.length > maxBuffered) {
        throw new ParquetryError(
          'SOURCE_READ_FAILED',
          `${name}: inherited field${pendingInherit.size > 1 ? 's' : ''} ${[...pendingInherit].join(', ')} not seen after ${maxBuffered} records; put ${pendingInherit.size > 1 ? 'them' : 'it'} before the records array or raise maxBufferedRecords`,
          { details: { source: name } },
        )
      }
    } else {
      ready.push(item)
    }
  }
  const complete = (item: SourceItem): SourceItem => {
    if (item.kind !== 'record' || inherit.length === 0) return item
    const values: Record<string, unknown> = {}
    for (const field of inherit) if (field in inherited) values[field] = inherited[field]
    return { ...item, values: renameKeys({ ...values, ...item.values }, options.rename) }
  }
  const record = (value: unknown, position: number) => {
    const location = { source: name, index: position, path: `${recordsPath}[${position}]` }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      emit({ kind: 'problem', reason: `expected a JSON object, got ${jsonTypeName(value)}`, location, raw: safeText(value) })
    } else {
      emit({ kind: 'record', values: inherit.length === 0 ? renameKeys(value as Record<string, unknown>, options.rename) : (value as Record<string, unknown>), location })
    }
  }

  const tokenizer = new ExactTokenizer()
  let lastTokenOffset = 0
  let tokens = 0
  let depth = 0
  const paths = segments.length === 0 ? ['$', '$.*'] : [recordsPath, `${recordsPath}.*`, ...inherit.map((field) => `${parentPath}.${field}`)]
  const parser = new TokenParser({ paths, keepStack: false })
  tokenizer.onToken = (token) => {
    lastTokenOffset = token.offset
    tokens++
    if (token.token === TokenType.LEFT_BRACE || token.token === TokenType.LEFT_BRACKET) {
      // Refused as it opens, so that neither the parser's stack nor any later walk of the value grows without bound.
      if (++depth > maxDepth) throw new DepthError(maxDepth)
    } else if (token.token === TokenType.RIGHT_BRACE || token.token === TokenType.RIGHT_BRACKET) {
      depth--
    }
    parser.write(token)
  }
  parser.onValue = ({ value, key, stack }) => {
    const depth = stack.length
    if (segments.length === 0) {
      if (depth === 0) {
        rootKind = Array.isArray(value) ? 'array' : value !== null && typeof value === 'object' ? 'object' : 'scalar'
        if (rootKind === 'scalar') emit({ kind: 'problem', reason: `expected a JSON object or an array of objects, got ${jsonTypeName(value)}`, location: { source: name, path: '$' }, raw: safeText(value) })
      } else if (typeof key === 'number') {
        sawRecords = true
        record(value, index++)
      } else if (typeof key === 'string') {
        rootObject[key] = value
      }
      return
    }
    if (depth === segments.length + 1 && typeof key === 'number') {
      sawRecords = true
      record(value, index++)
    } else if (depth === segments.length && key === segments.at(-1)) {
      if (!Array.isArray(value)) {
        throw new ParquetryError('SOURCE_READ_FAILED', `${name}: ${recordsPath} is ${jsonTypeName(value)}, not an array of records`, { details: { source: name, path: recordsPath } })
      }
      sawRecords = true
    } else if (depth === parentDepth && typeof key === 'string' && pendingInherit.has(key)) {
      inherited[key] = value
      pendingInherit.delete(key)
      if (pendingInherit.size === 0) {
        ready.push(...buffered)
        buffered = []
      }
    }
  }

  let chunkStartByte = 0
  let linesBeforeChunk = 0
  // The line of the last token read, or of the chunk, for a located error.
  const fail = (error: unknown, chunk: string): ParquetryError => {
    if (error instanceof ParquetryError) return error
    const raw = (error as Error).message
    const message = raw.includes('in state ENDED') ? `a second JSON value starts here (${raw}); a document holds one value — read one record per line with readJsonl` : raw
    const within = Buffer.from(chunk).subarray(0, Math.max(0, lastTokenOffset - chunkStartByte)).toString()
    const line = linesBeforeChunk + within.split('\n').length
    if (error instanceof DepthError) {
      return new ParquetryError('SOURCE_READ_FAILED', `${name}: JSON nested deeper than ${maxDepth} levels at line ${line} (byte ${lastTokenOffset}); the document is refused`, {
        cause: error,
        details: { source: name, line, byteOffset: lastTokenOffset, maxDepth },
      })
    }
    return new ParquetryError('SOURCE_READ_FAILED', `${name}: invalid JSON at line ${line}: ${message}`, { cause: error, details: { source: name, line, byteOffset: lastTokenOffset } })
  }

  const text = decodeText(readBytes(options.input, name, options.signal), { ...(options.encoding ? { encoding: options.encoding } : {}), name })
  for await (const chunk of text) {
    try {
      tokenizer.write(chunk)
    } catch (error) {
      throw fail(error, chunk)
    }
    chunkStartByte += Buffer.byteLength(chunk)
    linesBeforeChunk += chunk.split('\n').length - 1
    if (ready.length > 0) {
      yield ready.map(complete)
      ready = []
    }
  }
  try {
    tokenizer.end()
  } catch (error) {
    throw fail(error, '')
  }
  if (tokens === 0) throw new ParquetryError('SOURCE_READ_FAILED', `${name}: no JSON value in the document`, { details: { source: name } })
  // A document cut short between two tokens (after a complete record, say) tokenizes
  // cleanly: only the parser knows its value never closed.
  if (!parser.isEnded) {
    const line = linesBeforeChunk + 1
    throw new ParquetryError('SOURCE_READ_FAILED', `${name}: the document ends at line ${line} (byte ${chunkStartByte}) before its JSON value is complete (cut short?)`, {
      details: { source: name, line, byteOffset: chunkStartByte },
    })
  }
  if (segments.length === 0) {
    if (rootKind === 'object') ready.push({ kind: 'record', values: renameKeys(rootObject, options.rename), location: { source: name, index: 0, path: '$' } })
  } else if (!sawRecords) {
    throw new ParquetryError('SOURCE_READ_FAILED', `${name}: no records array at ${recordsPath}`, { details: { source: name, path: recordsPath } })
  }
  ready.push(...buffered)
  if (ready.length > 0) yield ready.map(complete)
}

function safeText(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item)) ?? String(value)
    return text.length > 200 ? `${text.slice(0, 197)}...` : text
  } catch {
    return String(value)
  }
}
