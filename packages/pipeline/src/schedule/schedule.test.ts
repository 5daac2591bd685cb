import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../config/load.js'
import { checkSchedule, nextRunOf } from './schedule.js'

const next = (cron: string, timezone: string, after: string, count: number) => {
  const runs: string[] = []
  let cursor = new Date(after)
  for (let index = 0; index < count; index++) {
    cursor = nextRunOf({ cron, timezone }, cursor) as Date
    runs.push(cursor.toISOString())
  }
  return runs
}

describe('schedules', () => {
  it('fire at the local time of their zone', () => {
    // Seed 000: 05:00 in Bangkok (UTC+7, no DST) is 22:00 UTC the day before.
    expect(next('0 5 * * *', 'Asia/Bangkok', '2025-10-28T00:00:00Z', 2)).toEqual(['2025-10-28T22:00:00.000Z', '2025-10-29T22:00:00.000Z'])
    // Seed 003: 01:00 UTC.
    expect(next('0 1 * * *', 'UTC', '2025-10-28T01:00:00Z', 1)).toEqual(['2025-10-29T01:00:00.000Z'])
  })

  it('keep local time across DST in America/New_York, once a day on the change days', () => {
    // March 8 2026: 02:00 EST becomes 03:00 EDT. 05:00 stays 05:00 local (10:00Z, then 09:00Z).
    expect(next('0 5 * * *', 'America/New_York', '2026-03-07T00:00:00Z', 3)).toEqual(['2026-03-07T10:00:00.000Z', '2026-03-08T09:00:00.000Z', '2026-03-09T09:00:00.000Z'])
    // 02:30 does not exist on March 8: it runs once, at 03:30 EDT, not skipped and not twice.
    expect(next('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 3)).toEqual(['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z'])
    // November 1 2026: 02:00 EDT becomes 01:00 EST. 01:30 happens twice: it runs once, at the first.
    expect(next('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 3)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z', '2026-11-03T06:30:00.000Z'])
    expect(next('0 5 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2)).toEqual(['2026-11-01T10:00:00.000Z', '2026-11-02T10:00:00.000Z'])
  })

  it('refuse a bad expression or zone up front, naming it', () => {
    expect(() => checkSchedule({ cron: '0 25 * * *', timezone: 'UTC' })).toThrow('cron expression "0 25 * * *" in UTC: Invalid value for hour: 25')
    // croner takes an unknown zone at construction and throws only at the first run: refused here at once.
    expect(() => checkSchedule({ cron: '0 5 * * *', timezone: 'Mars/Olympus' })).toThrow('time zone "Mars/Olympus" is not an IANA time zone')
    expect(() => checkSchedule({ cron: '0 0 5 * * *', timezone: 'UTC' })).toThrow('give 5 fields')
    expect(() => checkSchedule({ cron: '0 5 31 2 *', timezone: 'UTC' })).toThrow('0 5 31 2 *')
    expect(checkSchedule({ cron: ' 0  5 * * 1-5 ', timezone: 'UTC' })).toEqual({ cron: '0 5 * * 1-5', timezone: 'UTC' })
    expect(checkSchedule({ cron: '@daily', timezone: 'UTC' }).cron).toBe('@daily')
  })

  it('come from the config: the presets at the seeds\' times, others in the config zone, overridable, or off', () => {
    const config = resolveConfig(
      {
        timezone: 'Europe/Paris',
        datasets: {
          query_perf: {},
          index_advisor: { schedule: '30 6 * * *' },
          optimization_summary: { schedule: { cron: '0 7 * * *', timezone: 'UTC' } },
          query_perf_weekly: { schedule: false },
          pageviews: {},
          orders: { format: 'jsonl', input: 'in', pattern: 'o_{date}.jsonl', output: '{dataset}/{date}.parquet', dateColumn: 'day', columns: [{ name: 'day', type: 'date', nullable: false }] },
        },
      },
      { baseDir: '/tmp' },
    )
    expect(Object.fromEntries(config.datasets.map((dataset) => [dataset.name, dataset.schedule]))).toEqual({
      query_perf: { cron: '0 5 * * *', timezone: 'Asia/Bangkok' },
      index_advisor: { cron: '30 6 * * *', timezone: 'Europe/Paris' },
      optimization_summary: { cron: '0 7 * * *', timezone: 'UTC' },
      query_perf_weekly: undefined,
      pageviews: { cron: '0 1 * * *', timezone: 'UTC' },
      orders: { cron: '0 1 * * *', timezone: 'Europe/Paris' },
    })
    expect(() => resolveConfig({ datasets: { query_perf: { schedule: '0 5 * * * *' } } }, { baseDir: '/tmp', path: 'p.json' })).toThrow('p.json: datasets.query_perf.schedule: cron expression "0 5 * * * *": give 5 fields')
    expect(() => resolveConfig({ datasets: { pageviews: { schedule: { cron: '0 1 * * *', timezone: 'Nowhere/Land' } } } }, { baseDir: '/tmp', path: 'p.json' })).toThrow('p.json: datasets.pageviews.schedule: time zone "Nowhere/Land"')
  })

  it('the worker settings default to the seeds\' (10-minute timeout) and take the webhook from the environment', () => {
    const config = resolveConfig({}, { baseDir: '/tmp', env: {} })
    expect(config.worker).toEqual({
      http: { host: '127.0.0.1', port: 9464 },
      timeoutSeconds: 600,
      catchUpDays: 30,
      retries: { attempts: 5, delaySeconds: 30, maxDelaySeconds: 900 },
      graceSeconds: 30,
      webhook: undefined,
      queue: undefined,
    })
    const configured = resolveConfig({ worker: { http: false, queue: {}, webhook: { onSuccess: true } } }, { baseDir: '/tmp', env: { PARQUETRY_WEBHOOK_URL: 'https://hooks.example/T0/B0/secret' } })
    expect(configured.worker.http).toBeUndefined()
    expect(configured.worker.webhook).toEqual({ url: 'https://hooks.example/T0/B0/secret', onSuccess: true })
    expect(configured.worker.queue).toEqual({ connection: undefined, schema: 'parquetry_boss', ledgerTable: 'parquetry_worker_ledger' })
    expect(() => resolveConfig({ worker: { queue: { schema: 'x; drop' } } }, { baseDir: '/tmp', path: 'p.json' })).toThrow('p.json: worker.queue.schema')
  })
})
