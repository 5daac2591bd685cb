/**
 * Deepest nesting of arrays and objects any JSON the sources parse may have.
 * Deeper JSON is refused where it is read — a problem for a JSONL or
 * event-log line, a read error for a JSON document — because code that walks
 * a value recursively (JSON.stringify among it) overflows the stack some
 * thousands of levels down, which would crash the process instead of
 * rejecting one record. JSONTestSuite's `i_structure_500_nested_arrays`
 * (500 levels) is accepted; real data is rarely more than a few dozen deep.
 */
export const MAX_JSON_DEPTH = 1000

const OPEN_BRACE = 0x7b
const OPEN_BRACKET = 0x5b
const CLOSE_BRACE = 0x7d
const CLOSE_BRACKET = 0x5d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Index of the character of JSON `text` where nesting first goes deeper than
 * `maxDepth`, or -1. Strings are skipped; the text is not otherwise checked
 * (the parser does that). Linear and without recursion.
 */
export function findExcessiveDepth(text: string, maxDepth = MAX_JSON_DEPTH): number {
  // Valid JSON deeper than maxDepth holds at least that many opening and closing characters.
  if (text.length <= maxDepth) return -1
  let depth = 0
  let inString = false
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (inString) {
      if (code === BACKSLASH) index++
      else if (code === QUOTE) inString = false
    } else if (code === QUOTE) {
      inString = true
    } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
      if (++depth > maxDepth) return index
    } else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
      depth--
    }
  }
  return -1
}

/** Whether a JavaScript value nests arrays and objects deeper than `maxDepth`. Iterative. */
export function exceedsDepth(value: unknown, maxDepth = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== 'object') return false
  const stack: [object, number][] = [[value, 1]]
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [item, depth] = entry
    if (depth > maxDepth) return true
    for (const child of Object.values(item)) if (child !== null && typeof child === 'object') stack.push([child as object, depth + 1])
  }
  return false
}

/**
 * The first `limit` characters of a value written as JSON (bigints as
 * digits), for messages about values that may be too deep or too large to
 * write whole. Iterative: any depth is safe, and only what is shown is visited.
 */
export function previewJson(value: unknown, limit = 200): string {
  interface Frame {
    container: Record<string, unknown> | unknown[]
    keys: string[] | undefined
    index: number
  }
  let text = ''
  const frames: Frame[] = []
  const write = (item: unknown) => {
    if (item === null || typeof item !== 'object') {
      text += typeof item === 'bigint' ? item.toString() : (JSON.stringify(item) ?? 'null')
    } else if (Array.isArray(item)) {
      text += '['
      frames.push({ container: item, keys: undefined, index: 0 })
    } else {
      text += '{'
      frames.push({ container: item as Record<string, unknown>, keys: Object.keys(item), index: 0 })
    }
  }
  write(value)
  while (frames.length > 0 && text.length < limit) {
    const frame = frames[frames.length - 1] as Frame
    const size = frame.keys ? frame.keys.length : (frame.container as unknown[]).length
    if (frame.index >= size) {
      text += frame.keys ? '}' : ']'
      frames.pop()
      continue
    }
    if (frame.index > 0) text += ','
    const key = frame.keys?.[frame.index]
    frame.index++
    if (key !== undefined) {
      text += `${JSON.stringify(key)}:`
      write((frame.container as Record<string, unknown>)[key])
    } else {
      write((frame.container as unknown[])[frame.index - 1])
    }
  }
  return text.length > limit || frames.length > 0 ? `${text.slice(0, Math.max(0, limit - 3))}...` : text
}
