import { compileDataset, exportEventLines, formatLogLine, type DatasetDefinition, type DateSelection, type ExportEvent, type ExportFileResult, type ExportResult, type Project } from '@parquetry/pipeline'
import { isParquetryError, ParquetryError } from '@parquetry/schema'
import { z } from 'zod'
import { formatBytes, toJson } from '../args.js'
import { commonFlags, dateRangeFlags, dateRangeOf, flag, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { createProgressBar } from '../output/progress.js'
import { formatTable } from '../output/table.js'
import { loadQuerier, openQuerier, withProject } from '../project.js'
import { usageError } from '../usage-error.js'

export const exportUsage = `Usage: parquetry export [dataset...] [--date YYYY-MM-DD | --from D --to D | --historical]
                        [--dry-run] [--force] [--delete-after-export] [--json] [--summary]
                        [--timeout S] [--wait S] [--config FILE]

Exports the config's datasets (default: the ops datasets query_perf,
query_perf_weekly, index_advisor, optimization_summary) to partitioned,
verified Parquet, locally or on S3. An unchanged rerun parses nothing and
writes nothing: "already exists, skipping".

  dataset...     datasets to export (default: every enabled one)
  --date D       the day D (YYYY-MM-DD)
  --from D --to D  every day from D to D, inclusive
  --historical   every input present (pageviews: every closed day in the table)
                 (none of these: the latest input present; pageviews: yesterday)
  --dry-run      list what was found and what would be written; write nothing
  --force        rewrite files even when their inputs are unchanged
  --delete-after-export
                 pageviews (PostgreSQL): once a day's objects read back with the
                 rows and view_count sum PostgreSQL gave, delete that day's rows
                 (re-checked in one transaction; every recorded day that still
                 verifies, not only this run's). Never on --dry-run.
  --json         print one JSON result instead of log lines
  --summary      after exporting, print per day of query_perf: queries, mean and
                 max execution ms (the check that the export reads back)
  --timeout S    stop after S seconds (the worker's default is 600, 10 minutes);
                 files not yet complete are discarded and the exit status is 1
  --wait S       when another export of a dataset is running (same output), wait up
                 to S seconds for it to finish (default 0: that dataset fails at
                 once, naming the other export)
  --config FILE  config file (default: ./parquetry.config.json, else built-in defaults)

Exit status: 0 success (skips included), 1 failure, 2 usage error.
`

const exportFlags = {
  ...commonFlags,
  ...dateRangeFlags,
  historical: flag.boolean(),
  'dry-run': flag.boolean(),
  force: flag.boolean(),
  'delete-after-export': flag.boolean(),
  summary: flag.boolean(),
  timeout: flag.string(z.coerce.number().positive().optional(), 'seconds'),
  wait: flag.string(z.coerce.number().nonnegative().optional(), 'seconds'),
}

function selectionOf(values: { date?: string | undefined; from?: string | undefined; to?: string | undefined; historical: boolean }): DateSelection {
  const range = dateRangeOf(values)
  if (range && values.historical) throw usageError('choose one of --date, --from/--to and --historical')
  if (range) return { kind: 'dates', ...range }
  return values.historical ? { kind: 'historical' } : { kind: 'latest' }
}

/** `parquetry export`. */
export async function runExportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, exportFlags)
  const selection = selectionOf(values)
  const dryRun = values['dry-run']
  return withProject(io, values.config, async (project) => {
    const progress = createProgressBar(io, { enabled: !values.json })
    const onEvent = values.json ? undefined : (event: ExportEvent) => printEvent(event, io, dryRun, progress)
    // A timeout aborts with a reason that names it: the messages of what it stopped say why.
    const timeout = values.timeout ? timeoutSignal(values.timeout) : undefined
    const signals = [io.signal, timeout].filter((signal): signal is AbortSignal => signal !== undefined)
    const result = await project.export({
      ...(positionals.length > 0 ? { datasets: positionals } : {}),
      selection,
      dryRun,
      force: values.force,
      ...(values['delete-after-export'] ? { deleteAfterExport: true } : {}),
      ...(values.wait !== undefined ? { lock: { waitMs: values.wait * 1000 } } : {}),
      ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
      ...(onEvent ? { onEvent } : {}),
    }).catch((error: unknown) => {
      progress.done()
      if (timeout?.aborted && isParquetryError(error, 'ABORTED')) throw timeout.reason as ParquetryError
      throw error
    })
    progress.done()
    if (values.json) {
      // The counts the text summary gives, under the same names: the two never disagree.
      io.stdout.write(`${toJson({ ...result, ...summaryCounts(result) })}\n`)
    } else {
      printSummary(result, io, values.config)
      if (values.summary && !dryRun) await printValidationQuery(project, io)
    }
    return result.ok ? 0 : 1
  })
}

/** Aborted after `seconds`, with an ABORTED error naming `--timeout`. */
function timeoutSignal(seconds: number): AbortSignal {
  const controller = new AbortController()
  const timer = setTimeout(() => {
    controller.abort(new ParquetryError('ABORTED', `stopped by --timeout ${seconds}: the export ran longer than ${seconds} s; files not yet complete were discarded (raise --timeout, or export fewer days at a time)`))
  }, seconds * 1000)
  // The timer never keeps the process alive once the export is over.
  timer.unref()
  return controller.signal
}

function printEvent(event: ExportEvent, io: CliIo, dryRun: boolean, progress: ReturnType<typeof createProgressBar>): void {
  if (event.type === 'progress') {
    if (event.bytesRead < event.bytes) progress.update(`${event.phase === 'digest' ? 'checking' : 'reading'} ${event.dataset} ${event.identity}`, event.bytesRead, event.bytes)
    else progress.done()
    return
  }
  if (event.type === 'input') {
    if (dryRun) io.stdout.write(`✓ Found ${event.identity.split('/').at(-1)} (${formatBytes(event.bytes)})\n`)
    return
  }
  progress.done()
  if (event.type === 'action' && event.action.action === 'would-delete') {
    io.stdout.write(`→ ${event.action.detail}\n`)
    return
  }
  if (event.type === 'file' && dryRun) {
    printDryRunFile(event.file, io)
    return
  }
  // Everything else reads as in the worker's log: seed 000's lines, info on stdout, problems on stderr.
  for (const line of exportEventLines(event)) (line.stream === 'stdout' ? io.stdout : io.stderr).write(`${line.text}\n`)
}

function printDryRunFile(file: ExportFileResult, io: CliIo): void {
  if (file.status === 'skipped') io.stdout.write(`⊘ ${file.file} already exists, skipping\n`)
  else if (file.status === 'failed') io.stdout.write(`✗ ${file.file}: ${file.reason}\n`)
  else if (file.status === 'would-remove') io.stdout.write(`→ Would remove ${file.path} (${file.reason})\n`)
  else io.stdout.write(`→ Would create ${file.file} (${file.rows.toLocaleString('en-US')} rows)\n`)
}

/** Rows whose dates were not selected: how many, which dates, and the command that exports them. */
function printOutside(result: ExportResult, io: CliIo, config: string | undefined): void {
  // The same config as this run, or the advice would run another project's export.
  const configFlag = config ? ` --config ${/^[\w./:@-]+$/.test(config) ? config : JSON.stringify(config)}` : ''
  for (const dataset of result.datasets) {
    const dates = Object.keys(dataset.outsideDates).sort()
    if (dates.length === 0) continue
    // Dates close together as one range each; far apart (a row dated 0001-01-01) as runs of their own.
    const day = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000
    const groups: string[][] = []
    for (const date of dates) {
      const last = groups.at(-1)
      if (last && day(date) - day(last.at(-1) as string) <= 31) last.push(date)
      else groups.push([date])
    }
    const command = groups
      .map((group) => `parquetry export ${dataset.dataset} ${group.length === 1 ? `--date ${group[0]}` : `--from ${group[0]} --to ${group.at(-1)}`}${configFlag}`)
      .join(' && ')
    io.stderr.write(`${formatLogLine('WARN', 'export:parquet', { dataset: dataset.dataset, rows_outside_dates: dataset.rowsOutsideDates, dates: dates.join(','), export_them_with: command })}\n`)
  }
}

/** What an export did, counted as its summary line says it. */
export function summaryCounts(result: ExportResult): { written: number; skipped: number; removed: number; failed: number; inputsUnreadable: number; sourceRowsDeleted: number; daysDeleted: number; datasetsFailed: number } {
  const deleted = result.datasets.flatMap((dataset) => dataset.actions).filter((action) => action.action === 'deleted')
  return {
    written: result.written,
    skipped: result.skipped,
    removed: result.datasets.reduce((sum, dataset) => sum + dataset.files.filter((file) => file.status === 'removed').length, 0),
    failed: result.failed,
    inputsUnreadable: result.datasets.reduce((sum, dataset) => sum + dataset.failures.filter((failure) => failure.input).length, 0),
    sourceRowsDeleted: deleted.reduce((sum, action) => sum + (action.rows ?? 0), 0),
    daysDeleted: deleted.length,
    datasetsFailed: result.datasets.filter((dataset) => dataset.error).length,
  }
}

function printSummary(result: ExportResult, io: CliIo, config: string | undefined): void {
  printOutside(result, io, config)
  if (result.dryRun) {
    io.stdout.write('DRY RUN - no files written\n')
    if (!result.ok) io.stderr.write(`✗ the dry run found problems (above): a real export would fail\n`)
    return
  }
  const counts = summaryCounts(result)
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`
  const parts = [plural(counts.written, 'new file')]
  if (counts.skipped > 0) parts.push(`${counts.skipped} skipped`)
  if (counts.removed > 0) parts.push(`${counts.removed} removed`)
  if (counts.failed > 0) parts.push(`${counts.failed} failed`)
  if (counts.inputsUnreadable > 0) parts.push(`${plural(counts.inputsUnreadable, 'input')} unreadable`)
  if (counts.daysDeleted > 0) parts.push(`${counts.sourceRowsDeleted.toLocaleString('en-US')} source rows deleted (${plural(counts.daysDeleted, 'day')})`)
  if (counts.datasetsFailed > 0) parts.push(`${plural(counts.datasetsFailed, 'dataset')} failed`)
  const line = `${result.ok ? '✓ Export complete' : '✗ Export finished with failures'} (${parts.join(', ')}) in ${(result.durationMs / 1000).toFixed(1)} s\n`
  // A failure is a diagnostic: stderr, where a script watching for errors looks.
  ;(result.ok ? io.stdout : io.stderr).write(line)
}

/** Seed 000's validation query (the querier's daily summary) over the query_perf files. */
async function printValidationQuery(project: Project, io: CliIo): Promise<void> {
  if (!project.datasets.some((dataset) => dataset.name === 'query_perf')) {
    io.stdout.write("\nThe summary (queries per day) reads the query_perf dataset, which this config does not export.\n")
    return
  }
  const { dailySummary } = await loadQuerier()
  const querier = await openQuerier(project, io, { datasets: ['query_perf'] })
  try {
    const rows = (await dailySummary(querier)).map((row) => ({ ...row, avg_execution_ms: Math.round(row.avg_execution_ms * 100) / 100 }))
    const folder = compileDataset(project.select(['query_perf'])[0] as DatasetDefinition).layout.prefix().replace(/\/$/, '')
    io.stdout.write(`\nQueries per day, read back with DuckDB from ${folder ? project.describe(folder) : project.config.output}:\n${rows.length > 0 ? formatTable(rows) : '(no query_perf files)\n'}`)
  } finally {
    querier.close()
  }
}
