import type { TextEncoding } from '../text/decode.js'
import type { SourceOptions } from '../types.js'

/** Options for {@link readJson}. */
export interface JsonOptions extends SourceOptions {
  /**
   * Dot path of the records array (`'recommendations'`, `'data.items'`).
   * Default: the document itself — each element of a top-level array is a
   * record, and a top-level object is one record.
   */
  records?: string
  /**
   * Fields of the object that holds the records array to copy onto every
   * record (a record's own field of the same name wins), e.g. a report's
   * `timestamp`.
   */
  inherit?: readonly string[]
  /** Field name → record key, applied after inheritance (`{ table: 'table_name' }`). */
  rename?: Readonly<Record<string, string>>
  /** Text encoding. Default `'auto'` (UTF-8 or UTF-16 by BOM). */
  encoding?: TextEncoding
  /**
   * Records held back while an inherited field has not been seen yet (it may
   * come after the array). Past this the read fails. Default 100,000.
   */
  maxBufferedRecords?: number
}
