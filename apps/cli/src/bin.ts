#!/usr/bin/env node
import { runCli } from './run-cli.js'

// A closed pipe (`parquetry ... | head`) is the reader saying it has enough: stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0)
  throw error
})

process.exitCode = await runCli(process.argv.slice(2))
