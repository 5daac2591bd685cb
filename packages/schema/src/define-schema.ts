import { z } from 'zod'
import { ParquetryError } from './errors.js'
import { fingerprintColumns } from './fingerprint.js'
import { bloomFilterColumnTypes, columnTypes, type Column, type ColumnDefinition, type DatasetSchema, type RowOf, type SchemaDefinition } from './types.js'

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/

/** zod schema of one column definition (exported for config files that embed schemas). */
export const columnDefinitionSchema = z.strictObject({
  name: z.string().regex(identifier, 'column names are letters, digits and underscores, not starting with a digit'),
  type: z.enum(columnTypes as [string, ...string[]]),
  nullable: z.boolean().optional(),
  description: z.string().optional(),
  unit: z.enum(['micros', 'millis']).optional(),
  emptyAsNull: z.boolean().optional(),
  bloomFilter: z.boolean().optional(),
})

/** zod schema of a whole schema definition. */
export const schemaDefinitionSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'dataset names are lower-case letters, digits and underscores'),
  version: z.number().int().positive().optional(),
  description: z.string().optional(),
  columns: z.array(columnDefinitionSchema).min(1, 'a schema needs at least one column'),
})

/**
 * Keys that neither a schema definition nor a column definition knows, typed
 * `never`: a misspelt option (`nulable: false`) fails to compile as it would
 * against `SchemaDefinition` itself, which a generic parameter alone lets through.
 */
type KnownKeysOnly<D extends SchemaDefinition> = { readonly [Key in Exclude<keyof D, keyof SchemaDefinition>]: never } & {
  readonly columns: readonly { readonly [Key in UnknownColumnKeys<D['columns'][number]>]?: never }[]
}

/** The keys of any of the columns `C` (a union) that `ColumnDefinition` does not know. */
type UnknownColumnKeys<C> = C extends unknown ? Exclude<keyof C, keyof ColumnDefinition> : never

/**
 * Validates a schema definition and fills in its defaults: `nullable` true,
 * `unit` `'micros'`, `emptyAsNull` true except for strings, `bloomFilter`
 * false, `version` 1. The result is frozen and carries its fingerprint.
 *
 * The schema's row type is inferred from a definition written in code
 * (`InferRow<typeof schema>`: `int64` → `bigint`, `nullable` columns
 * `| null`, …); a definition typed `SchemaDefinition` (read at run time)
 * gives `DatasetSchema<Row>`.
 *
 * @throws ParquetryError `SCHEMA_INVALID` naming the offending field.
 */
export function defineSchema<const D extends SchemaDefinition & KnownKeysOnly<D>>(definition: D): DatasetSchema<RowOf<D>> {
  const parsed = schemaDefinitionSchema.safeParse(definition)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? issue.path.join('.') : 'schema'
    throw new ParquetryError('SCHEMA_INVALID', `schema ${describeName(definition)}: ${where}: ${issue?.message ?? 'invalid'}`, {
      details: { issues: parsed.error.issues },
    })
  }
  const seen = new Set<string>()
  const columns: Column[] = []
  for (const column of definition.columns) {
    const key = column.name.toLowerCase()
    if (seen.has(key)) throw new ParquetryError('SCHEMA_INVALID', `schema ${definition.name}: duplicate column ${column.name}`)
    seen.add(key)
    if (column.unit !== undefined && column.type !== 'timestamp') {
      throw new ParquetryError('SCHEMA_INVALID', `schema ${definition.name}: column ${column.name}: unit applies only to timestamp columns`)
    }
    if (column.bloomFilter && !bloomFilterColumnTypes.includes(column.type)) {
      throw new ParquetryError('SCHEMA_INVALID', `schema ${definition.name}: column ${column.name}: bloomFilter applies to ${bloomFilterColumnTypes.join(', ')} columns, not ${column.type}`)
    }
    columns.push(
      Object.freeze({
        name: column.name,
        type: column.type,
        nullable: column.nullable ?? true,
        description: column.description ?? '',
        unit: column.unit ?? 'micros',
        emptyAsNull: column.emptyAsNull ?? column.type !== 'string',
        bloomFilter: column.bloomFilter ?? false,
      }),
    )
  }
  return Object.freeze({
    name: definition.name,
    version: definition.version ?? 1,
    description: definition.description ?? '',
    columns: Object.freeze(columns),
    fingerprint: fingerprintColumns(columns),
  })
}

function describeName(definition: { name?: unknown }): string {
  return typeof definition?.name === 'string' ? definition.name : '(unnamed)'
}

/** The column called `name` (exact match), or undefined. */
export function findColumn(schema: DatasetSchema, name: string): Column | undefined {
  return schema.columns.find((column) => column.name === name)
}
