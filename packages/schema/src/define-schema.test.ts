import { describe, expect, it } from 'vitest'
import { builtinSchemas, getBuiltinSchema } from './builtin/index.js'
import { defineSchema } from './define-schema.js'
import { toDuckDbDdl } from './duckdb-types.js'
import { toParquetSchema } from './parquet-schema.js'
import { createRowParser, parseRow } from './row-parser.js'
import { toSchemaDocument } from './schema-document.js'
import { queryPerfSchema } from './builtin/query-perf.js'
import { pageviewsSchema } from './builtin/pageviews.js'

describe('defineSchema', () => {
  it('fills in defaults and freezes the result', () => {
    const schema = defineSchema({ name: 'x', columns: [{ name: 'a', type: 'string' }, { name: 'b', type: 'timestamp' }] })
    expect(schema.version).toBe(1)
    expect(schema.columns).toEqual([
      { name: 'a', type: 'string', nullable: true, description: '', unit: 'micros', emptyAsNull: false, bloomFilter: false },
      { name: 'b', type: 'timestamp', nullable: true, description: '', unit: 'micros', emptyAsNull: true, bloomFilter: false },
    ])
    expect(Object.isFrozen(schema)).toBe(true)
  })
  it('rejects bad definitions with the field', () => {
    expect(() => defineSchema({ name: 'Bad Name', columns: [{ name: 'a', type: 'string' }] })).toThrow(/name: dataset names are lower-case/)
    expect(() => defineSchema({ name: 'x', columns: [{ name: 'a', type: 'varchar' as 'string' }] })).toThrow(/columns\.0\.type/)
    expect(() => defineSchema({ name: 'x', columns: [{ name: 'a', type: 'string' }, { name: 'A', type: 'int32' }] })).toThrow('duplicate column A')
    expect(() => defineSchema({ name: 'x', columns: [{ name: 'a', type: 'int32', unit: 'millis' }] })).toThrow('unit applies only to timestamp')
    expect(() => defineSchema({ name: 'x', columns: [] })).toThrow('at least one column')
    expect(() => defineSchema({ name: 'x', columns: [{ name: 'a', type: 'boolean', bloomFilter: true }] })).toThrow('schema x: column a: bloomFilter applies to string, int16, int32, int64, double, date, timestamp columns, not boolean')
    expect(() => defineSchema({ name: 'x', columns: [{ name: 'a', type: 'json', bloomFilter: true }] })).toThrow('not json')
    expect(() => defineSchema({ name: 'x', columns: [{ name: 'a', type: 'string', bloomFilter: 'yes' as never }] })).toThrow(/columns\.0\.bloomFilter/)
  })
  it('marks the columns people filter by for bloom filters, outside the fingerprint', () => {
    const marked = defineSchema({ name: 'x', columns: [{ name: 'slug', type: 'string', bloomFilter: true }, { name: 'n', type: 'int64' }] })
    const unmarked = defineSchema({ name: 'x', columns: [{ name: 'slug', type: 'string' }, { name: 'n', type: 'int64' }] })
    expect(marked.columns.map((column) => column.bloomFilter)).toEqual([true, false])
    expect(marked.fingerprint).toBe(unmarked.fingerprint)
    expect(pageviewsSchema.columns.filter((column) => column.bloomFilter).map((column) => column.name)).toEqual(['project_slug', 'path'])
    expect(queryPerfSchema.columns.filter((column) => column.bloomFilter).map((column) => column.name)).toEqual(['query_hash', 'table_name'])
    expect(builtinSchemas['query_perf_weekly']?.columns.filter((column) => column.bloomFilter).map((column) => column.name)).toEqual(['query_hash', 'table_name'])
    // The schema document says so on the marked columns only.
    const document = toSchemaDocument([pageviewsSchema])
    expect(document.datasets['pageviews']?.columns.filter((column) => column.bloom_filter).map((column) => column.name)).toEqual(['project_slug', 'path'])
    expect(document.datasets['pageviews']?.columns[0]).not.toHaveProperty('bloom_filter')
  })
  it('fingerprints the physical shape only, stably', () => {
    const one = defineSchema({ name: 'x', version: 1, columns: [{ name: 'a', type: 'int64', description: 'one' }] })
    const two = defineSchema({ name: 'y', version: 2, columns: [{ name: 'a', type: 'int64', description: 'two' }] })
    const three = defineSchema({ name: 'x', columns: [{ name: 'a', type: 'int64', nullable: false }] })
    expect(one.fingerprint).toBe(two.fingerprint)
    expect(one.fingerprint).not.toBe(three.fingerprint)
    expect(one.fingerprint).toMatch(/^fnv1a64:[0-9a-f]{16}$/)
    // A pinned value: a change here means every existing file looks foreign.
    expect(queryPerfSchema.fingerprint).toBe('fnv1a64:db5fe3b1f1054d93')
    expect(pageviewsSchema.fingerprint).toBe('fnv1a64:d2e25b4a03fb8074')
  })
})

describe('row parser', () => {
  it('parses a raw CSV record into typed values', () => {
    const parse = createRowParser(queryPerfSchema)
    const result = parse({
      timestamp: '2025-10-28T00:15:23Z', query_hash: 'a1b2c3', query_type: 'SELECT', execution_time_ms: '45.2', rows_examined: '1234',
      rows_returned: '10', cache_hit: 'false', table_name: 'embeddings', index_used: 'idx_namespace', date_partition: '2025-10-28',
    })
    expect(result).toEqual({
      ok: true,
      row: {
        timestamp: 1761610523000000n, query_hash: 'a1b2c3', query_type: 'SELECT', execution_time_ms: 45.2, rows_examined: 1234n,
        rows_returned: 10n, cache_hit: false, table_name: 'embeddings', index_used: 'idx_namespace', cpu_time_ms: null, io_wait_ms: null,
        date_partition: '2025-10-28',
      },
    })
  })
  it('reports every bad value of a record with column, value and reason', () => {
    const parse = createRowParser(pageviewsSchema)
    const result = parse({ id: 'x', project_id: '1', project_slug: 'pip', path: '/', view_count: '3', date: '2026-02-30', status: '200' })
    expect(result).toEqual({
      ok: false,
      problems: [
        { column: 'id', value: 'x', reason: 'expected an integer' },
        { column: 'date', value: '2026-02-30', reason: 'day 30 does not exist in 2026-02' },
      ],
    })
    expect(() => parseRow(pageviewsSchema, { id: '1' })).toThrow('pageviews: column project_id: undefined: a value is required (column is not nullable)')
  })
  it('can reject unknown keys', () => {
    const schema = defineSchema({ name: 'x', columns: [{ name: 'a', type: 'int32' }] })
    expect(createRowParser(schema, { unknownKeys: 'reject' })({ a: '1', b: '2' })).toEqual({
      ok: false, problems: [{ column: 'b', value: '2', reason: 'not a column of this schema' }],
    })
    expect(createRowParser(schema)({ a: '1', b: '2' })).toEqual({ ok: true, row: { a: 1 } })
  })
})

describe('mappings', () => {
  it('maps to the Parquet schema hyparquet-writer takes', () => {
    const int32 = { type: 'INTEGER', bitWidth: 32, isSigned: true }
    const int64 = { type: 'INTEGER', bitWidth: 64, isSigned: true }
    const string = { type: 'STRING' }
    expect(toParquetSchema(pageviewsSchema)).toEqual([
      { name: 'root', num_children: 10 },
      { name: 'id', type: 'INT64', converted_type: 'INT_64', logical_type: int64, repetition_type: 'REQUIRED' },
      { name: 'project_id', type: 'INT32', converted_type: 'INT_32', logical_type: int32, repetition_type: 'REQUIRED' },
      { name: 'project_slug', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: string, repetition_type: 'REQUIRED' },
      { name: 'version_id', type: 'INT32', converted_type: 'INT_32', logical_type: int32, repetition_type: 'OPTIONAL' },
      { name: 'version_slug', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: string, repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: string, repetition_type: 'REQUIRED' },
      { name: 'full_path', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: string, repetition_type: 'OPTIONAL' },
      { name: 'view_count', type: 'INT32', converted_type: 'INT_32', logical_type: int32, repetition_type: 'REQUIRED' },
      { name: 'date', type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' }, repetition_type: 'REQUIRED' },
      { name: 'status', type: 'INT32', converted_type: 'INT_16', logical_type: { type: 'INTEGER', bitWidth: 16, isSigned: true }, repetition_type: 'REQUIRED' },
    ])
  })
  it('writes DuckDB DDL', () => {
    expect(toDuckDbDdl(pageviewsSchema)).toContain('"status" SMALLINT NOT NULL')
    expect(toDuckDbDdl(pageviewsSchema)).toContain('"version_id" INTEGER,')
  })
  it('describes every built-in dataset in the schema document', () => {
    const document = toSchemaDocument(Object.values(builtinSchemas))
    expect(Object.keys(document.datasets)).toEqual(['query_perf', 'query_perf_weekly', 'index_advisor', 'optimization_summary', 'pageviews'])
    expect(document.datasets['query_perf']?.columns[0]).toEqual({
      name: 'timestamp', type: 'timestamp', duckdb_type: 'TIMESTAMP',
      parquet: { physical_type: 'INT64', converted_type: 'TIMESTAMP_MICROS', repetition: 'REQUIRED' },
      nullable: false, description: 'When the query ran (UTC).', unit: 'micros',
    })
    expect(getBuiltinSchema('pageviews')).toBe(pageviewsSchema)
    expect(getBuiltinSchema('toString')).toBeUndefined()
  })
})

describe('createRowParser (compiled per schema)', () => {
  it('parses columns of any name, __proto__ and quotes included, as own properties', () => {
    const schema = defineSchema({ name: 'odd', columns: [{ name: '__proto__', type: 'int32' }, { name: 'a', type: 'string' }] })
    const parse = createRowParser(schema)
    // JSON.parse makes __proto__ an own key, as a CSV header's record does.
    const result = parse(JSON.parse('{"__proto__": "5", "a": "x"}') as Record<string, unknown>)
    expect(result.ok).toBe(true)
    const row = (result as { row: Record<string, unknown> }).row
    expect(Object.keys(row)).toEqual(['__proto__', 'a'])
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype)
    expect(row['__proto__']).toBe(5)
    const fromJson = parse(JSON.parse('{"__proto__": "7", "a": "y"}') as Record<string, unknown>)
    expect(fromJson).toEqual({ ok: true, row: JSON.parse('{"__proto__": 7, "a": "y"}') })
  })

  it('reports every problem of a record in column order, then unknown keys', () => {
    const schema = defineSchema({ name: 'p', columns: [{ name: 'x', type: 'int32', nullable: false }, { name: 'y', type: 'double' }, { name: 'z', type: 'boolean' }] })
    const parse = createRowParser(schema, { unknownKeys: 'reject' })
    expect(parse({ x: '', y: 'fast', z: 'true', extra: 1 })).toEqual({
      ok: false,
      problems: [
        { column: 'x', value: '', reason: 'a value is required (column is not nullable)' },
        { column: 'y', value: 'fast', reason: 'expected a number' },
        { column: 'extra', value: 1, reason: 'not a column of this schema' },
      ],
    })
    expect(parse({ x: '1', y: '2.5' })).toEqual({ ok: true, row: { x: 1, y: 2.5, z: null } })
  })
})
