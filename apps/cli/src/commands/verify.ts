import { toJson } from '../args.js'
import { commonFlags, dateRangeFlags, dateRangeOf, parseFlags } from '../flags.js'
import type { CliIo } from '../io.js'
import { withProject } from '../project.js'

export const verifyUsage = `Usage: parquetry verify [dataset...] [--date D | --from D --to D] [--json] [--config FILE]

Checks every exported file (or those of the given days): the footer names the
dataset's schema and current fingerprint, its row count matches, and the data
decodes to that many rows. Lists unreadable and mismatching files, and days
with no file; exits 1 if any.
`

/** `parquetry verify`. */
export async function runVerifyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...commonFlags, ...dateRangeFlags })
  const range = dateRangeOf(values)
  return withProject(io, values.config, async (project) => {
    const report = await project.verify({ ...(positionals.length > 0 ? { datasets: positionals } : {}), ...(range ? { range } : {}) })
    if (values.json) io.stdout.write(`${toJson(report)}\n`)
    else {
      const bad = report.files.filter((file) => file.status !== 'ok')
      for (const file of bad) io.stdout.write(`✗ ${file.path}: ${file.status}: ${file.reason}\n`)
      for (const missing of report.missing) io.stdout.write(`✗ ${missing.path}: missing (${missing.dataset}, ${missing.date})\n`)
      io.stdout.write(`${report.ok ? '✓' : '✗'} ${report.files.length - bad.length} of ${report.files.length} files verified${report.missing.length > 0 ? `, ${report.missing.length} missing` : ''}\n`)
    }
    return report.ok ? 0 : 1
  })
}
