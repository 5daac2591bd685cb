import type { TextEncoding } from '../text/decode.js'
import type { SourceOptions } from '../types.js'

/** Options for {@link readEventLog}. */
export interface EventLogOptions extends SourceOptions {
  /** Text encoding. Default `'auto'` (UTF-8, BOM removed). */
  encoding?: TextEncoding
}

/** What an event-log read saw; filled in as reading proceeds. */
export interface EventLogInfo {
  /** Lines that became records. */
  records: number
  /** Lines that are not events (free text, stack traces), each reported as a skip. */
  unmatched: number
  /** Lines meant as events that do not parse (each reported as a problem). */
  rejected: number
  /** Blank and `#` comment lines skipped. */
  skipped: number
}
