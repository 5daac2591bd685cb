import { checkChangesets } from './check-changesets.js'

// `node dist/cli.js`, run by this package's `test` script (so by `pnpm test`
// in CI): prints a line per published package; exit 1 when a changeset is
// missing or the history cannot be read.
try {
  const result = checkChangesets({ cwd: process.cwd() })
  ;(result.ok ? process.stdout : process.stderr).write(result.report)
  process.exitCode = result.ok ? 0 : 1
} catch (error) {
  process.stderr.write(`release check: ${(error as Error).message}\n`)
  process.exitCode = 1
}
