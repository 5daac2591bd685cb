import { ParquetryError } from '@parquetry/schema'
import { validateOutputTemplate } from '@parquetry/partitioner'
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { opsDatasets } from '../ops/datasets.js'
import { configFileSchema, type ConfigFile, type ResolvedConfig } from './schema.js'

/** The config file name looked for in the working directory. */
export const CONFIG_FILE_NAME = 'parquetry.config.json'

const DEFAULT_OUTPUT = 'knowledge/optimize/parquet'
const FIVE_GIB = 5 * 1024 ** 3

/**
 * Validates a parsed config file and resolves it: defaults filled in (seed
 * 000's paths), relative paths made absolute against `baseDir` (the config
 * file's folder).
 *
 * @throws ParquetryError `CONFIG_INVALID` naming the field and the problem.
 */
export function resolveConfig(raw: unknown, options: { baseDir: string; path?: string }): ResolvedConfig {
  const where = options.path ?? 'config'
  const parsed = configFileSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const field = issue?.path.length ? issue.path.join('.') : '(top level)'
    throw new ParquetryError('CONFIG_INVALID', `${where}: ${field}: ${issue?.message ?? 'invalid'}`, { details: { issues: parsed.error.issues } })
  }
  const file: ConfigFile = parsed.data
  const baseDir = resolve(options.baseDir)
  const outputDir = resolve(baseDir, file.output ?? DEFAULT_OUTPUT)
  const datasets = opsDatasets.map((dataset) => {
    const settings = file.datasets?.[dataset.name] ?? {}
    const output = settings.output ?? dataset.output
    try {
      validateOutputTemplate(output)
    } catch (error) {
      throw new ParquetryError('CONFIG_INVALID', `${where}: datasets.${dataset.name}.output: ${(error as Error).message}`)
    }
    return {
      name: dataset.name,
      enabled: settings.enabled ?? true,
      inputDir: resolve(baseDir, settings.input ?? dataset.input),
      pattern: settings.pattern ?? dataset.pattern,
      output,
    }
  })
  return {
    path: options.path,
    baseDir,
    outputDir,
    timezone: file.timezone ?? 'UTC',
    codec: (file.codec ?? 'SNAPPY') as ResolvedConfig['codec'],
    rowGroupSize: file.rowGroupSize ?? 100_000,
    rejects: {
      maxRatio: file.rejects?.maxRatio ?? 0.01,
      maxCount: file.rejects?.maxCount,
      dir: resolve(baseDir, file.rejects?.dir ?? resolve(outputDir, '_rejects')),
    },
    sizeWarningBytes: file.sizeWarningBytes ?? FIVE_GIB,
    datasets,
  }
}

/**
 * Loads `parquetry.config.json`: the given path, else the one in `cwd`, else
 * the defaults (paths relative to `cwd`).
 *
 * @throws ParquetryError `CONFIG_INVALID` for a file that is missing (when named), not JSON, or invalid.
 */
export async function loadConfig(options: { path?: string; cwd: string }): Promise<ResolvedConfig> {
  const path = options.path ? resolve(options.cwd, options.path) : resolve(options.cwd, CONFIG_FILE_NAME)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !options.path) return resolveConfig({}, { baseDir: options.cwd })
    throw new ParquetryError('CONFIG_INVALID', `${path}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error })
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ParquetryError('CONFIG_INVALID', `${path}: not valid JSON (${(error as Error).message})`, { cause: error })
  }
  return resolveConfig(raw, { baseDir: dirname(path), path })
}

/** The starter config `parquetry init` writes: the seed's defaults, spelled out. */
export function starterConfig(): string {
  const datasets = Object.fromEntries(opsDatasets.map((dataset) => [dataset.name, { enabled: true, input: dataset.input, pattern: dataset.pattern, output: dataset.output }]))
  const config = {
    $schema: './node_modules/@parquetry/pipeline/parquetry.config.schema.json',
    output: DEFAULT_OUTPUT,
    timezone: 'UTC',
    codec: 'SNAPPY',
    rowGroupSize: 100_000,
    rejects: { maxRatio: 0.01 },
    sizeWarningBytes: FIVE_GIB,
    datasets,
  }
  return `${JSON.stringify(config, null, 2)}\n`
}
