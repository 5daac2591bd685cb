import type { DatasetSchema } from '@parquetry/schema'
import { readCsv, readEventLog, readJson, readJsonl, type CsvOptions, type EventLogOptions, type JsonlOptions, type JsonOptions } from '@parquetry/sources'
import type { FileReader } from '../inputs/file-inputs.js'

type ReaderOptions<Options> = Omit<Options, 'input' | 'name' | 'signal' | 'columns'>

/** A file format and its reader options (those of `readCsv`, `readJson`, `readJsonl`, `readEventLog`). */
export type FileFormat =
  | ({ format: 'csv' } & ReaderOptions<CsvOptions>)
  | ({ format: 'json' } & ReaderOptions<JsonOptions>)
  | ({ format: 'jsonl' } & ReaderOptions<JsonlOptions>)
  | ({ format: 'eventlog' } & ReaderOptions<EventLogOptions>)

/**
 * The reader of a file format for a schema: CSV headers are matched to the
 * schema's columns; JSON, JSONL and event-log records are taken as they come
 * (unknown keys are ignored by validation).
 */
export function fileReader(schema: DatasetSchema, options: FileFormat): FileReader {
  const { format, ...rest } = options
  switch (format) {
    case 'csv':
      return (source) => readCsv({ ...(rest as ReaderOptions<CsvOptions>), ...source, columns: schema.columns.map((column) => column.name) })
    case 'json':
      return (source) => readJson({ ...(rest as ReaderOptions<JsonOptions>), ...source })
    case 'jsonl':
      return (source) => readJsonl({ ...(rest as ReaderOptions<JsonlOptions>), ...source })
    case 'eventlog':
      return (source) => readEventLog({ ...(rest as ReaderOptions<EventLogOptions>), ...source })
  }
}
