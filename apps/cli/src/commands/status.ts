import { formatBytes, toJson } from '../args.js'
import { commonFlags, dateValue, flag, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { formatTable } from '../output/table.js'
import type { DatasetStatus } from '@parquetry/pipeline'
import { withProject } from '../project.js'

export const statusUsage = `Usage: parquetry status [dataset...] [--as-of D] [--json] [--config FILE]

Per dataset: the newest exported date, whether the file it is due is there,
file count, bytes stored, rows and compression against the inputs. Warns when
the tree is over the configured size (5 GB by default). Works on a local
folder or S3.

What is due follows the dataset's cadence (its config "cadence", else its
input pattern): a daily dataset, yesterday's file (the daily health check,
yesterday in the config's time zone); a weekly one ({yyyyww} in its pattern),
a file in the last Monday-to-Sunday week that has ended; one whose input has
no date in its name (a report rewritten in place, an event log) has no
calendar: "per input".

--as-of D judges as if today were D (YYYY-MM-DD): \`--as-of 2025-11-01\` checks
the bundled October 2025 sample as on the day after its last file.

Exits 1 when a due file is missing or a file cannot be read.
`

/** `parquetry status`. */
export async function runStatusCommand(args: string[], io: CliIo, now?: Date): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...commonFlags, 'as-of': flag.string(dateValue.optional(), 'YYYY-MM-DD') })
  return withProject(io, values.config, async (project) => {
    const asOf = values['as-of']
    const report = await project.status({ ...(positionals.length > 0 ? { datasets: positionals } : {}), ...(now ? { now } : {}), ...(asOf ? { today: asOf } : {}) })
    if (values.json) {
      io.stdout.write(`${toJson(report)}\n`)
    } else {
      const rows = report.datasets.map((dataset) => ({
        dataset: dataset.dataset,
        last_date: dataset.lastDate ?? '-',
        due: dataset.due === undefined ? 'per input' : `${dataset.due.period.label} ${dataset.due.exists ? 'ok' : 'MISSING'}`,
        files: dataset.files,
        size: formatBytes(dataset.bytes),
        rows: dataset.rows,
        avg_ratio: dataset.averageRatio === undefined ? '-' : `${dataset.averageRatio.toFixed(1)}%`,
      }))
      io.stdout.write(formatTable(rows, ['dataset', 'last_date', 'due', 'files', 'size', 'rows', 'avg_ratio']))
      io.stdout.write(`total: ${formatBytes(report.totalBytes)} under ${project.config.output}\n`)
      for (const dataset of report.datasets) for (const path of dataset.unreadable) io.stderr.write(`parquetry status: ${dataset.dataset}: unreadable file ${path}\n`)
      for (const dataset of report.datasets) {
        for (const path of dataset.misplaced) io.stderr.write(`parquetry status: ${dataset.dataset}: ${path} holds rows of another date than its path's (not counted; parquetry verify says which)\n`)
      }
      for (const dataset of report.datasets) {
        const { due } = dataset
        if (!due || due.exists) continue
        const what = due.period.from === due.period.to ? `yesterday's file ${due.path} is missing` : `no file in ${due.period.label} (${due.period.from} to ${due.period.to}; its Monday's would be ${due.path})`
        io.stderr.write(`parquetry status: ${dataset.dataset}: ${what}${dataset.lastDate ? `; the newest is of ${dataset.lastDate}` : '; it has no file yet'}\n`)
      }
      const notes = smallFilesNotes(report.datasets)
      if (notes.length > 0) io.stdout.write(`\n${notes.join('\n')}\n`)
    }
    if (report.sizeWarning) io.stderr.write(`parquetry status: warning: ${report.sizeWarning}\n`)
    return report.ok ? 0 : 1
  }, { reads: true })
}

/**
 * Why a dataset's Parquet is bigger than its input, when it is: each file
 * carries a schema, statistics, a page index and a footer (1-3 KB) whatever
 * its rows, so files of a few rows cost more than their text.
 */
function smallFilesNotes(datasets: readonly DatasetStatus[]): string[] {
  const bigger = datasets.filter((dataset) => dataset.averageRatio !== undefined && dataset.averageRatio < 0 && dataset.files > 0)
  if (bigger.length === 0) return []
  const lines = bigger.map((dataset) => {
    const perFile = dataset.rows / dataset.files
    return `note: ${dataset.dataset}: ${formatBytes(dataset.inputBytes)} of input became ${formatBytes(dataset.bytes)} of Parquet in ${dataset.files} file${dataset.files === 1 ? '' : 's'} of ${Number.isInteger(perFile) ? perFile : perFile < 10 ? perFile.toFixed(1) : Math.round(perFile)} rows on average.`
  })
  return [
    ...lines,
    `  Every Parquet file carries its schema, column statistics, page index and footer (1-3 KB) whatever its`,
    `  rows, so a file of a few rows is bigger than its text. Nothing is wrong; merging a month of them into one`,
    `  file (the planned \`parquetry compact\`) makes them smaller than the input.`,
  ]
}
