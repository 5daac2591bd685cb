import { CONFIG_FILE_NAME, starterConfig } from '@parquetry/pipeline'
import { ParquetryError } from '@parquetry/schema'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { z } from 'zod'
import { flag, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'

export const initUsage = `Usage: parquetry init [--dir D] [--force]

Writes a starter ${CONFIG_FILE_NAME} into D (default: the current directory)
with seed 000's paths spelled out. Refuses to overwrite one without --force.
`

/** `parquetry init`. */
export async function runInitCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, { dir: flag.string(z.string().default('.')), force: flag.boolean() }, { positionals: false })
  const directory = resolve(io.cwd, values.dir)
  const path = join(directory, CONFIG_FILE_NAME)
  await mkdir(directory, { recursive: true })
  try {
    await writeFile(path, starterConfig(), { flag: values.force ? 'w' : 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new ParquetryError('CONFIG_INVALID', `${path} already exists (use --force to overwrite)`)
    throw error
  }
  io.stdout.write(`Wrote ${path}\n`)
  return 0
}
