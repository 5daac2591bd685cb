import { verifyDatasets } from '@parquetry/pipeline'
import { z } from 'zod'
import { dateFlag, loadCliConfig, parseCommandArgs, toJson } from '../args.js'
import type { CliIo } from '../io.js'
import { usageError } from '../usage-error.js'

export const verifyUsage = `Usage: parquetry verify [dataset...] [--date D | --from D --to D] [--json] [--config FILE]

Checks every exported file (or those of the given days): the footer names the
dataset's schema and current fingerprint, its row count matches, and the data
decodes to that many rows. Lists unreadable and mismatching files, and days
with no file; exits 1 if any.
`


/** `parquetry verify`. */
export async function runVerifyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { date: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, config: { type: 'string' } },
    z.object({ date: dateFlag.optional(), from: dateFlag.optional(), to: dateFlag.optional(), json: z.boolean().default(false), config: z.string().optional() }),
  )
  if (values.date && (values.from || values.to)) throw usageError('choose --date or --from/--to')
  if ((values.from === undefined) !== (values.to === undefined)) throw usageError('--from and --to go together')
  const range = values.date ? { from: values.date, to: values.date } : values.from && values.to ? { from: values.from, to: values.to } : undefined
  const config = await loadCliConfig(io, values.config)
  const report = await verifyDatasets({ config, ...(positionals.length > 0 ? { datasets: positionals } : {}), ...(range ? { range } : {}) })
  if (values.json) io.stdout.write(`${toJson(report)}\n`)
  else {
    const bad = report.files.filter((file) => file.status !== 'ok')
    for (const file of bad) io.stdout.write(`✗ ${file.path}: ${file.status}: ${file.reason}\n`)
    for (const missing of report.missing) io.stdout.write(`✗ ${missing.path}: missing\n`)
    io.stdout.write(`${bad.length === 0 && report.missing.length === 0 ? '✓' : '✗'} ${report.files.length - bad.length} of ${report.files.length} files verified${report.missing.length > 0 ? `, ${report.missing.length} missing` : ''}\n`)
  }
  return report.ok && report.missing.length === 0 ? 0 : 1
}
