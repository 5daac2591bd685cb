import { closestWord, parseDateText } from '@parquetry/schema'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { usageError } from './usage-error.js'

/** One flag: how `node:util` parses it and how zod checks it, declared once. */
export interface FlagSpec<Schema extends z.ZodType = z.ZodType> {
  type: 'string' | 'boolean'
  multiple?: boolean
  /** A one-letter alias (`-q`). */
  short?: string
  schema: Schema
  /** What the value should look like, for messages (`YYYY-MM-DD`, `seconds`). */
  expects?: string
}

type Values<Spec extends Record<string, FlagSpec>> = { [Key in keyof Spec]: z.infer<Spec[Key]['schema']> }

const string = <Schema extends z.ZodType>(schema: Schema, expects?: string): FlagSpec<Schema> => ({ type: 'string', schema, ...(expects ? { expects } : {}) })
const boolean = (): FlagSpec<z.ZodDefault<z.ZodBoolean>> => ({ type: 'boolean', schema: z.boolean().default(false) })

/** A `--date`-style value: a real calendar date as YYYY-MM-DD. */
export const dateValue = z.string().refine((text) => typeof parseDateText(text) === 'number', 'expected a real date as YYYY-MM-DD')

/** Flags several commands share. */
export const commonFlags = {
  config: string(z.string().min(1, 'expected a file path').optional()),
  json: boolean(),
  quiet: { ...boolean(), short: 'q' } as FlagSpec<z.ZodDefault<z.ZodBoolean>>,
  verbose: boolean(),
}

/** `--date D | --from D --to D`: see {@link dateRangeOf}. */
export const dateRangeFlags = {
  date: string(dateValue.optional(), 'YYYY-MM-DD'),
  from: string(dateValue.optional(), 'YYYY-MM-DD'),
  to: string(dateValue.optional(), 'YYYY-MM-DD'),
}

export const flag = {
  string,
  boolean,
  multiple: <Schema extends z.ZodType>(schema: Schema, expects?: string): FlagSpec<Schema> => ({ type: 'string', multiple: true, schema, ...(expects ? { expects } : {}) }),
}

/**
 * Parses a command's arguments against its flags (each declared once, with
 * its zod check) and returns the checked values and the positionals.
 *
 * @throws ParquetryError `USAGE` naming the flag.
 */
export function parseFlags<Spec extends Record<string, FlagSpec>>(args: readonly string[], spec: Spec, options: { positionals?: boolean } = {}): { values: Values<Spec>; positionals: string[] } {
  let parsed
  try {
    parsed = parseArgs({
      args: [...args],
      options: Object.fromEntries(Object.entries(spec).map(([name, entry]) => [name, { type: entry.type, ...(entry.multiple ? { multiple: true } : {}), ...(entry.short ? { short: entry.short } : {}) }])),
      strict: true,
      allowPositionals: options.positionals ?? true,
    })
  } catch (error) {
    throw usageError(explainParseError(error as Error & { code?: string }, spec))
  }
  const schema = z.object(Object.fromEntries(Object.entries(spec).map(([name, entry]) => [name, entry.schema])))
  const checked = schema.safeParse(parsed.values)
  if (!checked.success) {
    const issue = checked.error.issues[0] as z.core.$ZodIssue
    const name = String(issue.path[0] ?? '')
    throw usageError(explainIssue(name, (parsed.values as Record<string, unknown>)[name], issue, spec[name]))
  }
  return { values: checked.data as Values<Spec>, positionals: parsed.positionals }
}


/** node:util's parse errors, said in the CLI's words: which flag, what is wrong, what to do. */
function explainParseError(error: Error & { code?: string }, spec: Record<string, FlagSpec>): string {
  const message = error.message
  const names = Object.keys(spec)
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1]
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const given = option ?? '?'
      const guess = closestWord(given.replace(/^-+/, '').split('=')[0] as string, names)
      return `unknown option ${given}${guess ? `; did you mean --${guess}?` : ''} (options: ${names.map((name) => `--${name}`).join(', ')})`
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = (option ?? '').replace(/^-+/, '')
      const entry = spec[name]
      if (/argument missing/.test(message)) return `--${name} needs a value${entry?.expects ? ` (${entry.expects})` : ''}`
      if (/does not take an argument/.test(message)) return `--${name} takes no value (it is a switch: --${name} alone)`
      if (/ambiguous/.test(message)) {
        return `--${name} needs a value${entry?.expects ? ` (${entry.expects})` : ''}, and the word after it looks like an option; a value that starts with a dash is written --${name}=-…`
      }
      return message.split('\n')[0] as string
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const value = /'([^']*)'/.exec(message)?.[1]
      return `unexpected argument ${JSON.stringify(value ?? '')}: this command takes options only`
    }
    default:
      return message.split('\n')[0] as string
  }
}

/** A zod issue about one flag, said with the flag, the value given and what is expected. */
function explainIssue(name: string, given: unknown, issue: z.core.$ZodIssue, entry: FlagSpec | undefined): string {
  const flagName = `--${name}`
  if (given === undefined) return `${flagName} is required${entry?.expects ? ` (${entry.expects})` : ''}`
  const shown = Array.isArray(given) ? given.map((item) => JSON.stringify(item)).join(', ') : JSON.stringify(given)
  let reason = issue.message
  if (issue.code === 'invalid_type' && issue.expected === 'int') reason = 'expected a whole number'
  else if (issue.code === 'invalid_type' && (issue.expected === 'number' || /NaN/.test(issue.message))) reason = 'expected a number'
  else if (issue.code === 'too_small' && issue.origin === 'number') reason = `expected a number ${issue.inclusive ? 'of at least' : 'above'} ${String(issue.minimum)}`
  else if (issue.code === 'too_big' && issue.origin === 'number') reason = `expected a number ${issue.inclusive ? 'of at most' : 'below'} ${String(issue.maximum)}`
  else if (issue.code === 'invalid_value') reason = `expected one of ${issue.values.map((value) => String(value)).join(', ')}`
  return `${flagName} ${shown}: ${reason}${entry?.expects && !reason.includes(entry.expects) ? ` (${entry.expects})` : ''}`
}

/**
 * The date range of `--date D` or `--from D --to D` (undefined when neither).
 *
 * @throws ParquetryError `USAGE` for both at once, a lone --from/--to, or --from after --to.
 */
export function dateRangeOf(values: { date?: string | undefined; from?: string | undefined; to?: string | undefined }): { from: string; to: string } | undefined {
  if (values.date !== undefined && (values.from !== undefined || values.to !== undefined)) throw usageError(`choose one: --date ${values.date} (one day) or --from D --to D (a range), not both`)
  if (values.date !== undefined) return { from: values.date, to: values.date }
  if (values.from === undefined && values.to === undefined) return undefined
  if (values.from === undefined) throw usageError(`--to ${values.to} needs --from D too (the range's first day), or use --date ${values.to} for one day`)
  if (values.to === undefined) throw usageError(`--from ${values.from} needs --to D too (the range's last day, inclusive), or use --date ${values.from} for one day`)
  if (values.from > values.to) throw usageError(`--from ${values.from} is after --to ${values.to}`)
  const span = (Date.parse(`${values.to}T00:00:00Z`) - Date.parse(`${values.from}T00:00:00Z`)) / 86_400_000 + 1
  if (span > 36_600) throw usageError(`--from ${values.from} --to ${values.to} spans ${Math.round(span).toLocaleString('en-US')} days; a range may span at most 36,600 (100 years): use --date for far dates, or --historical`)
  return { from: values.from, to: values.to }
}
