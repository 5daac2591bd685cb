import { ParquetryError, type ValueProblem } from '@parquetry/schema'
import { formatLocation, type NoticeCode, type RecordLocation } from '../types.js'

/** A record that did not make it: where it was, and why. */
export interface Reject {
  location: RecordLocation
  /** One line: the source's problem, or every bad value of the record. */
  reason: string
  /** The bad values, when the record parsed but did not fit the schema. */
  problems?: ValueProblem[]
  /** The offending text, bounded, when the source had it. */
  raw?: string
}

/** A line the source skipped as not data: where, and why. */
export interface Skip {
  location: RecordLocation
  reason: string
  raw?: string
}

/**
 * Something about an input that loses no record but may lose data (a header
 * column no column reads, a column the input lacks): a warning, never a reject.
 */
export interface Notice {
  code: NoticeCode
  location: RecordLocation
  reason: string
  /** The columns (or fields) concerned, as written. */
  columns: string[]
}

/** `query_perf_daily_20251028.csv:1: field cpu_tme_ms matches no column; its values are not exported`. */
export function formatNotice(notice: Notice): string {
  return `${formatLocation(notice.location)}: ${notice.reason}`
}

/** When rejects fail a run. */
export interface RejectPolicy {
  /** Largest share of rejected records (of all records read) that still passes. Default 0.01 (1%). */
  maxRatio?: number
  /** Largest number of rejected records that still passes. Default: no limit beyond the ratio. */
  maxCount?: number
}

/** `file.csv:812: column x: "fast": expected a number`. */
export function formatReject(reject: Reject): string {
  return `${formatLocation(reject.location)}: ${reject.reason}`
}

/**
 * Whether `rejected` of `total` records passes `policy`.
 *
 * @returns undefined when it passes, else the message of the failure.
 */
export function checkRejects(rejected: number, total: number, policy: RejectPolicy = {}): string | undefined {
  const maxRatio = policy.maxRatio ?? 0.01
  if (policy.maxCount !== undefined && rejected > policy.maxCount) return `${rejected} rejected records exceed the limit of ${policy.maxCount}`
  if (total > 0 && rejected / total > maxRatio) {
    return `${rejected} of ${total} records rejected (${((rejected / total) * 100).toFixed(2)}%), over the ${(maxRatio * 100).toFixed(2)}% threshold`
  }
  return undefined
}

/** Throws `REJECTS_EXCEEDED` when the rejects fail the policy, quoting the first ones. */
export function assertRejects(summary: { read: number; rejected: number; rejects: readonly Reject[] }, policy: RejectPolicy, name: string): void {
  const failure = checkRejects(summary.rejected, summary.read, policy)
  if (failure === undefined) return
  const examples = summary.rejects.slice(0, 3).map(formatReject).join('\n  ')
  throw new ParquetryError('REJECTS_EXCEEDED', `${name}: ${failure}; first:\n  ${examples}`, { details: { rejected: summary.rejected, read: summary.read } })
}
