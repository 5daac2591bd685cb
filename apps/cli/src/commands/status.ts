import { formatBytes, toJson } from '../args.js'
import { commonFlags, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { formatTable } from '../output/table.js'
import { withProject } from '../project.js'

export const statusUsage = `Usage: parquetry status [dataset...] [--json] [--config FILE]

Per dataset: the newest exported date, whether yesterday's file exists (the
seed's daily health check, yesterday in the config's time zone), file count,
bytes stored, rows and compression against the inputs. Warns when the tree is
over the configured size (5 GB by default). Works on a local folder or S3.
Exits 1 when yesterday's file is missing or a file cannot be read.
`

/** `parquetry status`. */
export async function runStatusCommand(args: string[], io: CliIo, now?: Date): Promise<number> {
  const { values, positionals } = parseFlags(args, commonFlags)
  return withProject(io, values.config, async (project) => {
    const report = await project.status({ ...(positionals.length > 0 ? { datasets: positionals } : {}), ...(now ? { now } : {}) })
    if (values.json) {
      io.stdout.write(`${toJson(report)}\n`)
    } else {
      const rows = report.datasets.map((dataset) => ({
        dataset: dataset.dataset,
        last_date: dataset.lastDate ?? '-',
        yesterday: `${dataset.yesterday.date} ${dataset.yesterday.exists ? 'ok' : 'MISSING'}`,
        files: dataset.files,
        size: formatBytes(dataset.bytes),
        rows: dataset.rows,
        avg_ratio: dataset.averageRatio === undefined ? '-' : `${dataset.averageRatio.toFixed(1)}%`,
      }))
      io.stdout.write(formatTable(rows, ['dataset', 'last_date', 'yesterday', 'files', 'size', 'rows', 'avg_ratio']))
      io.stdout.write(`total: ${formatBytes(report.totalBytes)} under ${project.config.output}\n`)
      for (const dataset of report.datasets) for (const path of dataset.unreadable) io.stderr.write(`parquetry status: ${dataset.dataset}: unreadable file ${path}\n`)
      for (const dataset of report.datasets) {
        for (const path of dataset.misplaced) io.stderr.write(`parquetry status: ${dataset.dataset}: ${path} holds rows of another date than its path's (not counted; parquetry verify says which)\n`)
      }
      for (const dataset of report.datasets) if (!dataset.yesterday.exists) io.stderr.write(`parquetry status: ${dataset.dataset}: yesterday's file ${dataset.yesterday.path} is missing\n`)
    }
    if (report.sizeWarning) io.stderr.write(`parquetry status: warning: ${report.sizeWarning}\n`)
    return report.ok ? 0 : 1
  })
}
