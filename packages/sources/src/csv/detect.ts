import Papa from 'papaparse'

/** Delimiters tried when none is given, in order of preference on a tie. */
export const candidateDelimiters = [',', ';', '\t', '|']

/**
 * The line break to split records on: `\r` for files whose first break is a
 * lone CR (old Mac), else `\n`, which also covers CRLF (the reader removes the
 * CR) and files that mix LF and CRLF.
 */
export function detectLinebreak(sample: string): '\n' | '\r' {
  const lf = sample.indexOf('\n')
  const cr = sample.indexOf('\r')
  if (cr !== -1 && (lf === -1 || cr < lf - 1)) return '\r'
  return '\n'
}

/** The delimiter among `,` `;` tab `|` that splits the first lines most consistently (Papa Parse's guess), else `,`. */
export function detectDelimiter(sample: string, quote: string, escape: string, linebreak: string): string {
  const result = Papa.parse<string[]>(sample.slice(0, 64 * 1024), {
    preview: 20,
    delimitersToGuess: candidateDelimiters,
    quoteChar: quote,
    escapeChar: escape,
    newline: linebreak as '\n' | '\r',
    skipEmptyLines: true,
  })
  const undetectable = result.errors.some((error) => error.code === 'UndetectableDelimiter')
  return undetectable ? ',' : result.meta.delimiter
}
