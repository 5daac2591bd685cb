import { addDays, createLayout } from '@parquetry/partitioner'
import { getOpsPreset } from '@parquetry/pipeline'
import { queryPerfSchema } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { writeParquet } from '@parquetry/writer'
import { resolve } from 'node:path'
import { z } from 'zod'
import { generateQueryPerfDay, queryPerfCsv } from '../demo/generate-query-perf.js'
import { dateValue, flag, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { formatLogLine, formatRatio } from '../output/log-line.js'
import { formatTable } from '../output/table.js'
import { loadQuerier } from '../project.js'

export const demoUsage = `Usage: parquetry demo [--out DIR] [--days N] [--rows N] [--start YYYY-MM-DD] [--json]

Writes a sample query_perf dataset in the ops layout
(DIR/query_perf/year=YYYY/month=MM/query_perf_YYYYMMDD.parquet), then reads it
back with DuckDB and prints its schema and, per day, its queries and mean
and max execution ms.

  --out DIR           output root (default: ./parquetry-demo)
  --days N            how many days (default: 7)
  --rows N            rows per day (default: 1000)
  --start YYYY-MM-DD  first day (default: 2025-10-22)
  --json              print one JSON result instead of text
`

const demoFlags = {
  out: flag.string(z.string().min(1).default('parquetry-demo')),
  days: flag.string(z.coerce.number().int().min(1).max(366).default(7)),
  rows: flag.string(z.coerce.number().int().min(0).max(10_000_000).default(1000)),
  start: flag.string(dateValue.default('2025-10-22')),
  json: flag.boolean(),
}

/** `parquetry demo`: writes sample data and shows what DuckDB reads back. */
export async function runDemo(args: string[], io: CliIo): Promise<number> {
  const options = parseFlags(args, demoFlags, { positionals: false }).values
  const root = resolve(io.cwd, options.out)
  const storage = createLocalStorage({ root })
  // The ops preset's query_perf layout and view: the seed's.
  const preset = getOpsPreset('query_perf') as NonNullable<ReturnType<typeof getOpsPreset>>
  const layout = createLayout({ template: preset.output, dataset: preset.name })

  const files = []
  for (let offset = 0; offset < options.days; offset++) {
    const date = addDays(options.start, offset)
    const rows = generateQueryPerfDay({ date, rows: options.rows })
    const csvBytes = Buffer.byteLength(queryPerfCsv(rows))
    const path = layout.render(date)
    const name = path.split('/').at(-1) as string
    const result = await writeParquet({
      schema: queryPerfSchema,
      rows,
      sink: await storage.createSink(path),
      sources: [{ identity: `demo:query_perf_daily_${date.replaceAll('-', '')}.csv`, bytes: csvBytes }],
      ...(io.signal ? { signal: io.signal } : {}),
    })
    const ratio = formatRatio(csvBytes, result.bytes)
    files.push({ file: name, path: result.path, rows: result.rows, bytes: result.bytes, csv_bytes: csvBytes, ratio })
    if (!options.json) {
      io.stdout.write(
        formatLogLine('INFO', 'export:parquet', { file: name, rows: result.rows, compressed_kb: Math.round(result.bytes / 1024), ratio }) + '\n',
      )
    }
  }

  const { dailySummary, Querier } = await loadQuerier()
  const querier = await Querier.create({ storage, layouts: [{ name: preset.name, view: preset.view, schema: preset.schema, template: preset.output }] })
  try {
    const schemaRows = (await querier.describe(preset.name)).map((column) => ({ column_name: column.name, column_type: column.type }))
    const validationRows = (await dailySummary(querier)).map((row) => ({ ...row, avg_execution_ms: Math.round(row.avg_execution_ms * 100) / 100 }))
    if (options.json) {
      io.stdout.write(JSON.stringify({ root, files, schema: schemaRows, validation: validationRows }) + '\n')
    } else {
      const totalRows = files.reduce((sum, file) => sum + file.rows, 0)
      io.stdout.write(`\nWrote ${files.length} files, ${totalRows} rows, under ${root}/query_perf\n`)
      io.stdout.write(`\nDuckDB reads them back as:\n${formatTable(schemaRows)}`)
      io.stdout.write(`\nQueries per day, read back with DuckDB:\n${formatTable(validationRows)}`)
    }
  } finally {
    querier.close()
  }
  return 0
}
