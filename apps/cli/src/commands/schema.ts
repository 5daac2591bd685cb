import { getBuiltinSchema, toDuckDbDdl, toSchemaDocument, type DatasetSchema } from '@parquetry/schema'
import { z } from 'zod'
import { commonFlags, flag, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { withProject } from '../project.js'
import { usageError } from '../usage-error.js'

export const schemaUsage = `Usage: parquetry schema [dataset] [--format json|duckdb] [--config FILE]

Prints the schemas of the config's datasets (or of one dataset, which may
also be a built-in schema such as pageviews): --format json (default) is the
parquet_schema.json document (columns, types, nullability, descriptions);
--format duckdb is CREATE TABLE statements.
`

/** `parquetry schema`. */
export async function runSchemaCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { config: commonFlags.config, format: flag.string(z.enum(['json', 'duckdb']).default('json')) })
  if (positionals.length > 1) throw usageError('give at most one dataset')
  return withProject(io, values.config, async (project) => {
    const known = project.datasets.map((dataset) => dataset.schema)
    let chosen: DatasetSchema[] = known
    const name = positionals[0]
    if (name !== undefined) {
      const found = known.find((schema) => schema.name === name) ?? getBuiltinSchema(name)
      if (!found) throw usageError(`unknown dataset ${JSON.stringify(name)}; known: ${known.map((schema) => schema.name).join(', ')}`)
      chosen = [found]
    }
    if (values.format === 'duckdb') io.stdout.write(`${chosen.map((schema) => toDuckDbDdl(schema)).join('\n\n')}\n`)
    else io.stdout.write(`${JSON.stringify(toSchemaDocument(chosen), null, 2)}\n`)
    return 0
  })
}
