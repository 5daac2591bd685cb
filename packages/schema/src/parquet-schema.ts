import type { Column, DatasetSchema } from './types.js'

/**
 * One Parquet schema element, in the shape hyparquet and hyparquet-writer use
 * (a structural copy, so this package depends on neither).
 */
export interface ParquetSchemaElement {
  name: string
  type?: 'BOOLEAN' | 'INT32' | 'INT64' | 'DOUBLE' | 'BYTE_ARRAY'
  repetition_type?: 'REQUIRED' | 'OPTIONAL'
  converted_type?: 'UTF8' | 'INT_16' | 'DATE' | 'TIMESTAMP_MICROS' | 'TIMESTAMP_MILLIS' | 'JSON'
  num_children?: number
}

/**
 * The Parquet element of one column.
 *
 * Timestamps use the TIMESTAMP_MICROS / TIMESTAMP_MILLIS converted type, which
 * the Parquet format defines as UTC-adjusted; DuckDB reads it as TIMESTAMP
 * (the seed's type), Arrow as `timestamp[us, tz=UTC]`. Dates are INT32 days
 * (DATE); int16 is INT32 annotated INT_16 (DuckDB SMALLINT).
 */
export function toParquetElement(column: Column): ParquetSchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED'
  switch (column.type) {
    case 'string':
      return { name: column.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type }
    case 'boolean':
      return { name: column.name, type: 'BOOLEAN', repetition_type }
    case 'int16':
      return { name: column.name, type: 'INT32', converted_type: 'INT_16', repetition_type }
    case 'int32':
      return { name: column.name, type: 'INT32', repetition_type }
    case 'int64':
      return { name: column.name, type: 'INT64', repetition_type }
    case 'double':
      return { name: column.name, type: 'DOUBLE', repetition_type }
    case 'date':
      return { name: column.name, type: 'INT32', converted_type: 'DATE', repetition_type }
    case 'timestamp':
      return {
        name: column.name,
        type: 'INT64',
        converted_type: column.unit === 'millis' ? 'TIMESTAMP_MILLIS' : 'TIMESTAMP_MICROS',
        repetition_type,
      }
    case 'json':
      return { name: column.name, type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type }
  }
}

/** The flat Parquet schema of a dataset: a root element, then one element per column. */
export function toParquetSchema(schema: DatasetSchema): ParquetSchemaElement[] {
  return [{ name: 'root', num_children: schema.columns.length }, ...schema.columns.map(toParquetElement)]
}
