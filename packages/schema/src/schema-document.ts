import { toDuckDbType } from './duckdb-types.js'
import { toParquetElement } from './parquet-schema.js'
import type { DatasetSchema } from './types.js'

/** One dataset in a schema document (the seed's `parquet_schema.json`). */
export interface SchemaDocumentDataset {
  name: string
  version: number
  fingerprint: string
  description: string
  columns: {
    name: string
    type: string
    duckdb_type: string
    parquet: { physical_type: string; converted_type?: string; repetition: string }
    nullable: boolean
    description: string
    unit?: string
    /** Present (true) on the columns the schema marks for bloom filters. */
    bloom_filter?: true
  }[]
}

/** The whole schema document: every dataset, by name. */
export interface SchemaDocument {
  format: 'parquetry-schema'
  format_version: 1
  datasets: Record<string, SchemaDocumentDataset>
}

/** Describes one dataset for a schema document. */
export function toSchemaDocumentDataset(schema: DatasetSchema): SchemaDocumentDataset {
  return {
    name: schema.name,
    version: schema.version,
    fingerprint: schema.fingerprint,
    description: schema.description,
    columns: schema.columns.map((column) => {
      const element = toParquetElement(column)
      return {
        name: column.name,
        type: column.type,
        duckdb_type: toDuckDbType(column),
        parquet: {
          physical_type: element.type ?? 'BYTE_ARRAY',
          ...(element.converted_type ? { converted_type: element.converted_type } : {}),
          repetition: element.repetition_type ?? 'OPTIONAL',
        },
        nullable: column.nullable,
        description: column.description,
        ...(column.type === 'timestamp' ? { unit: column.unit } : {}),
        ...(column.bloomFilter ? { bloom_filter: true as const } : {}),
      }
    }),
  }
}

/**
 * The schema document for a set of datasets: the seed's `parquet_schema.json`,
 * stable across runs (datasets in the order given, no timestamps).
 */
export function toSchemaDocument(schemas: readonly DatasetSchema[]): SchemaDocument {
  const datasets: Record<string, SchemaDocumentDataset> = {}
  for (const schema of schemas) datasets[schema.name] = toSchemaDocumentDataset(schema)
  return { format: 'parquetry-schema', format_version: 1, datasets }
}
