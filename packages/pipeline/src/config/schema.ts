import { parquetCodecs } from '@parquetry/writer'
import { z } from 'zod'
import { opsDatasets } from '../ops/datasets.js'

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** One dataset's settings; every field defaults to the seed's. */
export const datasetConfigSchema = z.strictObject({
  enabled: z.boolean().optional().describe('Export this dataset (default true).'),
  input: z.string().min(1).optional().describe("Folder of the input files, relative to this file's folder."),
  pattern: z
    .string()
    .min(1)
    .optional()
    .describe('Input file name, with date tokens: {yyyymmdd}, {date}, {yyyy} {mm} {dd}, {yyyyww} (ISO week).'),
  output: z.string().min(1).optional().describe('Output path under the output root, with {dataset} and date tokens; must end in .parquet.'),
})

const datasetsShape = Object.fromEntries(opsDatasets.map((dataset) => [dataset.name, datasetConfigSchema.optional()])) as Record<string, z.ZodOptional<typeof datasetConfigSchema>>

/** The `parquetry.config.json` file, as written by people. */
export const configFileSchema = z.strictObject({
  $schema: z.string().optional(),
  output: z.string().min(1).optional().describe("Root of the Parquet tree, relative to this file's folder (default knowledge/optimize/parquet)."),
  timezone: z
    .string()
    .refine(isTimeZone, 'not an IANA time zone')
    .optional()
    .describe('Time zone whose calendar decides date_partition and "yesterday" (default UTC).'),
  codec: z.enum(parquetCodecs as [string, ...string[]]).optional().describe('Parquet compression codec (default SNAPPY).'),
  rowGroupSize: z.number().int().positive().optional().describe('Rows per row group (default 100000).'),
  rejects: z
    .strictObject({
      maxRatio: z.number().min(0).max(1).optional().describe('Largest share of rejected rows per input file that still exports (default 0.01).'),
      maxCount: z.number().int().min(0).optional().describe('Largest number of rejected rows per input file that still exports (default: no limit).'),
      dir: z.string().min(1).optional().describe('Where rejected rows are written as NDJSON (default <output>/_rejects).'),
    })
    .optional(),
  sizeWarningBytes: z.number().int().positive().optional().describe('parquetry status warns above this many bytes stored (default 5 GiB).'),
  datasets: z.strictObject(datasetsShape).optional().describe('Per-dataset settings; absent datasets use the defaults.'),
})

/** The config file's type. */
export type ConfigFile = z.infer<typeof configFileSchema>

/** A dataset's settings after defaults, with absolute paths. */
export interface ResolvedDataset {
  name: string
  enabled: boolean
  inputDir: string
  pattern: string
  output: string
}

/** A loaded config: defaults filled in, paths absolute. */
export interface ResolvedConfig {
  /** The config file, or undefined when only defaults apply. */
  path: string | undefined
  /** The folder relative paths resolve against. */
  baseDir: string
  outputDir: string
  timezone: string
  codec: (typeof parquetCodecs)[number]
  rowGroupSize: number
  rejects: { maxRatio: number; maxCount: number | undefined; dir: string }
  sizeWarningBytes: number
  datasets: ResolvedDataset[]
}

/** The JSON Schema of `parquetry.config.json`, for editors. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(configFileSchema, { io: 'input' }) as Record<string, unknown>),
    title: 'Parquetry config (parquetry.config.json)',
  }
}
