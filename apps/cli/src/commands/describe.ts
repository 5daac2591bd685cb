import { z } from 'zod'
import { parseCommandArgs, toJson } from '../args.js'
import type { CliIo } from '../io.js'
import { formatTable } from '../output/table.js'
import { openQuerier } from './querier-setup.js'

export const describeUsage = `Usage: parquetry describe [dataset] [--json] [--config FILE]

Shows each dataset's schema as DuckDB reads it from the exported files
(with the hive keys of the layout), and how many files back its view.
`

/** `parquetry describe`. */
export async function runDescribeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean' }, config: { type: 'string' } }, z.object({ json: z.boolean().default(false), config: z.string().optional() }))
  const { querier } = await openQuerier({ cwd: io.cwd, config: values.config })
  try {
    const views = positionals.length > 0 ? querier.views.filter((view) => positionals.includes(view.dataset) || positionals.includes(view.view)) : querier.views
    if (positionals.length > 0 && views.length === 0) await querier.describe(positionals[0] as string) // throws USAGE naming the known datasets
    const described = []
    for (const view of views) described.push({ dataset: view.dataset, view: view.view, files: view.files, columns: await querier.describe(view.dataset) })
    if (values.json) io.stdout.write(`${toJson(described)}\n`)
    else
      for (const entry of described) {
        io.stdout.write(`${entry.dataset} (view ${entry.view}, ${entry.files} file${entry.files === 1 ? '' : 's'})\n${formatTable(entry.columns.map((column) => ({ column: column.name, type: column.type })))}\n`)
      }
  } finally {
    querier.close()
  }
  return 0
}
