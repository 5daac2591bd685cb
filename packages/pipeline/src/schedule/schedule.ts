import { ParquetryError } from '@parquetry/schema'
import { Cron } from 'croner'
import { isTimeZone } from '../engine/zoned-date.js'

/** When a dataset is exported by `parquetry-worker`: a 5-field cron expression read in an IANA time zone. */
export interface Schedule {
  /** `minute hour day-of-month month day-of-week` (`0 5 * * *`), or a nickname (`@daily`). */
  cron: string
  /** IANA time zone the expression is read in (`Asia/Bangkok`). */
  timezone: string
}

/** Seed 000's schedule: 05:00 in Bangkok, an hour after the 04:00 optimizer. The ops datasets' default. */
export const OPS_SCHEDULE: Schedule = { cron: '0 5 * * *', timezone: 'Asia/Bangkok' }
/** Seed 003's Celery beat entry, `crontab(hour=1, minute=0)`: 01:00 UTC. The pageviews preset's default. */
export const PAGEVIEWS_SCHEDULE: Schedule = { cron: '0 1 * * *', timezone: 'UTC' }

const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'])

/**
 * Checks a schedule up front. croner accepts an unknown time zone when it is
 * constructed and throws only when it computes a run, so both are tried here:
 * a bad expression or zone is refused when the config loads, not at the first
 * run.
 *
 * @throws ParquetryError `CONFIG_INVALID` naming the expression or zone and what is wrong.
 */
export function checkSchedule(schedule: Schedule): Schedule {
  const cron = schedule.cron.trim().replace(/\s+/g, ' ')
  if (!isTimeZone(schedule.timezone)) throw new ParquetryError('CONFIG_INVALID', `time zone ${JSON.stringify(schedule.timezone)} is not an IANA time zone (for example UTC, Asia/Bangkok, America/New_York)`)
  const fields = cron.split(' ')
  if (!(fields.length === 5 || (fields.length === 1 && NICKNAMES.has(cron.toLowerCase())))) {
    throw new ParquetryError('CONFIG_INVALID', `cron expression ${JSON.stringify(schedule.cron)}: give 5 fields, minute hour day-of-month month day-of-week (for example "0 5 * * *"), or one of ${[...NICKNAMES].join(', ')}`)
  }
  try {
    const job = new Cron(cron, { timezone: schedule.timezone, paused: true })
    if (!job.nextRun(new Date())) throw new Error('it never fires')
  } catch (error) {
    throw new ParquetryError('CONFIG_INVALID', `cron expression ${JSON.stringify(schedule.cron)} in ${schedule.timezone}: ${(error as Error).message.replace(/^CronPattern: /, '')}`, { cause: error })
  }
  return { cron, timezone: schedule.timezone }
}

/** The first time strictly after `after` that `schedule` fires, or undefined when it never fires again. */
export function nextRunOf(schedule: Schedule, after: Date): Date | undefined {
  return new Cron(schedule.cron, { timezone: schedule.timezone, paused: true }).nextRun(after) ?? undefined
}
