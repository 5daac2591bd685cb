/**
 * The event-log line grammar (seed 000's optimization_summary.txt has no fixed
 * format; these are the shapes such logs take):
 *
 * ```
 * line      = text-line | json-line
 * text-line = timestamp [level] event-type *(space pair)
 * timestamp = "[" iso-8601 "]" | iso-8601          ; 2025-10-28T04:00:00Z, 2025-10-28 04:00:00+07:00, ...
 * level     = "[" word "]" | known-level [":"]     ; TRACE DEBUG INFO NOTICE WARN WARNING ERROR FATAL CRITICAL
 * event-type= name                                 ; letters, digits, _ . : - ; not containing "="
 * pair      = key "=" value
 * key       = name
 * value     = quoted | bare                        ; quoted: a JSON string "..." ; bare: up to the next space
 * json-line = a JSON object
 * ```
 *
 * Blank lines and lines starting with `#` are skipped.
 */

/** A parsed event line, before it is mapped to columns. */
export interface EventLine {
  timestamp: string
  level?: string
  eventType: string
  pairs: [string, string][]
}

const knownLevels = new Set(['TRACE', 'DEBUG', 'INFO', 'NOTICE', 'WARN', 'WARNING', 'ERROR', 'FATAL', 'CRITICAL'])
const isoTimestamp = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?/
const namePattern = /^[A-Za-z_][\w.:-]*/

/** Parses a text event line, or returns why it does not match the grammar. */
export function parseEventLine(text: string): EventLine | string {
  let rest = text.trim()
  let timestamp: string
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']')
    if (close === -1) return 'unclosed [ before the timestamp'
    timestamp = rest.slice(1, close).trim()
    if (!isoTimestamp.test(timestamp)) return `"${timestamp}" is not an ISO 8601 timestamp`
    rest = rest.slice(close + 1).trimStart()
  } else {
    const match = isoTimestamp.exec(rest)
    if (!match) return 'does not start with a timestamp'
    timestamp = match[0]
    rest = rest.slice(timestamp.length)
    if (rest !== '' && !/^\s/.test(rest)) return 'timestamp is not followed by a space'
    rest = rest.trimStart()
  }
  let level: string | undefined
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']')
    if (close === -1) return 'unclosed [ around the level'
    level = rest.slice(1, close).trim().toUpperCase()
    rest = rest.slice(close + 1).trimStart()
  } else {
    const word = /^([A-Za-z]+):?(?=\s|$)/.exec(rest)
    if (word && knownLevels.has((word[1] as string).toUpperCase())) {
      level = (word[1] as string).toUpperCase()
      rest = rest.slice(word[0].length).trimStart()
    }
  }
  const event = namePattern.exec(rest)
  if (!event || rest[event[0].length] === '=') return 'no event type after the timestamp'
  const eventType = event[0]
  rest = rest.slice(eventType.length)
  const pairs: [string, string][] = []
  while (rest.length > 0) {
    if (!/^\s/.test(rest)) return `unexpected text ${JSON.stringify(rest.slice(0, 20))}`
    rest = rest.trimStart()
    if (rest === '') break
    const key = namePattern.exec(rest)
    if (!key || rest[key[0].length] !== '=') return `expected key=value at ${JSON.stringify(rest.slice(0, 20))}`
    rest = rest.slice(key[0].length + 1)
    let value: string
    if (rest.startsWith('"')) {
      const end = closingQuote(rest)
      if (end === -1) return `unclosed quote in the value of ${key[0]}`
      try {
        value = JSON.parse(rest.slice(0, end + 1)) as string
      } catch {
        return `bad escape in the value of ${key[0]}`
      }
      rest = rest.slice(end + 1)
    } else {
      const bare = /^\S*/.exec(rest) as RegExpExecArray
      value = bare[0]
      rest = rest.slice(value.length)
    }
    pairs.push([key[0], value])
  }
  return { timestamp, ...(level ? { level } : {}), eventType, pairs }
}

function closingQuote(text: string): number {
  for (let index = 1; index < text.length; index++) {
    if (text[index] === '\\') index++
    else if (text[index] === '"') return index
  }
  return -1
}
