import type { TextEncoding } from '../text/decode.js'
import type { SourceOptions } from '../types.js'

/** Options for {@link readJsonl}. */
export interface JsonlOptions extends SourceOptions {
  /** Field name → record key, applied to every record. */
  rename?: Readonly<Record<string, string>>
  /** Text encoding. Default `'auto'` (UTF-8, BOM removed). */
  encoding?: TextEncoding
  /** Longest line accepted, in bytes; a longer one is reported and skipped. Default 16 MiB. */
  maxLineLength?: number
}
