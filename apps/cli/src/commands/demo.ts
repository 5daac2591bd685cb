import { queryPerfSchema } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { writeParquet } from '@parquetry/writer'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { addDays } from '@parquetry/partitioner'
import { generateQueryPerfDay, queryPerfCsv } from '../demo/generate-query-perf.js'
import { dateFlag } from '../args.js'
import type { CliIo } from '../io.js'
import { formatLogLine, formatRatio } from '../output/log-line.js'
import { formatTable } from '../output/table.js'
import { usageError } from '../usage-error.js'
import { runValidationQuery } from './validation-query.js'

export const demoUsage = `Usage: parquetry demo [--out DIR] [--days N] [--rows N] [--start YYYY-MM-DD] [--json]

Writes a sample query_perf dataset in the seed's layout
(DIR/query_perf/year=YYYY/month=MM/query_perf_YYYYMMDD.parquet), then reads it
back with DuckDB and prints its schema and the seed's validation query.

  --out DIR           output root (default: ./parquetry-demo)
  --days N            how many days (default: 7)
  --rows N            rows per day (default: 1000)
  --start YYYY-MM-DD  first day (default: 2025-10-22)
  --json              print one JSON result instead of text
`

const demoOptionsSchema = z.object({
  out: z.string().min(1).default('parquetry-demo'),
  days: z.coerce.number().int().min(1).max(366).default(7),
  rows: z.coerce.number().int().min(0).max(10_000_000).default(1000),
  start: dateFlag.default('2025-10-22'),
  json: z.boolean().default(false),
})

/** `parquetry demo`: writes sample data and shows what DuckDB reads back. */
export async function runDemo(args: string[], io: CliIo): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args,
      options: { out: { type: 'string' }, days: { type: 'string' }, rows: { type: 'string' }, start: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values
  } catch (error) {
    throw usageError((error as Error).message)
  }
  const checked = demoOptionsSchema.safeParse(parsed)
  if (!checked.success) {
    const issue = checked.error.issues[0]
    throw usageError(`--${issue?.path.join('.')}: ${issue?.message}`)
  }
  const options = checked.data
  const root = resolve(io.cwd, options.out)
  const storage = createLocalStorage({ root })

  const files = []
  for (let offset = 0; offset < options.days; offset++) {
    const date = addDays(options.start, offset)
    const rows = generateQueryPerfDay({ date, rows: options.rows })
    const csvBytes = Buffer.byteLength(queryPerfCsv(rows))
    const [year, month, day] = date.split('-') as [string, string, string]
    const name = `query_perf_${year}${month}${day}.parquet`
    const result = await writeParquet({
      schema: queryPerfSchema,
      rows,
      sink: await storage.createSink(`query_perf/year=${year}/month=${month}/${name}`),
      sources: [{ identity: `demo:query_perf_daily_${year}${month}${day}.csv`, bytes: csvBytes }],
    })
    const ratio = formatRatio(csvBytes, result.bytes)
    files.push({ file: name, path: result.path, rows: result.rows, bytes: result.bytes, csv_bytes: csvBytes, ratio })
    if (!options.json) {
      io.stdout.write(
        formatLogLine('INFO', 'export:parquet', { file: name, rows: result.rows, compressed_kb: Math.round(result.bytes / 1024), ratio }) + '\n',
      )
    }
  }

  const { DuckDBInstance } = await import('@duckdb/node-api')
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    const glob = `${root}/query_perf/**/*.parquet`
    const described = (await connection.runAndReadAll('DESCRIBE SELECT * FROM read_parquet($1)', [glob])).getRowObjectsJson()
    const schemaRows = described.map((row) => ({ column_name: row['column_name'], column_type: row['column_type'] }))
    const validationRows = await runValidationQuery(root)
    if (options.json) {
      io.stdout.write(JSON.stringify({ root, files, schema: schemaRows, validation: validationRows }) + '\n')
    } else {
      const totalRows = files.reduce((sum, file) => sum + file.rows, 0)
      io.stdout.write(`\nWrote ${files.length} files, ${totalRows} rows, under ${root}/query_perf\n`)
      io.stdout.write(`\nDuckDB reads them back as:\n${formatTable(schemaRows)}`)
      io.stdout.write(`\nThe seed's validation query:\n${formatTable(validationRows)}`)
    }
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
  return 0
}
