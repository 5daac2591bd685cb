import { sourceName } from '../file/read-bytes.js'
import { parseJsonExact } from '../json/exact-json.js'
import { readLines } from '../text/lines.js'
import { clip, type RecordSource, type SourceItem } from '../types.js'
import { parseEventLine } from './grammar.js'
import type { EventLogInfo, EventLogOptions } from './options.js'

/** An event-log source: the records, plus counts of what it saw. */
export interface EventLogSource extends RecordSource {
  readonly info: EventLogInfo
}

const metricNameKeys = ['metric_name', 'metric']
const metricValueKeys = ['metric_value', 'value']
const timestampKeys = ['timestamp', 'ts', 'time']
const eventTypeKeys = ['event_type', 'event', 'type']

function take(fields: Map<string, unknown>, keys: readonly string[]): unknown {
  for (const key of keys) {
    if (fields.has(key)) {
      const value = fields.get(key)
      fields.delete(key)
      return value
    }
  }
  return undefined
}

/** Maps an event's fields to the optimization_summary columns; what is left becomes `metadata`. */
function toRecord(timestamp: unknown, eventType: unknown, fields: Map<string, unknown>): Record<string, unknown> {
  const metricName = take(fields, metricNameKeys)
  const metricValue = take(fields, metricValueKeys)
  return {
    timestamp,
    event_type: eventType,
    metric_name: metricName ?? null,
    metric_value: metricValue ?? null,
    metadata: fields.size > 0 ? Object.fromEntries(fields) : null,
  }
}

/**
 * Streams an event log (see the grammar in `grammar.ts`): text lines
 * `[ISO-TIMESTAMP] [LEVEL] event_type key=value …` and JSON-object lines both
 * become records of `timestamp`, `event_type`, `metric_name` (`metric_name` or
 * `metric`), `metric_value` (`metric_value` or `value`) and `metadata`, a JSON
 * object of the remaining fields (with `level` when the line has one; text
 * values stay strings). Logs are free-form: a line that is not meant as an
 * event (free text, a stack trace) is a `skip` item with its line number,
 * never a reject; a line meant as an event that does not parse (a bad
 * timestamp, invalid JSON, JSON nested deeper than 1,000 levels, bytes that
 * are not UTF-8) is a problem. Blank and `#` lines are skipped silently. Lines
 * end with LF, CRLF or (for a file whose first break is one) CR.
 */
export function readEventLog(options: EventLogOptions): EventLogSource {
  const info: EventLogInfo = { records: 0, unmatched: 0, rejected: 0, skipped: 0 }
  return {
    info,
    async *[Symbol.asyncIterator]() {
      const name = sourceName(options.input, options.name)
      const lines = readLines({ input: options.input, name, ...(options.encoding ? { encoding: options.encoding } : {}), ...(options.signal ? { signal: options.signal } : {}) })
      for await (const batch of lines) {
        const items: SourceItem[] = []
        for (const entry of batch) {
          const location = { source: name, line: entry.line }
          if ('error' in entry) {
            info.rejected++
            items.push({ kind: 'problem', reason: entry.error, location, raw: entry.raw })
            continue
          }
          const text = entry.text.trim()
          if (text === '' || text.startsWith('#')) {
            info.skipped++
            continue
          }
          if (!looksLikeEvent(text)) {
            // Free text, a stack trace: part of the log, not an event.
            info.unmatched++
            items.push({ kind: 'skip', reason: 'not an event line', location, raw: clip(entry.text) })
            continue
          }
          const item = text.startsWith('{') ? jsonEvent(text) : textEvent(text)
          if (typeof item === 'string') {
            info.rejected++
            items.push({ kind: 'problem', reason: `bad event line: ${item}`, location, raw: clip(entry.text) })
          } else {
            info.records++
            items.push({ kind: 'record', values: item, location })
          }
        }
        if (items.length > 0) yield items
      }
    },
  }
}

const knownLevel = /^\[?(TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL)\b/i

/**
 * Whether a line is meant as an event: a JSON object, or a line that starts
 * with a timestamp (bare or bracketed), or with a bracketed field followed by
 * a log level (`[yesterday] [INFO] ...`: an event with a bad timestamp).
 * Anything else is free text.
 */
function looksLikeEvent(text: string): boolean {
  if (text.startsWith('{')) return true
  if (/^\[?\s*\d{4}-\d{2}-\d{2}/.test(text)) return true
  const bracket = /^\[[^\]]*\]\s*/.exec(text)
  return bracket !== null && knownLevel.test(text.slice(bracket[0].length))
}

function textEvent(text: string): Record<string, unknown> | string {
  const parsed = parseEventLine(text)
  if (typeof parsed === 'string') return parsed
  const fields = new Map<string, unknown>(parsed.level ? [['level', parsed.level]] : [])
  for (const [key, value] of parsed.pairs) fields.set(key, value)
  return toRecord(parsed.timestamp, parsed.eventType, fields)
}

function jsonEvent(text: string): Record<string, unknown> | string {
  let value: unknown
  try {
    value = parseJsonExact(text)
  } catch (error) {
    return `invalid JSON (${(error as Error).message})`
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'expected a JSON object'
  const fields = new Map(Object.entries(value as Record<string, unknown>))
  const timestamp = take(fields, timestampKeys)
  const eventType = take(fields, eventTypeKeys)
  return toRecord(timestamp, eventType, fields)
}
