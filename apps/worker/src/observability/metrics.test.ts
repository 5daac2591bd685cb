import type { ExportDatasetResult, ExportFileResult } from '@parquetry/pipeline'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { describe, expect, it } from 'vitest'
import type { JobOutcome } from '../types.js'
import { WorkerMetrics } from './metrics.js'

function file(dataset: string, date: string, status: ExportFileResult['status'], rows: number, bytes: number, sourceBytes: number): ExportFileResult {
  const name = `${dataset}_${date.replaceAll('-', '')}.parquet`
  return { dataset, date, path: `${dataset}/${name}`, file: name, status, rows, bytes, sourceBytes, sources: [] }
}

function result(dataset: string, files: ExportFileResult[]): ExportDatasetResult {
  return { dataset, inputs: [], missing: [], files, rejects: [], rowsOutsideDates: 0, outsideDates: {}, failures: [], actions: [] }
}

function outcome(fields: Partial<JobOutcome> & Pick<JobOutcome, 'job' | 'status' | 'durationMs'>): JobOutcome {
  const finishedAt = fields.finishedAt ?? new Date('2025-10-29T03:00:00Z')
  return { attempt: 1, startedAt: new Date(finishedAt.getTime() - fields.durationMs), finishedAt, ...fields }
}

interface Sample {
  name: string
  labels: Record<string, string>
  value: string | undefined
}

/**
 * Every sample of the exposition, parsed by the Prometheus text parser.
 * The parser folds a labelled histogram into one sample and drops its labels
 * (its flattenMetrics), so histograms are read with their TYPE line removed:
 * their `_bucket`, `_sum` and `_count` series then come back as plain samples.
 */
function samples(text: string): Sample[] {
  const untyped = text.replace(/^# TYPE \S+ histogram$/gm, '')
  return parsePrometheusTextFormat(untyped).flatMap((family) =>
    family.metrics.map((metric) => ({ name: family.name, labels: metric.labels ?? {}, value: metric.value })),
  )
}

function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples(text).filter(
    (sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === JSON.stringify(Object.entries(labels).sort()),
  )
  expect(found.length).toBeLessThanOrEqual(1)
  return found[0] === undefined ? undefined : Number(found[0].value)
}

describe('WorkerMetrics', () => {
  it('exposes every dataset at 0 from the start, and the process metrics under the prefix', async () => {
    const metrics = new WorkerMetrics({ datasets: ['query_perf', 'pageviews'] })
    // prom-client counts process CPU from the metric's creation: some CPU must be spent before it is read
    // (read at once, it could be 0 — the clock ticks in milliseconds — and the check below was flaky).
    const start = process.cpuUsage()
    while (process.cpuUsage(start).user < 30_000) Math.sqrt(Math.random())
    const text = await metrics.text()
    for (const dataset of ['query_perf', 'pageviews']) {
      for (const status of ['success', 'failure', 'aborted', 'done-elsewhere']) {
        expect(value(text, 'parquetry_job_runs_total', { dataset, status })).toBe(0)
      }
      expect(value(text, 'parquetry_rows_written_total', { dataset })).toBe(0)
      expect(value(text, 'parquetry_bytes_written_total', { dataset })).toBe(0)
      expect(value(text, 'parquetry_files_written_total', { dataset })).toBe(0)
    }
    const families = parsePrometheusTextFormat(text)
    expect(families.find((family) => family.name === 'parquetry_compression_ratio')?.metrics).toEqual([])
    expect(families.find((family) => family.name === 'parquetry_job_failures_total')?.metrics).toEqual([])
    expect(value(text, 'parquetry_process_cpu_user_seconds_total')).toBeGreaterThan(0)
    expect(metrics.contentType).toBe('text/plain; version=0.0.4; charset=utf-8')
  })

  it('records attempts: runs, failures by code, rows, bytes and files written, ratio, durations, last success', async () => {
    const metrics = new WorkerMetrics({ datasets: ['query_perf', 'pageviews'] })
    const job = { dataset: 'query_perf', dates: ['2025-10-28'] }
    const firstSuccess = new Date('2025-10-29T03:00:10Z')
    const lastSuccess = new Date('2025-10-30T03:00:02Z')
    metrics.record(
      outcome({
        job,
        status: 'success',
        durationMs: 1500,
        finishedAt: firstSuccess,
        result: result('query_perf', [
          file('query_perf', '2025-10-27', 'written', 100, 1000, 10_000),
          file('query_perf', '2025-10-28', 'written', 200, 3000, 10_000),
          file('query_perf', '2025-10-26', 'skipped', 50, 500, 0),
        ]),
      }),
    )
    metrics.record(
      outcome({
        job,
        status: 'failure',
        attempt: 1,
        durationMs: 200,
        error: { code: 'SOURCE_READ_FAILED', message: 'csv: unterminated quote at line 812', transient: false },
        willRetryAt: new Date('2025-10-29T03:05:00Z'),
        result: result('query_perf', []),
      }),
    )
    metrics.record(
      outcome({ job, status: 'aborted', attempt: 2, durationMs: 3_000_000, error: { code: 'ABORTED', message: 'timed out', transient: true } }),
    )
    // Already exported: nothing written, so the ratio of the last attempt that wrote stays.
    metrics.record(
      outcome({
        job,
        status: 'success',
        durationMs: 40,
        finishedAt: lastSuccess,
        result: result('query_perf', [file('query_perf', '2025-10-28', 'skipped', 200, 3000, 10_000)]),
      }),
    )
    // A PostgreSQL day: input size unknown (sourceBytes 0), no ratio.
    metrics.record(
      outcome({
        job: { dataset: 'pageviews', dates: ['2025-10-28'] },
        status: 'success',
        durationMs: 700,
        result: result('pageviews', [file('pageviews', '2025-10-28', 'written', 10, 123, 0)]),
      }),
    )
    metrics.record(outcome({ job: { dataset: 'pageviews', dates: ['2025-10-29'] }, status: 'done-elsewhere', durationMs: 5 }))
    metrics.setStored('query_perf', 123_456_789, 365)
    metrics.setJobs(7, 2)

    const text = await metrics.text()
    expect(value(text, 'parquetry_job_runs_total', { dataset: 'query_perf', status: 'success' })).toBe(2)
    expect(value(text, 'parquetry_job_runs_total', { dataset: 'query_perf', status: 'failure' })).toBe(1)
    expect(value(text, 'parquetry_job_runs_total', { dataset: 'query_perf', status: 'aborted' })).toBe(1)
    expect(value(text, 'parquetry_job_runs_total', { dataset: 'query_perf', status: 'done-elsewhere' })).toBe(0)
    expect(value(text, 'parquetry_job_runs_total', { dataset: 'pageviews', status: 'success' })).toBe(1)
    expect(value(text, 'parquetry_job_runs_total', { dataset: 'pageviews', status: 'done-elsewhere' })).toBe(1)

    expect(value(text, 'parquetry_job_failures_total', { dataset: 'query_perf', code: 'SOURCE_READ_FAILED' })).toBe(1)
    expect(value(text, 'parquetry_job_failures_total', { dataset: 'query_perf', code: 'ABORTED' })).toBe(1)
    expect(samples(text).filter((sample) => sample.name === 'parquetry_job_failures_total')).toHaveLength(2)

    expect(value(text, 'parquetry_rows_written_total', { dataset: 'query_perf' })).toBe(300)
    expect(value(text, 'parquetry_bytes_written_total', { dataset: 'query_perf' })).toBe(4000)
    expect(value(text, 'parquetry_files_written_total', { dataset: 'query_perf' })).toBe(2)
    expect(value(text, 'parquetry_rows_written_total', { dataset: 'pageviews' })).toBe(10)
    expect(value(text, 'parquetry_bytes_written_total', { dataset: 'pageviews' })).toBe(123)
    expect(value(text, 'parquetry_files_written_total', { dataset: 'pageviews' })).toBe(1)

    // (1 - 4000 / 20000) * 100
    expect(value(text, 'parquetry_compression_ratio', { dataset: 'query_perf' })).toBeCloseTo(80, 10)
    expect(value(text, 'parquetry_compression_ratio', { dataset: 'pageviews' })).toBeUndefined()

    const histogram = parsePrometheusTextFormat(text).find((family) => family.name === 'parquetry_job_duration_seconds')
    expect(histogram?.type).toBe('HISTOGRAM')
    const success = { dataset: 'query_perf', status: 'success' }
    expect(value(text, 'parquetry_job_duration_seconds_count', success)).toBe(2)
    expect(value(text, 'parquetry_job_duration_seconds_sum', success)).toBeCloseTo(1.54, 10)
    expect(value(text, 'parquetry_job_duration_seconds_bucket', { ...success, le: '0.05' })).toBe(1)
    expect(value(text, 'parquetry_job_duration_seconds_bucket', { ...success, le: '1' })).toBe(1)
    expect(value(text, 'parquetry_job_duration_seconds_bucket', { ...success, le: '2.5' })).toBe(2)
    const aborted = { dataset: 'query_perf', status: 'aborted' }
    expect(value(text, 'parquetry_job_duration_seconds_count', aborted)).toBe(1)
    expect(value(text, 'parquetry_job_duration_seconds_bucket', { ...aborted, le: '1800' })).toBe(0)
    expect(value(text, 'parquetry_job_duration_seconds_bucket', { ...aborted, le: '3600' })).toBe(1)
    const buckets = samples(text)
      .filter((sample) => sample.name === 'parquetry_job_duration_seconds_bucket' && sample.labels.status === 'aborted')
      .map((sample) => sample.labels.le)
    expect(buckets[0]).toBe('0.05')
    expect(buckets.at(-2)).toBe('3600')
    expect(buckets.at(-1)).toBe('+Inf')

    expect(value(text, 'parquetry_last_success_timestamp_seconds', { dataset: 'query_perf' })).toBe(lastSuccess.getTime() / 1000)
    expect(value(text, 'parquetry_bytes_stored', { dataset: 'query_perf' })).toBe(123_456_789)
    expect(value(text, 'parquetry_files_stored', { dataset: 'query_perf' })).toBe(365)
    expect(value(text, 'parquetry_jobs', { state: 'queued' })).toBe(7)
    expect(value(text, 'parquetry_jobs', { state: 'active' })).toBe(2)
  })

  it('keeps the ratio of the last attempt that wrote files of known size', async () => {
    const metrics = new WorkerMetrics({ datasets: ['query_perf'] })
    const job = { dataset: 'query_perf', dates: ['2025-10-28'] }
    metrics.record(outcome({ job, status: 'success', durationMs: 1, result: result('query_perf', [file('query_perf', '2025-10-27', 'written', 1, 100, 1000)]) }))
    metrics.record(
      outcome({
        job,
        status: 'success',
        durationMs: 1,
        result: result('query_perf', [
          file('query_perf', '2025-10-28', 'written', 1, 250, 1000),
          // Unknown input size: left out of the ratio rather than counted as 0 bytes saved.
          file('query_perf', '2025-10-29', 'written', 1, 9999, 0),
        ]),
      }),
    )
    expect(value(await metrics.text(), 'parquetry_compression_ratio', { dataset: 'query_perf' })).toBeCloseTo(75, 10)
  })

  it('names every metric by the Prometheus conventions, under the given prefix, in a registry of its own', async () => {
    const metrics = new WorkerMetrics({ datasets: ['a'], prefix: 'pq_' })
    const other = new WorkerMetrics({ datasets: ['a'], prefix: 'pq_' })
    metrics.record(outcome({ job: { dataset: 'a', dates: ['2025-10-28'] }, status: 'success', durationMs: 1 }))
    const families = parsePrometheusTextFormat(await metrics.text())
    for (const family of families) {
      expect(family.name).toMatch(/^pq_[a-z0-9_]+[a-z]$/)
      if (family.type === 'COUNTER') expect(family.name).toMatch(/_total$/)
    }
    const ours = families.map((family) => family.name).filter((name) => !name.startsWith('pq_process_') && !name.startsWith('pq_nodejs_'))
    expect(ours.sort()).toEqual([
      'pq_bytes_stored',
      'pq_bytes_written_total',
      'pq_compression_ratio',
      'pq_files_stored',
      'pq_files_written_total',
      'pq_job_duration_seconds',
      'pq_job_failures_total',
      'pq_job_runs_total',
      'pq_jobs',
      'pq_last_success_timestamp_seconds',
      'pq_rows_written_total',
    ])
    expect(value(await metrics.text(), 'pq_job_runs_total', { dataset: 'a', status: 'success' })).toBe(1)
    expect(value(await other.text(), 'pq_job_runs_total', { dataset: 'a', status: 'success' })).toBe(0)
  })
})
