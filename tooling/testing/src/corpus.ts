import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

/**
 * The folder of the shared test corpus (`shared/corpus/<kind>`: csv, json or
 * parquet), files written by others that tests read but never change. It lies
 * beside the repository (`../shared/corpus`); `PARQUETRY_CORPUS_DIR` overrides.
 *
 * @throws Error saying where it looked, so a missing corpus is a loud failure, not a skipped test.
 */
export function corpusDir(kind: 'csv' | 'json' | 'parquet'): string {
  const override = process.env['PARQUETRY_CORPUS_DIR']
  if (override) return join(resolve(override), kind)
  const looked: string[] = []
  let directory = process.cwd()
  for (;;) {
    const candidate = join(directory, 'shared', 'corpus')
    looked.push(candidate)
    if (existsSync(join(directory, 'pnpm-workspace.yaml'))) {
      const beside = join(dirname(directory), 'shared', 'corpus')
      if (existsSync(beside)) return join(beside, kind)
      looked.push(beside)
    } else if (existsSync(candidate)) {
      return join(candidate, kind)
    }
    const parent = dirname(directory)
    if (parent === directory) break
    directory = parent
  }
  throw new Error(`the shared test corpus was not found (looked in ${looked.join(', ')}); put shared/ beside the repository or set PARQUETRY_CORPUS_DIR`)
}
