import { TokenParser, Tokenizer } from '@streamparser/json'
import { findExcessiveDepth, MAX_JSON_DEPTH } from './depth.js'

const integerText = /^-?\d+$/

/**
 * A tokenizer that keeps integers beyond 2^53 exact, as bigints, instead of
 * rounding them to the nearest double; other numbers are JavaScript numbers.
 */
export class ExactTokenizer extends Tokenizer {
  protected override parseNumber(numberText: string): number {
    const value = Number(numberText)
    if (!Number.isSafeInteger(value) && integerText.test(numberText)) return BigInt(numberText) as unknown as number
    // A double overflow would become Infinity without a word: refuse it.
    if (!Number.isFinite(value)) throw new RangeError(`number ${numberText.length > 40 ? `${numberText.slice(0, 37)}...` : numberText} is out of the range of a double`)
    return value
  }
}

// An integer of 16 or more digits may be past 2^53, and a 3-digit exponent may
// overflow a double: such text takes the exact parser.
const needsExactParser = /\d{16}|[eE][+-]?\d{3}/

/**
 * JSON.parse, except that text holding a long integer is parsed by the exact
 * tokenizer, so that 64-bit ids survive as bigints, and that JSON nested
 * deeper than `maxDepth` (default {@link MAX_JSON_DEPTH}) is refused before it
 * is parsed. Throws a SyntaxError on invalid or too deep JSON, as JSON.parse does.
 */
export function parseJsonExact(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  const deep = findExcessiveDepth(text, maxDepth)
  if (deep !== -1) throw new SyntaxError(`nested deeper than ${maxDepth} levels at character ${deep + 1}`)
  if (!needsExactParser.test(text)) return JSON.parse(text)
  let result: unknown
  let done = false
  const tokenizer = new ExactTokenizer()
  const parser = new TokenParser()
  tokenizer.onToken = (token) => parser.write(token)
  parser.onValue = ({ value, stack }) => {
    if (stack.length === 0) {
      result = value
      done = true
    }
  }
  try {
    tokenizer.write(text)
    tokenizer.end()
  } catch (error) {
    // The token parser quotes the unexpected token with JSON.stringify, which throws on a bigint.
    if (error instanceof SyntaxError) throw error
    const message = error instanceof TypeError && /BigInt/.test(error.message) ? 'Unexpected number (a long integer) in JSON' : (error as Error).message
    throw new SyntaxError(message, { cause: error })
  }
  if (!done) throw new SyntaxError('Unexpected end of JSON input')
  return result
}
