#!/usr/bin/env node
import { runCli } from './run-cli.js'

// A closed pipe (`parquetry ... | head`) is the reader saying it has enough: stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

// Ctrl-C or a scheduler's SIGTERM: exit through process.exit so that files
// being written are discarded (storage removes their temp files on exit).
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.once(signal, () => {
    process.stderr.write(`parquetry: ${signal}, stopping; files not yet complete are discarded\n`)
    process.exit(code)
  })
}

process.exitCode = await runCli(process.argv.slice(2))
