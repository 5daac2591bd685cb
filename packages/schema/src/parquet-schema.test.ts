import { describe, expect, it } from 'vitest'
import { defineSchema } from './define-schema.js'
import { toParquetSchema } from './parquet-schema.js'
import { columnTypes } from './types.js'

describe('toParquetSchema', () => {
  it('annotates every column type with a logical type and the converted type the spec pairs with it', () => {
    const schema = defineSchema({
      name: 'every_type',
      columns: [
        ...columnTypes.map((type) => ({ name: type, type })),
        { name: 'ts_ms', type: 'timestamp', unit: 'millis', nullable: false },
      ],
    })
    expect(toParquetSchema(schema)).toEqual([
      { name: 'root', num_children: 10 },
      { name: 'string', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'OPTIONAL' },
      { name: 'boolean', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
      { name: 'int16', type: 'INT32', converted_type: 'INT_16', logical_type: { type: 'INTEGER', bitWidth: 16, isSigned: true }, repetition_type: 'OPTIONAL' },
      { name: 'int32', type: 'INT32', converted_type: 'INT_32', logical_type: { type: 'INTEGER', bitWidth: 32, isSigned: true }, repetition_type: 'OPTIONAL' },
      { name: 'int64', type: 'INT64', converted_type: 'INT_64', logical_type: { type: 'INTEGER', bitWidth: 64, isSigned: true }, repetition_type: 'OPTIONAL' },
      { name: 'double', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
      { name: 'date', type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' }, repetition_type: 'OPTIONAL' },
      {
        name: 'timestamp', type: 'INT64', converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' }, repetition_type: 'OPTIONAL',
      },
      { name: 'json', type: 'BYTE_ARRAY', converted_type: 'JSON', logical_type: { type: 'JSON' }, repetition_type: 'OPTIONAL' },
      {
        name: 'ts_ms', type: 'INT64', converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MILLIS' }, repetition_type: 'REQUIRED',
      },
    ])
  })
})
