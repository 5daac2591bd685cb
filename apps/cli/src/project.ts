import { openProject, type Project } from '@parquetry/pipeline'
import type { Querier } from '@parquetry/querier'
import type { CliIo } from './io.js'

/**
 * Runs `work` with the project of `--config FILE` (else ./parquetry.config.json,
 * else the defaults), resolved against the directory the command runs in,
 * and closes it afterwards.
 */
export async function withProject<T>(io: CliIo, config: string | undefined, work: (project: Project) => Promise<T>): Promise<T> {
  const project = await openProject({ cwd: io.cwd, ...(config ? { path: config } : {}), env: io.env })
  try {
    return await work(project)
  } finally {
    await project.close()
  }
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
