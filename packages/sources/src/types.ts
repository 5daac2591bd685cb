import type { LineParser, Row } from '@parquetry/schema'

/** Where a record came from, for error messages and rejects. */
export interface RecordLocation {
  /** The source's name: a file path, or whatever the caller named the input. */
  source: string
  /** 1-based line where the record starts (CSV, JSONL, event log). */
  line?: number
  /** 0-based index of the record within the source (JSON documents). */
  index?: number
  /** JSON path of the record (`$.recommendations[3]`). */
  path?: string
}

/** A raw record read from a source: field values as the source holds them, keyed by field name. */
export interface SourceRecord {
  kind: 'record'
  values: Record<string, unknown>
  location: RecordLocation
}

/** Something in the source that could not become a record (a ragged row, a bad JSON line, ...). */
export interface SourceProblem {
  kind: 'problem'
  reason: string
  location: RecordLocation
  /** The offending text, bounded, when there is one. */
  raw?: string
}

/**
 * Something in the source that is not data and never was meant to be (free
 * text or a stack trace in an event log): counted and reported, never a reject.
 */
export interface SourceSkip {
  kind: 'skip'
  reason: string
  location: RecordLocation
  raw?: string
}

/**
 * What a notice is about:
 * - `'unknown-column'`: a field of the input that no column reads (a CSV
 *   header name matching no column, a record key no column reads) — its
 *   values are not exported;
 * - `'missing-column'`: a column the input does not provide (absent from a
 *   CSV header, or from every record) — it is NULL in every row.
 */
export type NoticeCode = 'unknown-column' | 'missing-column'

/**
 * Something about the input as a whole that loses no record but may lose
 * data, such as a misspelt header column (`cpu_tme_ms` for `cpu_time_ms`):
 * a warning, counted and reported, never a reject. A source that is told to
 * be strict about it (`strictHeader`) fails instead.
 */
export interface SourceNotice {
  kind: 'notice'
  code: NoticeCode
  /** One line for people: `header column cpu_tme_ms matches no column; its values are not exported`. */
  reason: string
  /** Where it was seen (a CSV header's line). */
  location: RecordLocation
  /** The columns (or fields) concerned, as written. */
  columns: string[]
}

/** One item of a source: a record, a problem, a skipped line or a notice, in source order. */
export type SourceItem = SourceRecord | SourceProblem | SourceSkip | SourceNotice

/**
 * The one contract of every source: an async iterable of batches of items,
 * in order. Breaking out of the loop or aborting the signal closes the input.
 *
 * Sources stream, so an error can come after records: a CSV quote never
 * closed at the end, invalid bytes at byte 900,000,000, a JSON document cut
 * short. A read that throws has read only part of its input — whatever it
 * yielded before the error must be discarded (the engine writes nothing of an
 * input that fails). `validateRecords` passes the error on.
 */
export type RecordSource = AsyncIterable<SourceItem[]>

/** Rows a source typed itself, in order, then the items that follow them. */
export interface TypedBatch {
  rows: Row[]
  items: SourceItem[]
}

/**
 * A source that can also type its records itself, where they lie (CSV's
 * plain lines: no record object, no substrings for the usual numbers).
 * `typed` reads the input as the source does, except that records the line
 * parser types become rows; a record it cannot type (a value that does not
 * fit) is an item as before. Batches come one array per read, in order.
 * {@link validateRecords} uses it when nothing needs the records themselves
 * (no `transform`, unknown keys not rejected); the rows are the ones the
 * records would have given.
 */
export interface TypingSource extends RecordSource {
  typed(parserFor: (keys: readonly (string | undefined)[]) => LineParser): AsyncIterable<TypedBatch[]>
}

/** Whether `source` can type its own records. */
export function isTypingSource(source: RecordSource): source is TypingSource {
  return typeof (source as Partial<TypingSource>).typed === 'function'
}

/** What a source can read from: a file path, or chunks of bytes the caller supplies. */
export type SourceInput = string | AsyncIterable<Uint8Array> | Iterable<Uint8Array>

/** Options every source takes. */
export interface SourceOptions {
  /** A file path, or byte chunks (then give `name`). */
  input: SourceInput
  /** Name used in locations and messages. Default: the path, or `'input'`. */
  name?: string
  /** Stops the read and closes the input. */
  signal?: AbortSignal
}

/** Bounded text of a raw value for a problem report. */
export function clip(text: string, limit = 200): string {
  return text.length > limit ? `${text.slice(0, limit - 3)}...` : text
}

/** `file.csv:12` style rendering of a location. */
export function formatLocation(location: RecordLocation): string {
  let text = location.source
  if (location.line !== undefined) text += `:${location.line}`
  if (location.path !== undefined) text += ` ${location.path}`
  else if (location.index !== undefined && location.line === undefined) text += ` record ${location.index}`
  return text
}
