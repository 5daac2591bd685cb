import { toJson } from '../args.js'
import { commonFlags, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { formatTable } from '../output/table.js'
import { openQuerier, withProject } from '../project.js'
import { writeProblems } from './query.js'

export const describeUsage = `Usage: parquetry describe [dataset...] [--json] [--config FILE]

Shows each dataset's schema as DuckDB reads it from the exported files
(with the typed hive keys of its layout), and how many files back its view:
every file's footer is checked, and one DuckDB cannot read is left out with
a warning on stderr.
`

/** `parquetry describe`. */
export async function runDescribeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, commonFlags)
  return withProject(io, values.config, async (project) => {
    // Unknown names fail here, naming the known datasets.
    const names = project.select(positionals.length > 0 ? positionals : project.datasets.map((dataset) => dataset.name)).map((dataset) => dataset.name)
    const querier = await openQuerier(project, io, { datasets: names })
    try {
      await querier.checkFiles({ datasets: names })
      const described = []
      for (const view of querier.views) described.push({ dataset: view.dataset, view: view.view, files: view.files, columns: await querier.describe(view.dataset) })
      if (values.json) io.stdout.write(`${toJson(described)}\n`)
      else
        for (const entry of described) {
          io.stdout.write(`${entry.dataset} (view ${entry.view}, ${entry.files} file${entry.files === 1 ? '' : 's'})\n${formatTable(entry.columns.map((column) => ({ column: column.name, type: column.type })))}\n`)
        }
    } finally {
      writeProblems(io, project, querier.problems)
      querier.close()
    }
    return 0
  }, { reads: true })
}
