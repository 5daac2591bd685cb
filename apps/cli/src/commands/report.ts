import { addDays } from '@parquetry/partitioner'
import { z } from 'zod'
import { commonFlags, dateValue, flag, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { writeRows } from '../output/formats.js'
import { loadQuerier, openQuerier, withProject } from '../project.js'
import { usageError } from '../usage-error.js'
import { formatFlag, writeProblems } from './query.js'

export const reportUsage = `Usage: parquetry report <name> [--format table|csv|json|ndjson] [--config FILE]

Reports over query_perf:
  daily-summary   the seed's validation query: per day, queries, mean and max ms  [--limit N]
  slow-queries    queries slower than a threshold, slowest first      [--threshold MS] [--limit N]
  weekly-trend    per day of the 7 days ending a date (default: today in the config's time zone)  [--end YYYY-MM-DD]

A file DuckDB cannot read is left out, with a warning on stderr.
`

/** `parquetry report`. */
export async function runReportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    ...commonFlags,
    ...formatFlag,
    limit: flag.string(z.coerce.number().int().positive().optional()),
    threshold: flag.string(z.coerce.number().nonnegative().optional()),
    end: flag.string(dateValue.optional()),
  })
  const name = positionals[0]
  if (positionals.length !== 1 || !['daily-summary', 'slow-queries', 'weekly-trend'].includes(name as string)) {
    throw usageError(`choose one report: daily-summary, slow-queries, weekly-trend${name ? ` (not ${JSON.stringify(name)})` : ''}`)
  }
  return withProject(io, values.config, async (project) => {
    // The weekly trend names a 7-day range: its views list those days' files from the layout
    // (2.5x faster than globbing a year of daily files, bench/querier.mjs).
    const end = values.end ?? project.today()
    const range = name === 'weekly-trend' ? { from: addDays(end, -6), to: end } : undefined
    const { dailySummary, slowQueries, weeklyTrend } = await loadQuerier()
    const querier = await openQuerier(project, io, { range })
    try {
      let rows: Record<string, unknown>[]
      if (name === 'daily-summary') rows = (await dailySummary(querier, values.limit ? { limit: values.limit } : {})) as unknown as Record<string, unknown>[]
      else if (name === 'slow-queries') rows = (await slowQueries(querier, { ...(values.threshold !== undefined ? { thresholdMs: values.threshold } : {}), ...(values.limit ? { limit: values.limit } : {}) })) as unknown as Record<string, unknown>[]
      else rows = (await weeklyTrend(querier, { endDate: end })) as unknown as Record<string, unknown>[]
      const columns = rows[0] ? Object.keys(rows[0]) : []
      writeRows(io, rows, columns, values.json ? 'json' : (values.format ?? (io.stdout.isTTY ? 'table' : 'ndjson')))
    } finally {
      writeProblems(io, project, querier.problems)
      querier.close()
    }
    return 0
  })
}
