import { TokenParser, Tokenizer } from '@streamparser/json'

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
 * tokenizer, so that 64-bit ids survive as bigints. Throws a SyntaxError-like
 * error on invalid JSON, as JSON.parse does.
 */
export function parseJsonExact(text: string): unknown {
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
  tokenizer.write(text)
  tokenizer.end()
  if (!done) throw new SyntaxError('Unexpected end of JSON input')
  return result
}
