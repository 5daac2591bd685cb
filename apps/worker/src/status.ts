import type { JobOutcome } from './types.js'
import type { Worker } from './worker.js'

const iso = (date: Date | undefined) => date?.toISOString() ?? null

function run(outcome: JobOutcome | undefined) {
  if (!outcome) return null
  const written = outcome.result?.files.filter((file) => file.status === 'written') ?? []
  return {
    dates: outcome.job.dates,
    status: outcome.status,
    attempt: outcome.attempt,
    startedAt: iso(outcome.startedAt),
    finishedAt: iso(outcome.finishedAt),
    durationMs: outcome.durationMs,
    filesWritten: written.length,
    rowsWritten: written.reduce((sum, file) => sum + file.rows, 0),
    filesSkipped: outcome.result?.files.filter((file) => file.status === 'skipped').length ?? 0,
    error: outcome.error ?? null,
    retryAt: iso(outcome.willRetryAt),
  }
}

/** `/status`: the worker, and per dataset its schedule, next run, running job, last run, last success and last error. */
export function workerStatus(worker: Worker) {
  return {
    worker: { id: worker.id, mode: worker.mode, startedAt: iso(worker.startedAt), now: iso(worker.clock.now()), jobs: worker.jobs },
    datasets: Object.fromEntries(
      [...worker.state].map(([name, state]) => [
        name,
        {
          schedule: state.schedule ?? null,
          nextRun: iso(state.nextRun),
          running: state.running ? { dates: state.running.dates, attempt: state.running.attempt, since: iso(state.running.since) } : null,
          queued: state.queued,
          lastRun: run(state.lastRun),
          lastSuccess: iso(state.lastSuccess),
          lastError: state.lastError ? { dates: state.lastError.dates, code: state.lastError.code, message: state.lastError.message, at: iso(state.lastError.at) } : null,
          waitingFor: state.waitingFor ?? null,
        },
      ]),
    ),
  }
}
