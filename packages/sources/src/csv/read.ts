import { ParquetryError, type LineParser, type Row } from '@parquetry/schema'
import Papa from 'papaparse'
import { readBytes, sourceName } from '../file/read-bytes.js'
import { decodeText } from '../text/decode.js'
import { clip, type SourceItem, type TypedBatch, type TypingSource } from '../types.js'
import { detectDelimiter, detectLinebreak } from './detect.js'
import { checkHeader, mapHeader } from './header.js'
import type { CsvInfo, CsvOptions } from './options.js'

/** A CSV source: the records, plus what the read learned about the file. */
export interface CsvSource extends TypingSource {
  readonly info: CsvInfo
}

const DEFAULT_MAX_RECORD_LENGTH = 16 * 1024 * 1024

interface PapaStep {
  data: string[][]
  errors: { code: string; message: string }[]
  meta: { cursor: number }
}

/**
 * Streams a CSV file as batches of records (one batch per 64 KiB read).
 * Parsing is Papa Parse's (RFC 4180: quoted fields holding delimiters, quotes
 * and line breaks); chunks with no quote character at all are split directly,
 * as Papa Parse's own fast mode does. Around it this reader adds what a
 * pipeline needs: strict decoding (BOM removed, invalid bytes reported,
 * Latin-1/UTF-16 by option), LF/CRLF/CR and mixed line endings, delimiter
 * detection (from the first 64 KiB, however finely the input is chunked),
 * header to column matching, the line of every record, and a problem — never
 * a shifted column — for a row with the wrong number of fields or malformed
 * quotes. A header that does not match `columns` gives `notice` items (header
 * columns no column reads, columns the header lacks) before any record; the
 * header line repeated further down (files joined together) is a `skip`.
 * Memory stays at about one chunk plus the longest record.
 *
 * @throws ParquetryError `SOURCE_READ_FAILED` for an unreadable file, invalid
 *   bytes, a quote that is never closed, an ambiguous header, a header lacking
 *   one of `requiredColumns`, or any mismatch under `strictHeader`; each names the line.
 */
export function readCsv(options: CsvOptions): CsvSource {
  const info: CsvInfo = {
    delimiter: options.delimiter ?? ',',
    linebreak: '\n',
    fields: [],
    header: undefined,
    unknownColumns: [],
    missingColumns: [],
    records: 0,
    problems: 0,
    repeatedHeaders: 0,
    skippedRows: 0,
    emptyLines: 0,
    lines: 0,
  }
  return {
    info,
    [Symbol.asyncIterator]: () => streamCsv(options, info, undefined) as AsyncGenerator<SourceItem[]>,
    typed: (parserFor) => ({ [Symbol.asyncIterator]: () => streamCsv(options, info, parserFor) as AsyncGenerator<TypedBatch[]> }),
  }
}

/**
 * The read: batches of items, one per decoded chunk; or, given `parserFor`,
 * batches of typed rows and items in order (see {@link TypingSource}): from
 * the second record on, a plain line (no quote in its chunk, the header's
 * number of fields, no stray CR, no byte-order mark, not the header again)
 * is typed in place by the line parser; every other line, and one whose
 * values do not fit, goes the way of the records.
 */
async function* streamCsv(options: CsvOptions, info: CsvInfo, parserFor: ((keys: readonly (string | undefined)[]) => LineParser) | undefined): AsyncGenerator<SourceItem[] | TypedBatch[]> {
  const name = sourceName(options.input, options.name)
  const quote = options.quote ?? '"'
  const escape = options.escape ?? quote
  const quoteCode = quote.charCodeAt(0)
  const maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH
  const expectHeader = options.header ?? true
  const skipRows = options.skipRows ?? 0

  let parser: Papa.Parser | undefined
  let linebreak: '\n' | '\r' = '\n'
  let delimiter = ','
  let keys: (string | undefined)[] | undefined = expectHeader ? undefined : options.columns?.slice()
  // Builds a record's values from its fields, compiled once `keys` are known (they never change after).
  let build: ((fields: readonly string[]) => Record<string, string>) | undefined
  let width = keys?.length ?? 0
  let line = 1 // line at which `pending` starts
  let pending = ''

  // State of the chunk being parsed, read by the callbacks below.
  let aggregate = ''
  let previousEnd = 0
  let nextCr = -1
  let items: SourceItem[] = []
  let fatal: ParquetryError | undefined

  // Typed reading (given `parserFor`): the batches of the chunk, the rows of the last one, the line parser
  // (made at the first record, once the header is known) and the field ends of a line.
  let batches: TypedBatch[] = []
  let rows: Row[] = []
  let lineParser: LineParser | undefined
  let ends = new Int32Array(0)
  let headerLine: string | undefined
  const newBatch = () => {
    rows = []
    items = []
    batches.push({ rows, items })
  }
  const startChunk = () => {
    if (!parserFor) {
      items = []
      return
    }
    batches = []
    newBatch()
  }
  // Rows after an item start a new batch: a record item may become a row, and rows keep their order.
  const typedRow = (row: Row) => {
    if (items.length > 0) newBatch()
    rows.push(row)
  }
  const chunkOutput = (): SourceItem[] | TypedBatch[] => (parserFor ? batches.filter((batch) => batch.rows.length > 0 || batch.items.length > 0) : items)

  const problem = (reason: string, startLine: number, endLine: number, raw: string) => {
    info.problems++
    // A record that swallowed several lines says so: those lines are in it, not lost silently.
    if (endLine > startLine) reason += ` (the record spans lines ${startLine}-${endLine})`
    items.push({ kind: 'problem', reason, location: { source: name, line: startLine }, raw: clip(raw) })
  }

  // Everything a row goes through once its fields are known. `rawText` and
  // `strayCr` are the row's text and whether it holds a stray CR, or functions
  // that tell (asked only when needed: the row is rejected, or about to become a record).
  const consumeRow = (fields: string[], startLine: number, endLine: number, rawText: string | (() => string), strayCr: boolean | (() => boolean)) => {
    // A byte-order mark where a line starts is left over from files joined together: invisible, never data.
    if ((fields[0] as string).charCodeAt(0) === 0xfeff) fields[0] = (fields[0] as string).slice(1)
    if (keys === undefined) {
      // Blank lines before the header or the first record are skipped.
      if (fields.length === 1 && fields[0] === '') {
        info.emptyLines++
        return
      }
      if (expectHeader) {
        info.header = fields.slice()
        const mapping = mapHeader(fields, { ...(options.columns ? { columns: options.columns } : {}), ...(options.rename ? { rename: options.rename } : {}), name, line: startLine })
        keys = mapping.keys
        info.unknownColumns = mapping.unknown
        info.missingColumns = mapping.missing
        width = fields.length
        info.fields = keys.filter((key): key is string => key !== undefined)
        items.push(...checkHeader({ header: fields, mapping, ...(options.requiredColumns ? { requiredColumns: options.requiredColumns } : {}), ...(options.strictHeader ? { strictHeader: true } : {}), name, line: startLine }))
        return
      }
      keys = fields.map((_, index) => `column_${index + 1}`)
      width = keys.length
      info.fields = keys as string[]
    }
    if (fields.length === 1 && fields[0] === '' && width !== 1) {
      info.emptyLines++
      return
    }
    if (fields.length !== width) {
      problem(`${fields.length} field${fields.length === 1 ? '' : 's'}, expected ${width}`, startLine, endLine, rawOf(rawText))
      return
    }
    // Only with two or more columns: in a one-column file a value may well be the header's name.
    if (info.header !== undefined && width > 1 && sameFields(fields, info.header)) {
      info.repeatedHeaders++
      items.push({ kind: 'skip', reason: `the header line again (files joined together?)`, location: { source: name, line: startLine }, raw: clip(rawOf(rawText)) })
      return
    }
    if (typeof strayCr === 'boolean' ? strayCr : strayCr()) {
      problem('carriage return inside an unquoted field (a stray line break?)', startLine, endLine, rawOf(rawText))
      return
    }
    build ??= recordBuilder(keys)
    info.records++
    items.push({ kind: 'record', values: build(fields), location: { source: name, line: startLine } })
    if (parserFor && !lineParser && delimiter.length === 1) {
      lineParser = parserFor(keys)
      ends = new Int32Array(width)
      // The header line as a plain line gives the same fields: that line again is skipped, not typed.
      headerLine = info.header?.join(delimiter)
    }
  }

  // Rows from Papa Parse, for chunks that hold a quote character.
  const step = (results: PapaStep) => {
    const fields = results.data[0] as string[]
    const start = previousEnd
    const end = results.meta.cursor
    // Papa Parse ends a final chunk that ends with a line break with an empty row of no characters: not a line of the file.
    if (end === start && end === aggregate.length) return
    previousEnd = end
    const startLine = line
    line += countBreaks(aggregate, start, end, linebreak)
    info.lines = line - 1
    const endsWithBreak = end > 0 && aggregate.charCodeAt(end - 1) === linebreak.charCodeAt(0)
    const endLine = endsWithBreak ? line - 1 : line
    const raw = () => aggregate.slice(start, end).replace(/\r?\n$|\r$/, '')

    // CRLF under LF splitting: the CR belongs to the line break, unless the field was quoted.
    let interiorEnd = endsWithBreak ? end - 1 : end
    if (linebreak === '\n' && endsWithBreak && end > 1 && aggregate.charCodeAt(end - 2) === 13) {
      interiorEnd = end - 2
      const last = fields.length - 1
      const value = fields[last] as string
      if (value.endsWith('\r') && aggregate.charCodeAt(end - 3) !== quoteCode) fields[last] = value.slice(0, -1)
    }
    if (info.skippedRows < skipRows) {
      info.skippedRows++
      return
    }
    if (results.errors.length > 0) {
      const missingQuote = results.errors.some((error) => error.code === 'MissingQuotes')
      if (missingQuote || (keys === undefined && expectHeader)) {
        const reason = missingQuote ? `quote opened at line ${startLine} is never closed` : `header at line ${startLine} has malformed quotes`
        fatal = new ParquetryError('SOURCE_READ_FAILED', `${name}: ${reason}`, { details: { source: name, line: startLine } })
        ;(parser as Papa.Parser).abort()
        return
      }
      problem(`malformed quotes: ${(results.errors[0] as { message: string }).message.toLowerCase()}`, startLine, endLine, raw())
      return
    }
    try {
      consumeRow(fields, startLine, endLine, raw, () => {
        if (linebreak !== '\n') return false
        if (nextCr !== -1 && nextCr < start) nextCr = aggregate.indexOf('\r', start)
        return nextCr !== -1 && nextCr < interiorEnd && !quotedBetween(aggregate, quote, start, interiorEnd)
      })
    } catch (error) {
      // A header that fails its check: stop Papa Parse here, the read throws it.
      fatal = error as ParquetryError
      ;(parser as Papa.Parser).abort()
    }
  }

  // A chunk with no quote character is plain lines of plain fields: split
  // directly, as Papa Parse's own fast mode does, one line per row.
  const splitPlainLines = (final: boolean) => {
    const text = aggregate
    const end = text.length
    // No CR anywhere in the chunk: no row of it can hold a stray one.
    const crs = linebreak === '\n' && text.indexOf('\r') !== -1
    let position = 0
    for (;;) {
      let next = text.indexOf(linebreak, position)
      if (next === -1) {
        // The rest waits for the next chunk, unless this is the last: then it is a line of its own.
        if (!final || position >= end) break
        next = end
      }
      let row = text.slice(position, next)
      position = next === end ? end : next + 1
      const startLine = line++
      if (crs && row.charCodeAt(row.length - 1) === 13) row = row.slice(0, -1)
      if (info.skippedRows < skipRows) {
        info.skippedRows++
        continue
      }
      const strayCr = crs && row.includes('\r')
      if (lineParser !== undefined && !strayCr && row !== headerLine && row.charCodeAt(0) !== 0xfeff) {
        // The ends of its fields; typed in place when there are as many as the header has.
        let count = 0
        let at = row.indexOf(delimiter)
        while (at !== -1 && count < width) {
          ends[count++] = at
          at = row.indexOf(delimiter, at + 1)
        }
        if (at === -1 && count === width - 1) {
          ends[count] = row.length
          const typed = lineParser(row, ends)
          if (typed !== undefined) {
            info.records++
            typedRow(typed)
            continue
          }
        }
      }
      consumeRow(row.split(delimiter), startLine, startLine, row, strayCr)
    }
    info.lines = line - 1
    previousEnd = position
  }

  const parse = (final: boolean) => {
    previousEnd = 0
    if (aggregate.indexOf(quote) === -1) {
      splitPlainLines(final)
    } else {
      nextCr = linebreak === '\n' ? aggregate.indexOf('\r') : -1
      ;(parser as Papa.Parser).parse(aggregate, 0, !final)
    }
    if (fatal) throw fatal
    pending = aggregate.slice(previousEnd)
    if (pending.length > maxRecordLength) {
      throw new ParquetryError('SOURCE_READ_FAILED', `${name}: record starting at line ${line} is longer than ${maxRecordLength} characters (a quote that is never closed?)`, {
        details: { source: name, line },
      })
    }
  }

  const start = (sample: string) => {
    linebreak = detectLinebreak(sample)
    info.linebreak = linebreak
    delimiter = options.delimiter ?? detectDelimiter(sample, quote, escape, linebreak)
    info.delimiter = delimiter
    parser = new Papa.Parser({ delimiter, newline: linebreak, quoteChar: quote, escapeChar: escape, step: step as never })
  }

  for await (const text of decodeText(readBytes(options.input, name, options.signal), { ...(options.encoding ? { encoding: options.encoding } : {}), name })) {
    aggregate = pending + text
    if (!parser) {
      // Line break and delimiter are guessed from a full sample, never from
      // a few bytes of a finely chunked stream (a CR-only file would be read as one line).
      if (!enoughToDetect(aggregate)) {
        pending = aggregate
        continue
      }
      start(aggregate)
    }
    startChunk()
    parse(false)
    const out = chunkOutput()
    if (out.length > 0) yield out
  }
  if (pending.length > 0) {
    if (!parser) start(pending)
    aggregate = pending
    startChunk()
    parse(true)
    const out = chunkOutput()
    if (out.length > 0) yield out
  }
}

const DETECTION_SAMPLE = 64 * 1024

function enoughToDetect(sample: string): boolean {
  if (sample.length < DETECTION_SAMPLE) return false
  // A CR at the very end may be the first half of a CRLF.
  const cr = sample.indexOf('\r')
  const lf = sample.indexOf('\n')
  return !(cr === sample.length - 1 && lf === -1)
}

/**
 * A function that makes a record's values from its fields: an object literal
 * with the keys in place, compiled once per header, so that every record
 * shares one shape and costs one allocation. Keys are JSON string literals
 * (`__proto__` as a computed key, which defines it as an own property).
 */
export function recordBuilder(keys: readonly (string | undefined)[]): (fields: readonly string[]) => Record<string, string> {
  const seen = new Set<string>()
  const entries: string[] = []
  keys.forEach((key) => {
    if (key === undefined || seen.has(key)) return
    seen.add(key)
    // A later field of the same key wins, as assignment in order did.
    const last = keys.lastIndexOf(key)
    entries.push(`${key === '__proto__' ? `[${JSON.stringify(key)}]` : JSON.stringify(key)}: fields[${last}]`)
  })
  return new Function('fields', `return { ${entries.join(', ')} }`) as (fields: readonly string[]) => Record<string, string>
}

function rawOf(raw: string | (() => string)): string {
  return typeof raw === 'string' ? raw : raw()
}

function sameFields(fields: readonly string[], header: readonly string[]): boolean {
  if (fields.length !== header.length) return false
  for (let index = 0; index < fields.length; index++) if (fields[index] !== header[index]) return false
  return true
}

function quotedBetween(text: string, quote: string, start: number, end: number): boolean {
  const index = text.indexOf(quote, start)
  return index !== -1 && index < end
}

function countBreaks(text: string, start: number, end: number, linebreak: string): number {
  let count = 0
  let index = text.indexOf(linebreak, start)
  while (index !== -1 && index < end) {
    count++
    index = text.indexOf(linebreak, index + 1)
  }
  return count
}
