import { resolve } from 'node:path'
import { z } from 'zod'
import { toJson } from '../args.js'
import { commonFlags, flag, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { loadQuerier, withProject } from '../project.js'
import { writeProblems } from './query.js'

export const catalogUsage = `Usage: parquetry catalog --out FILE [--json] [--config FILE]

Writes a DuckDB database file holding the views and macros over the exported
datasets, so that the duckdb CLI, Grafana's DuckDB data source or any DuckDB
client opens them with no setup:  duckdb analytics.duckdb -c "SELECT * FROM slow_queries(250)"
Write it again after a dataset's first export (its view is empty until then).
Every file's footer is checked first: one DuckDB cannot read is left out of
its view, with a warning on stderr.
On an s3:// output the views read the files downloaded into the query cache.
`

/** `parquetry catalog`. */
export async function runCatalogCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseFlags(args, { ...commonFlags, out: flag.string(z.string().min(1)) }, { positionals: false })
  return withProject(io, values.config, async (project) => {
    const { writeCatalog } = await loadQuerier()
    const result = await writeCatalog({ storage: project.storage, layouts: project.layouts(), ...(project.config.cacheDir ? { cacheDir: project.config.cacheDir } : {}), path: resolve(io.cwd, values.out) })
    writeProblems(io, project, result.problems)
    if (values.json) io.stdout.write(`${toJson({ path: result.path, views: result.views.map(({ dataset, view, files }) => ({ dataset, view, files })) })}\n`)
    else {
      io.stdout.write(`Wrote ${result.path}\n`)
      for (const view of result.views) io.stdout.write(`  ${view.view.padEnd(22)} ${view.files} file${view.files === 1 ? '' : 's'}${view.files === 0 ? ' (empty until the first export)' : ''}\n`)
    }
    return 0
  }, { reads: true })
}
