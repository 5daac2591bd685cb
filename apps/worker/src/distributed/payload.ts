import { ParquetryError } from '@parquetry/schema'
import type { Job } from '../types.js'

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string') return false
  const match = ISO_DATE.exec(value)
  if (!match) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/**
 * Checks a job (from a caller, or a pg-boss payload written by any worker)
 * and returns a clean copy. Throws `VALUE_INVALID` naming what is wrong.
 */
export function parseJob(value: unknown): Job {
  const fields = (value ?? {}) as { dataset?: unknown; dates?: unknown }
  if (typeof value !== 'object' || value === null || typeof fields.dataset !== 'string' || fields.dataset === '') {
    throw new ParquetryError('VALUE_INVALID', `distributed queue: a job needs a dataset name, got ${JSON.stringify(value)}`)
  }
  if (!Array.isArray(fields.dates) || fields.dates.length === 0) {
    throw new ParquetryError('VALUE_INVALID', `distributed queue: job of ${fields.dataset} needs at least one date, got ${JSON.stringify(fields.dates)}`)
  }
  for (const date of fields.dates) {
    if (!isIsoDate(date)) throw new ParquetryError('VALUE_INVALID', `distributed queue: job of ${fields.dataset} has a date that is not YYYY-MM-DD: ${JSON.stringify(date)}`)
  }
  return { dataset: fields.dataset, dates: [...(fields.dates as string[])] }
}
