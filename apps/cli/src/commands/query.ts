import type { DuckDBValue } from '@duckdb/node-api'
import type { Project } from '@parquetry/pipeline'
import type { FileProblem, Querier } from '@parquetry/querier'
import { isParquetryError } from '@parquetry/schema'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { z } from 'zod'
import { commonFlags, dateRangeFlags, dateRangeOf, flag, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { writeRows } from '../output/formats.js'
import { formatLogLine } from '../output/log-line.js'
import { displayOutput, openQuerier, withProject } from '../project.js'
import { usageError } from '../usage-error.js'

export const queryUsage = `Usage: parquetry query "SQL" | --file FILE | - [--format table|csv|json|ndjson]
                       [--param name=value]... [--date D | --from D --to D] [--config FILE]

Runs SQL in DuckDB over the exported datasets: one view per dataset of the
config (the ops preset's are query_performance, index_recommendations,
query_perf_weekly, optimization_summary; a dataset of your own is its name),
hive keys typed, and the macros avg_query_time(days) and
slow_queries(threshold_ms). A view reads exactly the files its layout
renders; one DuckDB cannot read (truncated, not Parquet, damaged pages) is
left out when a query meets it, with a warning on stderr, and the query runs
over the rest. On an s3:// output the files a view needs are downloaded into
a cache keyed by ETag.

The SQL is the argument, the text of --file FILE, or standard input with -
(\`parquetry query - < report.sql\`). Several statements separated by ;
run in order, each result printed in turn — tables and CSVs a blank line
apart, JSON one array a line, NDJSON one row a line (a statement without
rows of its own — CREATE, INSERT, SET — prints nothing); --param needs a
single statement.

  --file FILE         read the SQL from FILE
  --param name=value  binds $name (repeatable); never pasted into the SQL.
                      The value is a number, true/false or null when it
                      reads as one, else text; text:VALUE forces text.
  --format F          table on a terminal, ndjson when piped (default);
                      ndjson of one statement streams, in flat memory.
                      A table rounds decimals to 2 places and fits the
                      terminal's width (cut values end in …); csv and json
                      keep every digit and character
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
  const { values, positionals } = parseFlags(args, { ...commonFlags, ...dateRangeFlags, ...formatFlag, file: flag.string(z.string().min(1, 'expected a file path').optional(), 'FILE'), param: flag.multiple(z.array(z.string()).default([])) })
  const sql = await sqlOf(values.file, positionals, io)
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
      // A view the SQL names that reads no file answers with no rows: say so, not silence.
      if (!io.quiet) {
        for (const view of querier.views) {
          if (view.files === 0 && new RegExp(`(^|[^A-Za-z0-9_])${view.view}($|[^A-Za-z0-9_])`, 'i').test(sql)) {
            io.stderr.write(`parquetry: ${view.view} reads no files: ${view.dataset} has none${range ? ` of ${range.from} to ${range.to}` : ''} under ${displayOutput(project.config.output, io.cwd)}\n`)
          }
        }
      }
      const format = values.json ? 'json' : (values.format ?? (io.stdout.isTTY ? 'table' : 'ndjson'))
      const bound = Object.keys(params).length > 0 ? params : undefined
      const bigint = values['bigint-strings'] ? 'string' : 'number'
      // NDJSON of one statement streams, batch by batch: memory stays flat however many rows.
      if (format === 'ndjson' && (await statementCount(querier, sql)) === 1) {
        for await (const batch of querier.stream(sql, bound, { bigint: 'bigint' })) {
          writeRows(io, batch, Object.keys(batch[0] ?? {}), 'ndjson', { bigint })
          // A slow reader (| gzip, | ssh) holds the stream back instead of the output piling up in memory.
          await io.stdout.drained?.()
        }
        return 0
      }
      // One result per statement, each printed in turn; a statement without columns (CREATE, SET) prints nothing.
      // Native bigints, in columns and inside lists and structs alike: the writer prints each with every digit.
      const results = await querier.queryAll(sql, bound, { bigint: 'bigint' })
      const shown = results.length === 1 ? results : results.filter((result) => result.returns === 'rows' && result.columns.length > 0)
      for (const [index, result] of shown.entries()) {
        // Tables and CSVs apart by a blank line; JSON is one array a line, NDJSON one row a line.
        if (index > 0 && (format === 'table' || format === 'csv')) io.stdout.write('\n')
        writeRows(io, result.rows, result.columns, format, { bigint })
      }
    } finally {
      writeProblems(io, project, querier.problems)
      querier.close()
    }
    return 0
  }, { reads: true })
}

/** The SQL to run: the one argument, the text of `--file`, or standard input for `-`. */
async function sqlOf(file: string | undefined, positionals: readonly string[], io: CliIo): Promise<string> {
  if (file !== undefined) {
    if (positionals.length > 0) throw usageError(`give the SQL either as an argument or with --file, not both (got --file ${file} and ${JSON.stringify(positionals[0])})`)
    try {
      return nonEmpty(await readFile(resolve(io.cwd, file), 'utf8'), `--file ${file}`)
    } catch (error) {
      if (isParquetryError(error)) throw error
      throw usageError(`--file ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
    }
  }
  if (positionals.length === 0) throw usageError('give the SQL to run: parquetry query "SELECT ...", --file FILE, or - to read it from standard input')
  if (positionals.length > 1) throw usageError(`give the SQL as one argument (quote it): got ${positionals.length} arguments, ${positionals.map((text) => JSON.stringify(text)).join(' ')}`)
  const [text] = positionals as [string]
  if (text !== '-') return nonEmpty(text, 'the SQL argument')
  if (!io.readStdin) throw usageError('- reads the SQL from standard input, which this run has none of')
  return nonEmpty(await io.readStdin(), 'standard input')
}

function nonEmpty(sql: string, where: string): string {
  if (sql.trim() === '') throw usageError(`${where} holds no SQL`)
  return sql
}

/** How many statements DuckDB reads in `sql` (0 when it cannot parse it: the query then reports why). */
async function statementCount(querier: Querier, sql: string): Promise<number> {
  try {
    return (await querier.connection.extractStatements(sql)).count
  } catch {
    return 0
  }
}
