export { ParquetryError, isParquetryError, isTransientError, wrapError, describeValue } from './errors.js'
export type {
  CommonErrorDetails,
  ConfigInvalidDetails,
  ConflictDetails,
  ErrorIssue,
  LockedDetails,
  LockHolderDetails,
  ParquetryErrorCode,
  ParquetryErrorDetails,
  ParquetryErrorOptions,
  PathInvalidDetails,
  QueryFailedDetails,
  RejectsExceededDetails,
  RowInvalidDetails,
  SchemaInvalidDetails,
  SourceReadFailedDetails,
  StorageFailedDetails,
  ValueInvalidDetails,
  VerifyFailedDetails,
  VerifyProblemDetails,
  WriteFailedDetails,
} from './errors.js'
export { bloomFilterColumnTypes, columnTypes } from './types.js'
export type { Column, ColumnDefinition, ColumnType, ColumnValue, DatasetSchema, DeriveColumn, DeriveColumns, InferRow, Row, RowOf, RowOfColumns, SchemaDefinition, TimestampUnit, TypedValue } from './types.js'
export { defineSchema, findColumn, columnDefinitionSchema, schemaDefinitionSchema } from './define-schema.js'
export { fingerprintColumns, canonicalShape } from './fingerprint.js'
export { createCoercer, createRangeCoercer, NO_FIT, Rejection } from './coerce.js'
export type { Coercer, RangeCoercer } from './coerce.js'
export { createLineParser, createRowParser, parseRow, coerceValue, formatProblems } from './row-parser.js'
export type { LineParser, ParseResult, RowParser, RowParserOptions, ValueProblem } from './row-parser.js'
export { toParquetSchema, toParquetElement } from './parquet-schema.js'
export type { ParquetSchemaElement } from './parquet-schema.js'
export { toDuckDbType, toDuckDbColumns, toDuckDbDdl, quoteIdentifier } from './duckdb-types.js'
export { toSchemaDocument, toSchemaDocumentDataset } from './schema-document.js'
export type { SchemaDocument, SchemaDocumentDataset } from './schema-document.js'
export {
  daysFromCivil,
  civilFromDays,
  formatDate,
  formatTimestamp,
  parseDateText,
  parseTimestampText,
  timestampFromDate,
  dateOfTimestamp,
} from './temporal.js'
export { queryPerfSchema } from './builtin/query-perf.js'
export { queryPerfWeeklySchema } from './builtin/query-perf-weekly.js'
export { indexAdvisorSchema } from './builtin/index-advisor.js'
export { optimizationSummarySchema } from './builtin/optimization-summary.js'
export { pageviewsSchema } from './builtin/pageviews.js'
export { builtinSchemas, getBuiltinSchema } from './builtin/index.js'
export { closestWord } from './closest-word.js'
