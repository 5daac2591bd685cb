#!/usr/bin/env node
import { ParquetryError } from '@parquetry/schema'
import { keepRunningWhenStdoutCloses, processIo } from './io.js'
import { runCli } from './run-cli.js'

// A closed pipe (`parquetry export … | head -1`) is the reader saying it has seen enough: nothing more is
// printed, and the command runs to its end — its exit code is the command's, not the pipe's.
keepRunningWhenStdoutCloses()

// Ctrl-C or a scheduler's SIGTERM aborts the run through the same signal
// `--timeout` uses: the export discards every file it has not finished
// (temp files, S3 uploads) and the process exits 130 or 143. A second signal
// exits at once.
const controller = new AbortController()
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) process.exit(code)
    // On a line of its own: a progress bar may be on the current one.
    process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}parquetry: ${signal}, stopping; files not yet complete are discarded\n`)
    controller.abort(Object.assign(new ParquetryError('ABORTED', `stopped by ${signal}`), { signal }))
  })
}

process.exitCode = await runCli(process.argv.slice(2), processIo(controller.signal))
