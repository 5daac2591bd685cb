import { exportEventLines, formatLogLine, type ExportEvent, type LogLevel } from '@parquetry/pipeline'

/** Where the worker writes: seed 000's `parquet_export.log` (stdout) and `.err` (stderr). */
export interface WorkerOutput {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
}

/** The worker's log: seed 000's line format; INFO to stdout, WARN and ERROR to stderr. */
export interface WorkerLog {
  (level: LogLevel, event: string, fields: Record<string, string | number>): void
  /** An export event's lines, as the CLI prints them. */
  exportEvent(event: ExportEvent): void
}

/** A log over `output` whose clock is `now`. */
export function createWorkerLog(output: WorkerOutput, now: () => Date = () => new Date()): WorkerLog {
  const log = ((level, event, fields) => {
    const line = `${formatLogLine(level, event, fields, now())}\n`
    if (level === 'INFO') output.stdout.write(line)
    else output.stderr.write(line)
  }) as WorkerLog
  log.exportEvent = (event) => {
    for (const line of exportEventLines(event, now())) (line.stream === 'stdout' ? output.stdout : output.stderr).write(`${line.text}\n`)
  }
  return log
}
