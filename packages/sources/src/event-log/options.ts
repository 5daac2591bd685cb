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
  /** Lines that matched neither shape (each also reported as a problem). */
  unmatched: number
  /** Blank and `#` comment lines skipped. */
  skipped: number
}
