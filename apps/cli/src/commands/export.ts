import { runExport, type DateSelection, type ExportEvent, type ExportFileResult, type ExportResult } from '@parquetry/pipeline'
import { formatLocation } from '@parquetry/sources'
import { z } from 'zod'
import { dateFlag, formatBytes, loadCliConfig, parseCommandArgs, toJson } from '../args.js'
import type { CliIo } from '../io.js'
import { formatLogLine } from '../output/log-line.js'
import { createProgressBar } from '../output/progress.js'
import { usageError } from '../usage-error.js'
import { printValidationQuery } from './validation-query.js'

export const exportUsage = `Usage: parquetry export [dataset...] [--date YYYY-MM-DD | --from D --to D | --historical]
                        [--dry-run] [--force] [--json] [--summary] [--timeout S] [--config FILE]

Exports the ops datasets (query_perf, query_perf_weekly, index_advisor,
optimization_summary) to partitioned Parquet, one file per dataset and day.

  dataset...     datasets to export (default: every enabled one)
  --date D       the day D (YYYY-MM-DD)
  --from D --to D  every day from D to D, inclusive
  --historical   every input present
                 (none of these: the latest input present)
  --dry-run      list what was found and what would be written; write nothing
  --force        rewrite files even when their inputs are unchanged
  --json         print one JSON result instead of log lines
  --summary      after exporting, print the seed's validation query over query_perf
  --timeout S    stop after S seconds (the seed's 10-minute limit: --timeout 600);
                 files not yet complete are discarded and the exit status is 1
  --config FILE  config file (default: ./parquetry.config.json, else built-in defaults)

Exit status: 0 success (skips included), 1 failure, 2 usage error.
`

const exportFlags = z.object({
  date: dateFlag.optional(),
  from: dateFlag.optional(),
  to: dateFlag.optional(),
  historical: z.boolean().default(false),
  'dry-run': z.boolean().default(false),
  force: z.boolean().default(false),
  json: z.boolean().default(false),
  summary: z.boolean().default(false),
  timeout: z.coerce.number().positive().optional(),
  config: z.string().optional(),
})

function selectionOf(values: z.infer<typeof exportFlags>): DateSelection {
  const chosen = [values.date !== undefined, values.from !== undefined || values.to !== undefined, values.historical].filter(Boolean).length
  if (chosen > 1) throw usageError('choose one of --date, --from/--to and --historical')
  if (values.date) return { kind: 'dates', from: values.date, to: values.date }
  if (values.from !== undefined || values.to !== undefined) {
    if (!values.from || !values.to) throw usageError('--from and --to go together')
    if (values.from > values.to) throw usageError(`--from ${values.from} is after --to ${values.to}`)
    return { kind: 'dates', from: values.from, to: values.to }
  }
  return values.historical ? { kind: 'historical' } : { kind: 'latest' }
}

/** `parquetry export`. */
export async function runExportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      date: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      historical: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      summary: { type: 'boolean' },
      timeout: { type: 'string' },
      config: { type: 'string' },
    },
    exportFlags,
  )
  const selection = selectionOf(values)
  const config = await loadCliConfig(io, values.config)
  const dryRun = values['dry-run']
  const progress = createProgressBar(io, { enabled: !values.json })
  const onEvent = values.json ? undefined : (event: ExportEvent) => printEvent(event, io, dryRun, progress)
  const controller = new AbortController()
  const timer = values.timeout ? setTimeout(() => controller.abort(), values.timeout * 1000) : undefined
  const result = await runExport({
    config,
    ...(positionals.length > 0 ? { datasets: positionals } : {}),
    selection,
    dryRun,
    force: values.force,
    signal: controller.signal,
    ...(onEvent ? { onEvent } : {}),
  }).finally(() => clearTimeout(timer))
  progress.done()
  if (values.json) {
    io.stdout.write(`${toJson(result)}\n`)
  } else {
    printSummary(result, io)
    if (values.summary && !dryRun) await printValidationQuery(io, config.outputDir)
  }
  return result.ok ? 0 : 1
}

function printEvent(event: ExportEvent, io: CliIo, dryRun: boolean, progress: ReturnType<typeof createProgressBar>): void {
  switch (event.type) {
    case 'progress':
      if (event.bytesRead < event.bytes) progress.update(`${event.dataset} ${event.identity}`, event.bytesRead, event.bytes)
      else progress.done()
      return
    case 'input':
      if (dryRun) io.stdout.write(`✓ Found ${event.identity.split('/').at(-1)} (${formatBytes(event.bytes)})\n`)
      return
    case 'missing':
      progress.done()
      io.stderr.write(`${formatLogLine('WARN', 'export:parquet', { dataset: event.dataset, missing: event.what })}\n`)
      return
    case 'rejects': {
      progress.done()
      const { rejects } = event
      io.stderr.write(
        `${formatLogLine(rejects.overThreshold ? 'ERROR' : 'WARN', 'export:parquet', {
          dataset: event.dataset,
          input: rejects.input,
          rejected: rejects.rejected,
          of: rejects.read,
          ...(rejects.rejectsFile ? { rejects_file: rejects.rejectsFile } : {}),
        })}\n`,
      )
      for (const reject of rejects.examples.slice(0, 5)) io.stderr.write(`  ${formatLocation(reject.location)}: ${reject.reason}\n`)
      if (rejects.rejected > 5) io.stderr.write(`  ... and ${rejects.rejected - 5} more\n`)
      return
    }
    case 'file':
      progress.done()
      printFile(event.file, io, dryRun)
      return
    case 'dataset-error':
      progress.done()
      io.stderr.write(`${formatLogLine('ERROR', 'export:parquet', { dataset: event.dataset, code: event.error.code, error: event.error.message })}\n`)
      return
  }
}

function printFile(file: ExportFileResult, io: CliIo, dryRun: boolean): void {
  if (dryRun) {
    if (file.status === 'skipped') io.stdout.write(`⊘ ${file.file} already exists, skipping\n`)
    else if (file.status === 'failed') io.stdout.write(`✗ ${file.file}: ${file.reason}\n`)
    else io.stdout.write(`→ Would create ${file.file} (${file.rows.toLocaleString('en-US')} rows)\n`)
    return
  }
  if (file.status === 'written') {
    io.stdout.write(
      `${formatLogLine('INFO', 'export:parquet', { file: file.file, rows: file.rows, compressed_kb: Math.round((file.bytes ?? 0) / 1024), ratio: `${(file.ratio ?? 0).toFixed(1)}%` })}\n`,
    )
  } else if (file.status === 'skipped') {
    io.stdout.write(`${formatLogLine('INFO', 'export:parquet', { file: file.file })} already exists, skipping\n`)
  } else {
    io.stderr.write(`${formatLogLine('ERROR', 'export:parquet', { file: file.file, rows: file.rows, error: file.reason ?? 'failed' })}\n`)
  }
}

function printSummary(result: ExportResult, io: CliIo): void {
  if (result.dryRun) {
    io.stdout.write('DRY RUN - no files written\n')
    return
  }
  const parts = [`${result.written} new file${result.written === 1 ? '' : 's'}`]
  if (result.skipped > 0) parts.push(`${result.skipped} skipped`)
  if (result.failed > 0) parts.push(`${result.failed} failed`)
  const errors = result.datasets.filter((dataset) => dataset.error).length
  if (errors > 0) parts.push(`${errors} dataset${errors === 1 ? '' : 's'} failed`)
  io.stdout.write(`${result.ok ? '✓ Export complete' : '✗ Export finished with failures'} (${parts.join(', ')}) in ${(result.durationMs / 1000).toFixed(1)} s\n`)
}
