import { sourceName } from '../file/read-bytes.js'
import { parseJsonExact } from '../json/exact-json.js'
import { jsonTypeName, renameKeys } from '../json/values.js'
import { readLines } from '../text/lines.js'
import { clip, type RecordSource, type SourceItem } from '../types.js'
import type { JsonlOptions } from './options.js'

/**
 * Streams a JSONL / NDJSON file: one JSON object per line (LF, CRLF or
 * CR-only). A line that is not valid JSON, not an object, nested deeper than
 * 1,000 levels (`MAX_JSON_DEPTH`), or not valid UTF-8 (the byte and its offset
 * are named) becomes a problem with its line number, and reading goes on.
 * Blank lines are skipped, and a byte-order mark starting a line is removed
 * (files joined together). Integers past 2^53 arrive as exact bigints. A
 * duplicated key keeps its last value (JSON.parse's rule).
 */
export function readJsonl(options: JsonlOptions): RecordSource {
  return {
    async *[Symbol.asyncIterator]() {
      const name = sourceName(options.input, options.name)
      const lines = readLines({
        input: options.input,
        name,
        ...(options.encoding ? { encoding: options.encoding } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.maxLineLength ? { maxLineLength: options.maxLineLength } : {}),
      })
      for await (const batch of lines) {
        const items: SourceItem[] = []
        for (const entry of batch) {
          const location = { source: name, line: entry.line }
          if ('error' in entry) {
            items.push({ kind: 'problem', reason: entry.error, location, raw: entry.raw })
            continue
          }
          if (entry.text.trim() === '') continue
          let value: unknown
          try {
            value = parseJsonExact(entry.text)
          } catch (error) {
            items.push({ kind: 'problem', reason: `invalid JSON: ${(error as Error).message}`, location, raw: clip(entry.text) })
            continue
          }
          if (value === null || typeof value !== 'object' || Array.isArray(value)) {
            items.push({ kind: 'problem', reason: `expected a JSON object, got ${jsonTypeName(value)}`, location, raw: clip(entry.text) })
            continue
          }
          items.push({ kind: 'record', values: renameKeys(value as Record<string, unknown>, options.rename), location })
        }
        if (items.length > 0) yield items
      }
    },
  }
}
