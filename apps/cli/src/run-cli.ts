import { closestWord, isParquetryError } from '@parquetry/schema'
import packageJson from '../package.json' with { type: 'json' }
import { demoUsage, runDemo } from './commands/demo.js'
import { exportUsage, runExportCommand } from './commands/export.js'
import { initUsage, runInitCommand } from './commands/init.js'
import { runSchemaCommand, schemaUsage } from './commands/schema.js'
import { runStatusCommand, statusUsage } from './commands/status.js'
import { queryUsage, runQueryCommand } from './commands/query.js'
import { reportUsage, runReportCommand } from './commands/report.js'
import { catalogUsage, runCatalogCommand } from './commands/catalog.js'
import { describeUsage, runDescribeCommand } from './commands/describe.js'
import { runVerifyCommand, verifyUsage } from './commands/verify.js'
import { runScheduleCommand, scheduleUsage } from './commands/schedule.js'
import { processIo, type CliIo } from './io.js'

const commands: Record<string, { summary: string; usage: string; run: (args: string[], io: CliIo) => Promise<number> }> = {
  export: { summary: 'export the datasets to partitioned, verified Parquet (local or S3)', usage: exportUsage, run: runExportCommand },
  status: { summary: 'health of the exported files (the file due by each cadence, sizes, compression)', usage: statusUsage, run: (args, io) => runStatusCommand(args, io) },
  query: { summary: 'run SQL in DuckDB over the datasets (bound --param values)', usage: queryUsage, run: runQueryCommand },
  report: { summary: 'daily-summary, slow-queries or weekly-trend', usage: reportUsage, run: runReportCommand },
  catalog: { summary: 'write a DuckDB file with the views and macros', usage: catalogUsage, run: runCatalogCommand },
  describe: { summary: 'dataset schemas as DuckDB reads them', usage: describeUsage, run: runDescribeCommand },
  verify: { summary: 'check every file against its schema and row count', usage: verifyUsage, run: runVerifyCommand },
  schema: { summary: 'print dataset schemas (parquet_schema.json or DuckDB DDL)', usage: schemaUsage, run: runSchemaCommand },
  schedule: { summary: 'print a launchd, systemd or cron entry from the schedules', usage: scheduleUsage, run: runScheduleCommand },
  init: { summary: 'write a starter parquetry.config.json', usage: initUsage, run: runInitCommand },
  demo: { summary: 'write a sample dataset and show what DuckDB reads back', usage: demoUsage, run: runDemo },
}

const mainUsage = `Usage: parquetry <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`)
  .join('\n')}

Options:
  --help, -h     show help (also: parquetry help <command>, parquetry <command> --help)
  --version, -v  print the version (also: parquetry version)
  --quiet, -q    no notes on stderr (which config was loaded, hints); errors still
  --verbose      also the settings in force (output, time zone, codec, each dataset)
  --json         one JSON result on stdout (commands that print results)

Under pnpm, run it as \`pnpm -s parquetry …\`: pnpm's own banner would
otherwise come first on stdout (and break --json).
`

/**
 * Runs the `parquetry` command line and returns its exit code: 0 success,
 * 1 failure, 2 usage error. Data goes to stdout, diagnostics to stderr; under
 * `--json` an error prints `{"error": ..., "code": ...}` on stdout.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === '--help' || name === '-h' || (name === 'help' && args.length === 0)) {
    io.stdout.write(mainUsage)
    return name === undefined ? 2 : 0
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout.write(`${packageJson.version}\n`)
    return 0
  }
  if (name === 'help') {
    const [topic] = args
    const wanted = Object.hasOwn(commands, topic as string) ? commands[topic as string] : undefined
    if (!wanted) return unknownCommand(io, topic as string)
    io.stdout.write(wanted.usage)
    return 0
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined
  if (!command) return unknownCommand(io, name)
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(command.usage)
    return 0
  }
  // Notes (the config loaded, hints) are for people: not under --json or --quiet.
  io = { ...io, quiet: io.quiet ?? (args.includes('--json') || args.includes('--quiet') || args.includes('-q')), verbose: io.verbose ?? args.includes('--verbose') }
  const json = args.includes('--json')
  try {
    return await command.run(args, io)
  } catch (error) {
    const code = isParquetryError(error) ? error.code : 'INTERNAL'
    const message = error instanceof Error ? error.message : String(error)
    if (json) io.stdout.write(JSON.stringify({ error: message, code }) + '\n')
    // A usage error points at the help, rather than burying the message under it.
    else io.stderr.write(`parquetry ${name}: ${message}\n${code === 'USAGE' ? `(parquetry ${name} --help shows its options)\n` : ''}`)
    if (code === 'ABORTED' && io.signal?.aborted) return signalExitCode(io.signal)
    return code === 'USAGE' ? 2 : 1
  }
}

/** An unknown command: said with the nearest one, and where the list is. */
function unknownCommand(io: CliIo, name: string): number {
  const guess = name.startsWith('-') ? undefined : closestWord(name, Object.keys(commands))
  const hint = guess ? `; did you mean "${guess}"? (parquetry ${guess} --help)` : ''
  io.stderr.write(`parquetry: unknown ${name.startsWith('-') ? 'option' : 'command'} ${JSON.stringify(name)}${hint}\n\n${mainUsage}`)
  return 2
}

/** 130 after Ctrl-C, 143 after SIGTERM (the shell's 128 + signal number), else 1. */
function signalExitCode(signal: AbortSignal): number {
  const reason = signal.reason as { signal?: string } | undefined
  return reason?.signal === 'SIGINT' ? 130 : reason?.signal === 'SIGTERM' ? 143 : 1
}
