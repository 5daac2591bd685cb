import type { DatasetSchema } from '@parquetry/schema'
import { readCsv, readEventLog, readJson, readJsonl, type CsvOptions, type EventLogOptions, type JsonlOptions, type JsonOptions } from '@parquetry/sources'
import type { FileReader } from '../inputs/file-inputs.js'

type ReaderOptions<Options> = Omit<Options, 'input' | 'name' | 'signal' | 'columns' | 'requiredColumns'>

/** A file format and its reader options (those of `readCsv`, `readJson`, `readJsonl`, `readEventLog`). */
export type FileFormat =
  | ({ format: 'csv' } & ReaderOptions<CsvOptions>)
  | ({ format: 'json' } & ReaderOptions<JsonOptions>)
  | ({ format: 'jsonl' } & ReaderOptions<JsonlOptions>)
  | ({ format: 'eventlog' } & ReaderOptions<EventLogOptions>)

/** What {@link fileReader} knows of the dataset beyond its schema. */
export interface FileReaderContext {
  /**
   * Columns the dataset computes from the row (the names of its `derive`),
   * which no input file holds. When given, CSV headers are matched to the
   * other columns only, and a header lacking one the schema declares not
   * nullable fails the input as soon as its header is read. Without it every
   * column is matched, and the same check happens in `validateRecords`
   * (which knows `derive`) at the first record.
   */
  computedColumns?: readonly string[]
}

/**
 * The reader of a file format for a schema: CSV headers are matched to the
 * schema's columns — header columns no column reads, and columns the header
 * lacks, are `notice` items; a header lacking a column the schema declares
 * not nullable fails the input with `SOURCE_READ_FAILED` (and so does any
 * mismatch with `strictHeader: true` in the format). JSON, JSONL and
 * event-log records are taken as they come (`validateRecords` notices keys
 * no column reads and columns no record has).
 */
export function fileReader(schema: DatasetSchema, options: FileFormat, context: FileReaderContext = {}): FileReader {
  const { format, ...rest } = options
  switch (format) {
    case 'csv': {
      const computed = new Set(context.computedColumns ?? [])
      const columns = schema.columns.filter((column) => !computed.has(column.name))
      const required = context.computedColumns ? { requiredColumns: columns.filter((column) => !column.nullable).map((column) => column.name) } : {}
      const names = columns.map((column) => column.name)
      return (source) => readCsv({ ...(rest as ReaderOptions<CsvOptions>), ...source, columns: names, ...required })
    }
    case 'json':
      return (source) => readJson({ ...(rest as ReaderOptions<JsonOptions>), ...source })
    case 'jsonl':
      return (source) => readJsonl({ ...(rest as ReaderOptions<JsonlOptions>), ...source })
    case 'eventlog':
      return (source) => readEventLog({ ...(rest as ReaderOptions<EventLogOptions>), ...source })
  }
}
