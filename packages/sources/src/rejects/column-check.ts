import { ParquetryError, type DatasetSchema } from '@parquetry/schema'
import { columnNotice } from '../notices.js'
import { formatLocation, type RecordLocation, type SourceNotice } from '../types.js'
import type { Notice } from './rejects.js'

/** Checks of one input's columns against a schema, fed as validation proceeds. */
export interface ColumnCheck {
  /** A notice the source gave. */
  sourceNotice(item: SourceNotice): void
  /** A record's values (after `transform`). */
  record(values: Readonly<Record<string, unknown>>, location: RecordLocation): void
  /** Records of the same keys as the last one given to `record`, typed by the source itself: counted. */
  more(count: number): void
  /** Once the input is read whole. */
  finish(): void
}

const plural = (count: number, word: string) => (count === 1 ? word : `${word}s`)

/**
 * The column checks of {@link validateRecords}:
 * - a source's notices are passed on (to `notice`), except for `computed`
 *   columns, which no input is expected to hold; a source's missing columns
 *   wait for the first record, since `transform` may fill them;
 * - a missing column the schema declares not nullable fails the input;
 * - once the input is read, keys of its records that no column reads, and
 *   columns none of its records has, are noticed as a CSV header's would be,
 *   so that a misspelt key (`cpu_tme_ms`) is not exported as NULLs without a word.
 *
 * @throws ParquetryError `SOURCE_READ_FAILED` (from `record` or `finish`) for a
 *   required column missing from the input, naming its location and the columns.
 */
export function checkColumns(options: { schema: DatasetSchema; computed: readonly string[]; reportUnknown: boolean; notice: (notice: Notice) => void }): ColumnCheck {
  const { schema, notice } = options
  const computed = new Set(options.computed)
  const known = new Set(schema.columns.map((column) => column.name))
  const expected = schema.columns.map((column) => column.name).filter((column) => !computed.has(column))
  const required = new Set(schema.columns.filter((column) => !column.nullable && !computed.has(column.name)).map((column) => column.name))
  const present = new Set<string>()
  const alreadyNoticed = new Set<string>()
  const unknown = new Map<string, RecordLocation>()
  let records = 0
  let first: RecordLocation | undefined
  let pendingMissing: SourceNotice[] | undefined = []
  let lastKeys: readonly string[] = []

  const pass = (item: SourceNotice) => notice({ code: item.code, location: item.location, reason: item.reason, columns: item.columns })
  const settle = (item: SourceNotice, filled: Readonly<Record<string, unknown>> | undefined) => {
    const columns = filled ? item.columns.filter((column) => filled[column] === undefined) : item.columns
    if (columns.length === 0) return
    const lacking = columns.filter((column) => required.has(column))
    if (lacking.length > 0) {
      const { location } = item
      throw new ParquetryError(
        'SOURCE_READ_FAILED',
        `${formatLocation(location)}: required ${plural(lacking.length, 'column')} ${lacking.join(', ')} missing from the input (${schema.name} declares ${lacking.length === 1 ? 'it' : 'them'} not nullable); no row of it could be kept`,
        { details: { source: location.source, ...(location.line !== undefined ? { line: location.line } : {}), missingColumns: lacking } },
      )
    }
    pass(columns.length === item.columns.length ? item : columnNotice('missing-column', columns, item.location))
  }
  const settlePending = (filled: Readonly<Record<string, unknown>> | undefined) => {
    const pending = pendingMissing ?? []
    pendingMissing = undefined
    for (const item of pending) settle(item, filled)
  }

  return {
    sourceNotice(item) {
      for (const column of item.columns) alreadyNoticed.add(column)
      if (item.code !== 'missing-column') return pass(item)
      const columns = item.columns.filter((column) => !computed.has(column))
      if (columns.length === 0) return
      const kept = columns.length === item.columns.length ? item : columnNotice('missing-column', columns, item.location)
      if (pendingMissing) pendingMissing.push(kept)
      else settle(kept, undefined)
    },
    record(values, location) {
      if (pendingMissing) settlePending(values)
      records++
      first ??= location
      const keys = Object.keys(values)
      // Records of one input mostly have the same keys: looked at once.
      if (sameKeys(keys, lastKeys)) return
      lastKeys = keys
      for (const key of keys) {
        if (known.has(key)) present.add(key)
        else if (!computed.has(key) && !unknown.has(key)) unknown.set(key, location)
      }
    },
    more(count) {
      records += count
    },
    finish() {
      settlePending(undefined)
      const unknownKeys = [...unknown.keys()].filter((key) => !alreadyNoticed.has(key))
      if (options.reportUnknown && unknownKeys.length > 0) {
        pass(columnNotice('unknown-column', unknownKeys, unknown.get(unknownKeys[0] as string) as RecordLocation, 'first seen here'))
      }
      const missing = expected.filter((column) => !present.has(column) && !alreadyNoticed.has(column))
      if (first && missing.length > 0) {
        pass(columnNotice('missing-column', missing, { source: first.source }, `in none of its ${records} record${records === 1 ? '' : 's'}`))
      }
    },
  }
}

function sameKeys(keys: readonly string[], last: readonly string[]): boolean {
  if (keys.length !== last.length) return false
  for (let index = 0; index < keys.length; index++) if (keys[index] !== last[index]) return false
  return true
}
