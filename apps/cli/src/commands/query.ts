import type { DuckDBValue } from '@duckdb/node-api'
import type { Project } from '@parquetry/pipeline'
import type { FileProblem } from '@parquetry/querier'
import { z } from 'zod'
import { commonFlags, dateRangeFlags, dateRangeOf, flag, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { writeRows } from '../output/formats.js'
import { formatLogLine } from '../output/log-line.js'
import { openQuerier, withProject } from '../project.js'
import { usageError } from '../usage-error.js'

export const queryUsage = `Usage: parquetry query "SQL" [--format table|csv|json|ndjson] [--param name=value]...
                       [--date D | --from D --to D] [--config FILE]

Runs SQL in DuckDB over the exported datasets: one view per dataset of the
config (the ops preset's are query_performance, index_recommendations,
query_perf_weekly, optimization_summary; a dataset of your own is its name),
hive keys typed, and the macros avg_query_time(days) and
slow_queries(threshold_ms). A view reads exactly the files its layout
renders; one DuckDB cannot read (truncated, not Parquet, damaged pages) is
left out when a query meets it, with a warning on stderr, and the query runs
over the rest. On an s3:// output the files a view needs are downloaded into
a cache keyed by ETag.

  --param name=value  binds $name (repeatable); never pasted into the SQL.
                      The value is a number, true/false or null when it
                      reads as one, else text; text:VALUE forces text.
  --format F          table on a terminal, ndjson when piped (default)
  --bigint-strings    in JSON, BIGINT columns as strings; by default they are
                      numbers with every digit (exact past 2^53 in the text:
                      JSON.parse in JavaScript rounds such numbers, jq and
                      Python do not)
  --date D, --from D --to D   build the views from the files of these days only
`

/** A `--param` value, typed the way it reads. */
export function parseParamValue(text: string): DuckDBValue {
  if (text.startsWith('text:')) return text.slice(5)
  if (text === 'null') return null
  if (text === 'true' || text === 'false') return text === 'true'
  if (/^[+-]?\d+$/.test(text)) {
    const value = BigInt(text)
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value
  }
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text)
  return text
}

/**
 * Prints the files a querier left out of its views, one `[WARN]` line each
 * on stderr: `query:file_left_out dataset=query_perf file=/…/query_perf_20251028.parquet reason="…"`.
 */
export function writeProblems(io: CliIo, project: Project, problems: readonly FileProblem[]): void {
  for (const problem of problems) {
    io.stderr.write(`${formatLogLine('WARN', 'query:file_left_out', { dataset: problem.dataset, file: project.describe(problem.path), reason: problem.reason })}\n`)
  }
}

/** `--format` of the commands that print rows. */
export const formatFlag = { format: flag.string(z.enum(['table', 'csv', 'json', 'ndjson']).optional()), 'bigint-strings': flag.boolean() }

/** `parquetry query`. */
export async function runQueryCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...commonFlags, ...dateRangeFlags, ...formatFlag, param: flag.multiple(z.array(z.string()).default([])) })
  if (positionals.length !== 1) throw usageError('give exactly one SQL statement (quote it)')
  const range = dateRangeOf(values)
  const params: Record<string, DuckDBValue> = {}
  for (const entry of values.param) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(entry)
    if (!match) throw usageError(`--param ${JSON.stringify(entry)}: expected name=value`)
    params[match[1] as string] = parseParamValue(match[2] as string)
  }
  return withProject(io, values.config, async (project) => {
    const querier = await openQuerier(project, io, { range })
    try {
      const result = await querier.query(positionals[0] as string, Object.keys(params).length > 0 ? params : undefined)
      writeRows(io, result.rows, result.columns, values.json ? 'json' : values.format, { bigint: values['bigint-strings'] ? 'string' : 'number' })
    } finally {
      writeProblems(io, project, querier.problems)
      querier.close()
    }
    return 0
  })
}
