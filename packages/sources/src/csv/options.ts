import type { TextEncoding } from '../text/decode.js'
import type { SourceOptions } from '../types.js'

/** Options for {@link readCsv}. */
export interface CsvOptions extends SourceOptions {
  /** Field delimiter. Default: detected among `,` `;` tab `|` from the start of the file. */
  delimiter?: string
  /** Quote character. Default `"`. */
  quote?: string
  /** Escape character inside quoted fields. Default: the quote itself (`""`, RFC 4180); `\\` for backslash escapes. */
  escape?: string
  /** Whether the first line is a header. Default true. */
  header?: boolean
  /**
   * The names records should carry (a schema's column names). Header names
   * are matched to them ignoring case, surrounding space, and space, `-` or
   * `.` versus `_`; without a header they name the fields by position.
   */
  columns?: readonly string[]
  /**
   * Columns the header must have (a schema's non-nullable columns, say): a
   * header lacking one fails the read with `SOURCE_READ_FAILED` naming the
   * line and the columns, before any record. Names as records carry them
   * (members of `columns` when given). Default: none.
   */
  requiredColumns?: readonly string[]
  /**
   * Whether a header that does not match `columns` exactly fails the read
   * (`SOURCE_READ_FAILED` naming the unknown and missing columns). Default
   * false: each mismatch is a `notice` item (`'unknown-column'`,
   * `'missing-column'`) and reading goes on.
   */
  strictHeader?: boolean
  /** Header name → column name, for headers that do not match by name. */
  rename?: Readonly<Record<string, string>>
  /** Records to skip before the header (a preamble such as a title line). Default 0. */
  skipRows?: number
  /** Text encoding. Default `'auto'` (BOM, else UTF-8). */
  encoding?: TextEncoding
  /**
   * Longest record accepted, in characters. A longer one (usually a quote
   * that is never closed) stops the read with its line. Default 16 MiB.
   */
  maxRecordLength?: number
}

/** What a CSV read learned about its file; filled in as reading proceeds. */
export interface CsvInfo {
  delimiter: string
  /** Line break the file uses: `\n` (LF or CRLF) or `\r` (CR only). */
  linebreak: '\n' | '\r'
  /** Names the fields were given, in file order (after matching and renames). */
  fields: string[]
  /** The header as written, when there is one. */
  header: string[] | undefined
  /** Header fields that match none of `columns` (their values are not passed on). */
  unknownColumns: string[]
  /** `columns` absent from the header (their values arrive as missing). */
  missingColumns: string[]
  /** Data records passed on. */
  records: number
  /** Problems reported (ragged rows, malformed quotes, ...). */
  problems: number
  /** Rows skipped as not data: the header line again further down (files joined together). */
  repeatedHeaders: number
  /** Preamble records skipped (`skipRows`). */
  skippedRows: number
  /** Blank lines skipped (in files of more than one column). */
  emptyLines: number
  /** Lines read, header included. */
  lines: number
}
