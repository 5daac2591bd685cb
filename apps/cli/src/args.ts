import { loadConfig, type ResolvedConfig } from '@parquetry/pipeline'
import { parseDateText } from '@parquetry/schema'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { z } from 'zod'
import type { CliIo } from './io.js'
import { usageError } from './usage-error.js'

/**
 * Parses a command's flags with node:util and validates them with zod.
 *
 * @throws ParquetryError `USAGE` naming the flag.
 */
export function parseCommandArgs<Schema extends z.ZodType>(
  args: readonly string[],
  options: NonNullable<ParseArgsConfig['options']>,
  schema: Schema,
): { values: z.infer<Schema>; positionals: string[] } {
  let parsed
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true })
  } catch (error) {
    throw usageError((error as Error).message)
  }
  const checked = schema.safeParse(parsed.values)
  if (!checked.success) {
    const issue = checked.error.issues[0]
    throw usageError(`--${issue?.path.join('.')}: ${issue?.message}`)
  }
  return { values: checked.data, positionals: parsed.positionals }
}

/** A `--date`-style flag: a real calendar date as YYYY-MM-DD. */
export const dateFlag = z.string().refine((text) => typeof parseDateText(text) === 'number', 'expected a real date as YYYY-MM-DD')

/** The config a command runs with: `--config FILE`, else ./parquetry.config.json, else the defaults. */
export function loadCliConfig(io: CliIo, path: string | undefined): Promise<ResolvedConfig> {
  return loadConfig({ cwd: io.cwd, ...(path ? { path } : {}) })
}

/** JSON.stringify that writes bigints as numbers' digits. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item))
}

/** `127 KB` style size. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`
}
