import { formatLocation, formatNotice } from '@parquetry/sources'
import type { ExportEvent, ExportFileResult } from '../engine/types.js'
import { formatLogLine } from './log-line.js'

/** One line of an export's log and where it goes: seed 000's `.log` (stdout) or `.err` (stderr). */
export interface ExportLogLine {
  stream: 'stdout' | 'stderr'
  text: string
}

const info = (text: string): ExportLogLine => ({ stream: 'stdout', text })
const problem = (text: string): ExportLogLine => ({ stream: 'stderr', text })

/**
 * The log lines of an export event in seed 000's format
 * (`[TIMESTAMP] [LEVEL] export:parquet file=… rows=… compressed_kb=… ratio=…%`;
 * a file bigger than its input — a few rows, where Parquet's footer and
 * statistics outweigh the data — adds `input_bytes=… bytes=…`): written files and skips go to stdout, warnings and errors (with the first
 * located rejects) to stderr. Progress events have none. The CLI and the
 * worker log through it, so both logs read the same.
 */
export function exportEventLines(event: ExportEvent, now: Date = new Date()): ExportLogLine[] {
  const line = (level: 'INFO' | 'WARN' | 'ERROR', fields: Record<string, string | number>) => formatLogLine(level, 'export:parquet', fields, now)
  switch (event.type) {
    case 'progress':
    case 'input':
      return []
    case 'missing':
      return [problem(line('WARN', { dataset: event.dataset, missing: event.what }))]
    case 'rejects': {
      const { rejects } = event
      const lines: ExportLogLine[] = []
      if (rejects.rejected > 0) {
        lines.push(
          problem(
            line(rejects.overThreshold ? 'ERROR' : 'WARN', {
              dataset: event.dataset,
              input: rejects.input,
              rejected: rejects.rejected,
              of: rejects.read,
              ...(rejects.rejectsFile ? { rejects_file: rejects.rejectsFile } : {}),
            }),
          ),
        )
        for (const reject of rejects.examples.slice(0, 5)) lines.push(problem(`  ${formatLocation(reject.location)}: ${reject.reason}`))
        if (rejects.rejected > 5) lines.push(problem(`  ... and ${rejects.rejected - 5} more`))
      }
      for (const notice of rejects.notices) {
        lines.push(problem(`${line('WARN', { dataset: event.dataset, input: rejects.input, [notice.code === 'unknown-column' ? 'unknown_columns' : 'missing_columns']: notice.columns.join(',') })} ${formatNotice(notice)}`))
      }
      if (rejects.skipped > 0) {
        lines.push(problem(line('INFO', { dataset: event.dataset, input: rejects.input, skipped_lines: rejects.skipped })))
        for (const skip of rejects.skips.slice(0, 5)) lines.push(problem(`  ${formatLocation(skip.location)}: ${skip.reason}${skip.raw ? `: ${JSON.stringify(skip.raw)}` : ''}`))
        if (rejects.skipped > 5) lines.push(problem(`  ... and ${rejects.skipped - 5} more`))
      }
      return lines
    }
    case 'file':
      return fileLines(event.file, line)
    case 'failure':
      return [problem(line('ERROR', { dataset: event.dataset, ...(event.failure.input ? { input: event.failure.input } : {}), ...(event.failure.path ? { file: event.failure.path } : {}), code: event.failure.code, error: event.failure.message }))]
    case 'damaged':
      return [problem(line('WARN', { dataset: event.dataset, damaged: event.path, reason: event.reason }))]
    case 'rejects-removed':
      return [problem(line('INFO', { dataset: event.dataset, rejects_removed: event.path, reason: event.reason }))]
    case 'also':
      return [problem(line('INFO', { dataset: event.dataset, also_dates: event.dates.join(','), reason: event.reason }))]
    case 'action': {
      const { action } = event
      const fields = { dataset: event.dataset, [action.action.replaceAll('-', '_')]: action.date ?? '', ...(action.rows !== undefined ? { rows: action.rows } : {}) }
      return [problem(`${line(action.level === 'warn' ? 'WARN' : 'INFO', fields)} ${action.detail}`)]
    }
    case 'lock-wait':
      return [problem(line('INFO', { dataset: event.dataset, waiting_for: event.holder }))]
    case 'dataset-error':
      return [problem(line('ERROR', { dataset: event.dataset, code: event.error.code, error: event.error.message }))]
  }
}

function fileLines(file: ExportFileResult, line: (level: 'INFO' | 'WARN' | 'ERROR', fields: Record<string, string | number>) => string): ExportLogLine[] {
  switch (file.status) {
    case 'written':
      // The ratio only against inputs whose size is known (a day of a table has none). A file
      // bigger than its input (a few rows: Parquet's footer is a fixed cost) shows both sizes.
      return [
        info(
          line('INFO', {
            file: file.file,
            rows: file.rows,
            compressed_kb: Math.round((file.bytes ?? 0) / 1024),
            ...(file.sourceBytes > 0 ? { ratio: `${(file.ratio ?? 0).toFixed(1)}%` } : {}),
            ...(file.sourceBytes > 0 && (file.ratio ?? 0) < 0 ? { input_bytes: Math.round(file.sourceBytes), bytes: file.bytes ?? 0 } : {}),
          }),
        ),
      ]
    case 'skipped':
      return [info(`${line('INFO', { file: file.file })} already exists, skipping`)]
    case 'removed':
      return [info(line('INFO', { removed: file.path, reason: file.reason ?? '' }))]
    case 'would-write':
    case 'would-remove':
      return []
    case 'failed':
      return [problem(line('ERROR', { file: file.file, rows: file.rows, error: file.reason ?? 'failed' }))]
  }
}
