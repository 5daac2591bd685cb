import { openProject, type Project } from '@parquetry/pipeline'
import { ParquetryError, wrapError } from '@parquetry/schema'
import { stat } from 'node:fs/promises'
import { isAbsolute, relative as relativePath } from 'node:path'
import type { Querier } from '@parquetry/querier'
import type { CliIo } from './io.js'

/**
 * Runs `work` with the project of `--config FILE` (else ./parquetry.config.json,
 * else the defaults), resolved against the directory the command runs in,
 * and closes it afterwards.
 */
export async function withProject<T>(io: CliIo, config: string | undefined, work: (project: Project) => Promise<T>, options: { reads?: boolean } = {}): Promise<T> {
  const project = await openProject({ cwd: io.cwd, ...(config ? { path: config } : {}), env: io.env, ...(io.now ? { now: io.now } : {}) })
  if (!io.quiet) io.stderr.write(`${configNote(project, io.cwd)}\n`)
  if (io.verbose && !io.quiet) io.stderr.write(settingsNote(project, io.cwd))
  try {
    if (options.reads) await checkOutputRoot(project, io)
    return await work(project)
  } finally {
    await project.close()
  }
}

/**
 * Before a command reads the output: a root that cannot be read is an error
 * (a file where the folder should be, no permission, an S3 bucket that is
 * not there), never "0 files"; a local root that does not exist yet is
 * noted (no export has written there) and reads as empty.
 *
 * @throws ParquetryError `STORAGE_FAILED` naming the output and why.
 */
export async function checkOutputRoot(project: Project, io: CliIo): Promise<void> {
  const { output } = project.config
  const shown = displayOutput(output, io.cwd)
  if (!output.startsWith('s3://')) {
    let info
    try {
      info = await stat(output)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') {
        if (!io.quiet) io.stderr.write(`parquetry: the output ${shown} does not exist yet, so there are no files to read (\`parquetry export\` writes them there)\n`)
        return
      }
      throw new ParquetryError('STORAGE_FAILED', `cannot read the output ${shown}: ${(error as Error).message}`, { cause: error })
    }
    if (!info.isDirectory()) throw new ParquetryError('STORAGE_FAILED', `the output ${shown} is a file, not a folder: point "output" in the config (or --config) at the folder the export writes to`)
    try {
      // One listed object is enough to know the folder can be read (no permission: EACCES here).
      for await (const _ of project.storage.list()) break
    } catch (error) {
      throw wrapError(error, 'STORAGE_FAILED', `cannot read the output ${shown}`)
    }
  }
  // On S3 the first listing a command makes fails as loudly (a missing bucket, refused
  // credentials: STORAGE_FAILED), and costs no request of its own here.
}

/**
 * Which config a command runs with, for stderr: the file (relative to where
 * the command was run), or — when there is none — that the defaults apply,
 * where they read and write, and how to write a config.
 */
export function configNote(project: Project, cwd: string): string {
  const { config } = project
  if (config.path) return `parquetry: config ${displayPath(config.path, cwd)}`
  const inputs = [...new Set(config.datasets.flatMap((dataset) => (dataset.kind === 'preset' || dataset.kind === 'custom' ? [displayPath(dataset.inputDir, cwd)] : [])))]
  return `parquetry: no parquetry.config.json in ${cwd}; using the defaults (inputs ${inputs.join(', ') || 'none'}, output ${displayOutput(config.output, cwd)}); run \`parquetry init\` to write one, or pass --config FILE`
}

/** The settings in force, one line each (`--verbose`). */
export function settingsNote(project: Project, cwd: string): string {
  const { config } = project
  const lines = [`output ${displayOutput(config.output, cwd)}`, `timezone ${config.timezone}`, `codec ${config.codec}, row groups of ${config.rowGroupSize.toLocaleString('en-US')} rows`]
  for (const dataset of config.datasets) {
    const from = dataset.kind === 'preset' || dataset.kind === 'custom' ? `from ${displayPath(dataset.inputDir, cwd)}` : 'from PostgreSQL'
    lines.push(`dataset ${dataset.name}${dataset.enabled ? '' : ' (disabled)'} ${from}`)
  }
  return lines.map((line) => `parquetry:   ${line}\n`).join('')
}

/** The output root as people read it: an s3:// URL as it is, a folder relative to where the command runs. */
export function displayOutput(output: string, cwd: string): string {
  return output.startsWith('s3://') ? output : displayPath(output, cwd)
}

function displayPath(path: string, cwd: string): string {
  const relative = relativePath(cwd, path)
  return relative === '' ? '.' : relative.startsWith('..') || isAbsolute(relative) ? path : `./${relative}`
}

/** The querier package, loaded only by the commands that query: DuckDB is a native library, and an export never needs it. */
export function loadQuerier(): Promise<typeof import('@parquetry/querier')> {
  return import('@parquetry/querier')
}

/** A querier over the project's files, with one view per dataset from the same definitions the export uses. */
export async function openQuerier(project: Project, io: CliIo, options: { range?: { from: string; to: string } | undefined; datasets?: readonly string[] } = {}): Promise<Querier> {
  const { Querier } = await loadQuerier()
  return Querier.create({
    storage: project.storage,
    layouts: project.layouts(options.datasets),
    ...(project.config.cacheDir ? { cacheDir: project.config.cacheDir } : {}),
    ...(options.range ? { range: options.range } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
  })
}
