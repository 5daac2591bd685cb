import { parseDateText } from '@parquetry/schema'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { usageError } from './usage-error.js'

/** One flag: how `node:util` parses it and how zod checks it, declared once. */
export interface FlagSpec<Schema extends z.ZodType = z.ZodType> {
  type: 'string' | 'boolean'
  multiple?: boolean
  schema: Schema
}

type Values<Spec extends Record<string, FlagSpec>> = { [Key in keyof Spec]: z.infer<Spec[Key]['schema']> }

const string = <Schema extends z.ZodType>(schema: Schema): FlagSpec<Schema> => ({ type: 'string', schema })
const boolean = (): FlagSpec<z.ZodDefault<z.ZodBoolean>> => ({ type: 'boolean', schema: z.boolean().default(false) })

/** A `--date`-style value: a real calendar date as YYYY-MM-DD. */
export const dateValue = z.string().refine((text) => typeof parseDateText(text) === 'number', 'expected a real date as YYYY-MM-DD')

/** Flags several commands share. */
export const commonFlags = {
  config: string(z.string().optional()),
  json: boolean(),
}

/** `--date D | --from D --to D`: see {@link dateRangeOf}. */
export const dateRangeFlags = {
  date: string(dateValue.optional()),
  from: string(dateValue.optional()),
  to: string(dateValue.optional()),
}

export const flag = { string, boolean, multiple: <Schema extends z.ZodType>(schema: Schema): FlagSpec<Schema> => ({ type: 'string', multiple: true, schema }) }

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
      options: Object.fromEntries(Object.entries(spec).map(([name, entry]) => [name, { type: entry.type, ...(entry.multiple ? { multiple: true } : {}) }])),
      strict: true,
      allowPositionals: options.positionals ?? true,
    })
  } catch (error) {
    throw usageError((error as Error).message)
  }
  const schema = z.object(Object.fromEntries(Object.entries(spec).map(([name, entry]) => [name, entry.schema])))
  const checked = schema.safeParse(parsed.values)
  if (!checked.success) {
    const issue = checked.error.issues[0]
    throw usageError(`--${issue?.path.join('.')}: ${issue?.message}`)
  }
  return { values: checked.data as Values<Spec>, positionals: parsed.positionals }
}

/**
 * The date range of `--date D` or `--from D --to D` (undefined when neither).
 *
 * @throws ParquetryError `USAGE` for both at once, a lone --from/--to, or --from after --to.
 */
export function dateRangeOf(values: { date?: string | undefined; from?: string | undefined; to?: string | undefined }): { from: string; to: string } | undefined {
  if (values.date !== undefined && (values.from !== undefined || values.to !== undefined)) throw usageError('choose --date or --from/--to')
  if (values.date !== undefined) return { from: values.date, to: values.date }
  if (values.from === undefined && values.to === undefined) return undefined
  if (values.from === undefined || values.to === undefined) throw usageError('--from and --to go together')
  if (values.from > values.to) throw usageError(`--from ${values.from} is after --to ${values.to}`)
  const span = (Date.parse(`${values.to}T00:00:00Z`) - Date.parse(`${values.from}T00:00:00Z`)) / 86_400_000 + 1
  if (span > 36_600) throw usageError(`--from ${values.from} --to ${values.to} spans ${Math.round(span).toLocaleString('en-US')} days; a range may span at most 36,600 (100 years): use --date for far dates, or --historical`)
  return { from: values.from, to: values.to }
}
