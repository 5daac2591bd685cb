import { CONFIG_FILE_NAME, CONFIG_SCHEMA_FILE_NAME, configJsonSchema, starterConfig } from '@parquetry/pipeline'
import { ParquetryError } from '@parquetry/schema'
import { makeDirectory } from '@parquetry/storage'
import { writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { flag, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'

export const initUsage = `Usage: parquetry init [--dir D] [--force]

Writes a starter ${CONFIG_FILE_NAME} into D (default: the current directory):
the four ops datasets with their paths spelled out (inputs g/reports and
knowledge/optimize, output knowledge/optimize/parquet), and beside it
${CONFIG_SCHEMA_FILE_NAME}, the JSON Schema its "$schema" names, so that an
editor completes and checks it. Refuses to overwrite a config without --force.
`

/** `parquetry init`. */
export async function runInitCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, { dir: flag.string(z.string().default('.'), 'a folder'), force: flag.boolean(), quiet: { ...flag.boolean(), short: 'q' }, verbose: flag.boolean() }, { positionals: false })
  const directory = resolve(io.cwd, values.dir)
  const path = join(directory, CONFIG_FILE_NAME)
  try {
    await makeDirectory(directory)
  } catch (error) {
    throw new ParquetryError('USAGE', `--dir ${values.dir}: cannot make the folder ${directory} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  }
  try {
    await writeFile(path, starterConfig(), { flag: values.force ? 'w' : 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ParquetryError('CONFIG_INVALID', `${path} already exists (use --force to overwrite)`)
    throw error
  }
  // The schema of this version of Parquetry, always current: rewritten on every init.
  const schemaPath = join(directory, CONFIG_SCHEMA_FILE_NAME)
  await writeFile(schemaPath, `${JSON.stringify(configJsonSchema(), null, 2)}\n`)
  io.stdout.write(`Wrote ${path}\nWrote ${schemaPath} (the JSON Schema editors check it with)\n`)
  return 0
}
