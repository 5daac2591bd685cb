import { toJson } from '../args.js'
import { commonFlags, dateRangeFlags, dateRangeOf, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { displayOutput, withProject } from '../project.js'

export const verifyUsage = `Usage: parquetry verify [dataset...] [--date D | --from D --to D] [--json] [--config FILE]

Checks every exported file (or those of the given days): the footer names the
dataset's schema, current fingerprint and partitioning (time zone, date
column, template), its row count matches, its rows' dates are the date of its
path, and its data decodes to that many rows. Lists unreadable and mismatching
files, days with no file, and strays: files in a dataset's folders that its
layout does not produce (a copy, a backup), which queries do not read.

With --date or --from/--to, what is missing follows each dataset's cadence
(its config "cadence", else its input pattern): a daily dataset needs a file
for every day; a weekly one ({yyyyww} in its pattern) a file in every
Monday-to-Sunday week wholly inside the range; one whose input has no date in
its name (a report rewritten in place, an event log) only the files it has.
Exits 1 if anything is wrong.
`

/** `parquetry verify`. */
export async function runVerifyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...commonFlags, ...dateRangeFlags })
  const range = dateRangeOf(values)
  return withProject(io, values.config, async (project) => {
    const report = await project.verify({ ...(positionals.length > 0 ? { datasets: positionals } : {}), ...(range ? { range } : {}) })
    if (values.json) io.stdout.write(`${toJson(report)}\n`)
    else {
      const strays = report.files.filter((file) => file.status === 'stray')
      const checked = report.files.filter((file) => file.status !== 'stray')
      const bad = checked.filter((file) => file.status !== 'ok')
      // What failed, and the summary of a failed check, are diagnostics: stderr.
      const problems = report.ok ? io.stdout : io.stderr
      for (const file of bad) problems.write(`✗ ${file.path}: ${file.status}: ${file.reason}\n`)
      for (const file of strays) problems.write(`✗ ${file.path}: stray: ${file.reason}\n`)
      for (const missing of report.missing) {
        if (missing.period) problems.write(`✗ ${missing.dataset}: no file in ${missing.period.label} (${missing.period.from} to ${missing.period.to}; its Monday's would be ${missing.path}): missing\n`)
        else problems.write(`✗ ${missing.path}: missing (${missing.dataset}, ${missing.date})\n`)
      }
      const extras = [report.missing.length > 0 ? `${report.missing.length} missing` : '', strays.length > 0 ? `${strays.length} stray${strays.length === 1 ? '' : 's'}` : ''].filter(Boolean)
      if (checked.length === 0 && report.ok) {
        // Nothing checked is not a pass: say there was nothing, and where.
        io.stdout.write(`- no files to verify${range ? ` of ${range.from === range.to ? range.from : `${range.from} to ${range.to}`}` : ''} under ${displayOutput(project.config.output, io.cwd)} (parquetry export writes them)\n`)
        return 0
      }
      problems.write(`${report.ok ? '✓' : '✗'} ${checked.length - bad.length} of ${checked.length} files verified${extras.map((extra) => `, ${extra}`).join('')}\n`)
    }
    return report.ok ? 0 : 1
  }, { reads: true })
}
