import { opsDatasets } from '@parquetry/pipeline'
import { pageviewsSchema, toDuckDbDdl, toSchemaDocument } from '@parquetry/schema'
import { z } from 'zod'
import { parseCommandArgs } from '../args.js'
import type { CliIo } from '../io.js'
import { usageError } from '../usage-error.js'

export const schemaUsage = `Usage: parquetry schema [dataset] [--format json|duckdb]

Prints dataset schemas: --format json (default) is the seed's
parquet_schema.json; --format duckdb is CREATE TABLE statements.
Datasets: ${[...opsDatasets.map((dataset) => dataset.name), pageviewsSchema.name].join(', ')}.
`

/** `parquetry schema`. */
export async function runSchemaCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { format: { type: 'string' } }, z.object({ format: z.enum(['json', 'duckdb']).default('json') }))
  const all = [...opsDatasets.map((dataset) => dataset.schema), pageviewsSchema]
  if (positionals.length > 1) throw usageError('give at most one dataset')
  const chosen = positionals[0] === undefined ? all : all.filter((schema) => schema.name === positionals[0])
  if (chosen.length === 0) throw usageError(`unknown dataset ${JSON.stringify(positionals[0])}; known: ${all.map((schema) => schema.name).join(', ')}`)
  if (values.format === 'duckdb') io.stdout.write(`${chosen.map((schema) => toDuckDbDdl(schema)).join('\n\n')}\n`)
  else io.stdout.write(`${JSON.stringify(toSchemaDocument(chosen), null, 2)}\n`)
  return 0
}
