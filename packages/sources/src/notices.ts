import type { NoticeCode, RecordLocation, SourceNotice } from './types.js'

/**
 * The reason of a notice about `columns`, the same whichever source saw it:
 * `field cpu_tme_ms matches no column; its values are not exported`,
 * `column cpu_time_ms is not in the input; it is NULL in every row`.
 */
export function noticeReason(code: NoticeCode, columns: readonly string[]): string {
  const list = columns.join(', ')
  const one = columns.length === 1
  switch (code) {
    case 'unknown-column':
      return one ? `field ${list} matches no column; its values are not exported` : `fields ${list} match no column; their values are not exported`
    case 'missing-column':
      return one ? `column ${list} is not in the input; it is NULL in every row` : `columns ${list} are not in the input; they are NULL in every row`
  }
}

/** A notice about `columns`, with its reason (and `detail` after it, in parentheses). */
export function columnNotice(code: NoticeCode, columns: readonly string[], location: RecordLocation, detail?: string): SourceNotice {
  const reason = noticeReason(code, columns)
  return { kind: 'notice', code, reason: detail ? `${reason} (${detail})` : reason, location, columns: [...columns] }
}
