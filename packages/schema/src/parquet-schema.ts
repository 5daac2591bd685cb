import type { Column, DatasetSchema } from './types.js'

/** A Parquet logical type annotation, in hyparquet's shape (the kinds Parquetry writes). */
export type ParquetLogicalType =
  | { type: 'STRING' }
  | { type: 'DATE' }
  | { type: 'JSON' }
  | { type: 'INTEGER'; bitWidth: 16 | 32 | 64; isSigned: true }
  | { type: 'TIMESTAMP'; isAdjustedToUTC: boolean; unit: 'MILLIS' | 'MICROS' }

/**
 * One Parquet schema element, in the shape hyparquet and hyparquet-writer use
 * (a structural copy, so this package depends on neither).
 */
export interface ParquetSchemaElement {
  name: string
  type?: 'BOOLEAN' | 'INT32' | 'INT64' | 'DOUBLE' | 'BYTE_ARRAY'
  repetition_type?: 'REQUIRED' | 'OPTIONAL'
  converted_type?: 'UTF8' | 'INT_16' | 'INT_32' | 'INT_64' | 'DATE' | 'TIMESTAMP_MICROS' | 'TIMESTAMP_MILLIS' | 'JSON'
  logical_type?: ParquetLogicalType
  num_children?: number
}

/**
 * The Parquet element of one column, with both annotations: the logical type
 * (what current readers go by) and the converted type the spec pairs with it
 * (what older readers go by), so that every reader agrees on every column.
 *
 * Timestamps are `TIMESTAMP(isAdjustedToUTC=false)` + `TIMESTAMP_MICROS` (or
 * MILLIS): the values are UTC wall-clock times, and marked this way DuckDB
 * reads them as `TIMESTAMP` (the seed's type; `true` makes it `TIMESTAMP WITH
 * TIME ZONE`), arrow-rs and polars as a timestamp without a zone, all showing
 * the same UTC digits (see the README's table of readers). Dates are INT32
 * days (DATE); int16 is INT32 annotated INT(16) (DuckDB SMALLINT).
 */
export function toParquetElement(column: Column): ParquetSchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED'
  const name = column.name
  switch (column.type) {
    case 'string':
      return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type }
    case 'boolean':
      return { name, type: 'BOOLEAN', repetition_type }
    case 'int16':
      return { name, type: 'INT32', converted_type: 'INT_16', logical_type: { type: 'INTEGER', bitWidth: 16, isSigned: true }, repetition_type }
    case 'int32':
      return { name, type: 'INT32', converted_type: 'INT_32', logical_type: { type: 'INTEGER', bitWidth: 32, isSigned: true }, repetition_type }
    case 'int64':
      return { name, type: 'INT64', converted_type: 'INT_64', logical_type: { type: 'INTEGER', bitWidth: 64, isSigned: true }, repetition_type }
    case 'double':
      return { name, type: 'DOUBLE', repetition_type }
    case 'date':
      return { name, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' }, repetition_type }
    case 'timestamp': {
      const millis = column.unit === 'millis'
      return {
        name,
        type: 'INT64',
        converted_type: millis ? 'TIMESTAMP_MILLIS' : 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: millis ? 'MILLIS' : 'MICROS' },
        repetition_type,
      }
    }
    case 'json':
      return { name, type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' }, repetition_type }
  }
}

/** The flat Parquet schema of a dataset: a root element, then one element per column. */
export function toParquetSchema(schema: DatasetSchema): ParquetSchemaElement[] {
  return [{ name: 'root', num_children: schema.columns.length }, ...schema.columns.map(toParquetElement)]
}
