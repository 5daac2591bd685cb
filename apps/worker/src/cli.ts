import { isParquetryError, ParquetryError } from '@parquetry/schema'
import { parseArgs } from 'node:util'
import packageJson from '../package.json' with { type: 'json' }
import { systemClock, type Clock } from './clock.js'
import { startWorker } from './service.js'

export const workerUsage = `Usage: parquetry-worker [dataset...] [--config FILE] [--once]

Runs the config's datasets on their schedules (config "schedule" per dataset;
the ops datasets at 05:00 Asia/Bangkok, pageviews at 01:00 UTC): at start-up
and at each scheduled time, every closed day of the last worker.catchUpDays
that has input and is not exported yet, oldest first. Transient failures are
retried with backoff; each job has worker.timeoutSeconds (default 600).
With worker.queue set, jobs go through PostgreSQL (pg-boss) and any number
of workers share them, each (dataset, day) exported once.

  dataset...     only these datasets (default: every enabled one with a schedule)
  --once         run what is due now, then exit (for cron and CI)
  --config FILE  config file (default: ./parquetry.config.json, else built-in defaults)

Logs: one line per event, [TIMESTAMP] [LEVEL] export:parquet key=value...;
INFO on stdout, WARN and ERROR on stderr.
HTTP (worker.http, default 127.0.0.1:9464): /healthz /readyz /metrics /status.
SIGTERM or SIGINT: no new job; the running one may finish within
worker.graceSeconds (default 30), else it is aborted, keeping nothing partial;
exit 0. A second signal exits at once.
PARQUETRY_NOW=INSTANT (ISO, e.g. 2025-10-29T22:00:00Z): the worker's clock starts
there instead of now (for tests and dry rehearsals).

Exit status: 0 success (and after SIGTERM), 1 a job failed (--once) or start-up failed, 2 usage error.
`

/** Runs `parquetry-worker` with `argv`; resolves with the exit code once it has stopped. */
export async function runWorkerCli(argv: readonly string[], io: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  let values: { config?: string | undefined; once?: boolean | undefined; help?: boolean | undefined; version?: boolean | undefined }
  let positionals: string[]
  try {
    ;({ values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { config: { type: 'string' }, once: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } } }))
  } catch (error) {
    process.stderr.write(`parquetry-worker: ${(error as Error).message}\n\n${workerUsage}`)
    return 2
  }
  if (values.help) {
    process.stdout.write(workerUsage)
    return 0
  }
  if (values.version) {
    process.stdout.write(`${packageJson.version}\n`)
    return 0
  }
  const env = io.env ?? process.env
  let clock: Clock | undefined
  try {
    clock = clockFromEnv(env)
  } catch (error) {
    process.stderr.write(`parquetry-worker: ${(error as Error).message}\n`)
    return 2
  }
  const base = { cwd: io.cwd ?? process.cwd(), env, ...(clock ? { clock } : {}), ...(values.config ? { config: values.config } : {}), ...(positionals.length > 0 ? { datasets: positionals } : {}) }
  const controller = new AbortController()
  const stopping = new Promise<string>((resolve) => {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      process.on(signal, () => {
        if (controller.signal.aborted) process.exit(code)
        controller.abort(new Error(`stopped by ${signal}`))
        resolve(signal)
      })
    }
  })
  try {
    if (values.once) {
      const { ok } = await startWorker({ ...base, once: true, signal: controller.signal })
      return ok || controller.signal.aborted ? 0 : 1
    }
    const service = await startWorker(base)
    const signal = await stopping
    await service.stop({ reason: signal })
    return 0
  } catch (error) {
    const code = isParquetryError(error) ? error.code : 'INTERNAL'
    process.stderr.write(`parquetry-worker: ${error instanceof Error ? error.message : String(error)}\n`)
    return code === 'USAGE' ? 2 : 1
  }
}

const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/

/**
 * The clock `PARQUETRY_NOW` asks for (unset or empty: the system's): it starts at that instant
 * and runs on at the system clock's pace, so schedules, catch-up and "today" are decided as at
 * that moment while timeouts and retries still wait for real.
 *
 * @throws ParquetryError `USAGE` naming the value when it is not an ISO instant with its offset.
 */
function clockFromEnv(env: Readonly<Record<string, string | undefined>>): Clock | undefined {
  const value = env['PARQUETRY_NOW']
  if (value === undefined || value === '') return undefined
  const start = Date.parse(value)
  // Date.parse takes 2025-02-30 for 2 March: the calendar date must come back as written.
  const date = value.slice(0, 10)
  const valid = isoInstant.test(value) && !Number.isNaN(start) && new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) === date
  if (!valid) throw new ParquetryError('USAGE', `PARQUETRY_NOW ${JSON.stringify(value)}: expected an ISO instant with its offset, such as 2025-10-29T22:00:00Z`)
  const origin = performance.now()
  return { now: () => new Date(start + (performance.now() - origin)), sleep: systemClock.sleep }
}
