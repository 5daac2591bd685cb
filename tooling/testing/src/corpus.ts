import { existsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The corpus's folders, one per kind of file. */
export type CorpusKind = 'csv' | 'json' | 'parquet'

/** Where to look for the corpus; the defaults are for tests, the options for testing this. */
export interface FindCorpusOptions {
  /** A folder inside the repository; default: this module's own folder. */
  from?: string
  /** The environment read for `PARQUETRY_CORPUS_DIR`; default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
}

const variable = 'PARQUETRY_CORPUS_DIR'
const howToSet = `put the corpus at ../shared/corpus beside the repository, or set ${variable} to its folder (the one holding csv/, json/ and parquet/; relative to the repository root)`

/**
 * The repository root: the nearest folder at or above `from` holding
 * `pnpm-workspace.yaml`.
 *
 * @throws Error naming `from` when no folder above it holds one.
 */
export function findRepositoryRoot(from: string): string {
  let directory = resolve(from)
  for (;;) {
    if (existsSync(join(directory, 'pnpm-workspace.yaml'))) return directory
    const parent = dirname(directory)
    if (parent === directory) throw new Error(`the shared test corpus: no pnpm-workspace.yaml at or above ${resolve(from)}, so no repository to look beside`)
    directory = parent
  }
}

/**
 * The shared test corpus's folder (the one holding `csv/`, `json/` and
 * `parquet/`): `PARQUETRY_CORPUS_DIR` when set (relative paths are taken from
 * the repository root, since each package's tests run in their own folder),
 * else `shared/corpus` in the repository's parent folder. Nothing else is
 * searched: a folder further up is never used, so a clone in `x/repo` cannot
 * pick up an unrelated `shared/corpus` two levels above it.
 *
 * @throws Error saying where it looked and how to point at the corpus.
 */
export function findCorpus(options: FindCorpusOptions = {}): string {
  const root = findRepositoryRoot(options.from ?? dirname(fileURLToPath(import.meta.url)))
  const override = (options.env ?? process.env)[variable]
  const candidate = override ? resolve(root, override) : join(dirname(root), 'shared', 'corpus')
  if (isDirectory(candidate)) return candidate
  const where = override ? `${variable}=${override} (${candidate}) is not a folder` : `looked in ${candidate}, beside the repository ${root}, and ${variable} is not set`
  throw new Error(`the shared test corpus was not found: ${where}; ${howToSet}. It holds files written by others (DuckDB's CSV tests, csv-spectrum, JSONTestSuite, parquet-testing): see the README's "Test corpus" section`)
}

/**
 * The folder of one kind of file in the shared test corpus (`csv`, `json` or
 * `parquet`): files written by others that tests read but never change. Found
 * by {@link findCorpus}; a missing corpus is a loud failure, not a skipped test.
 *
 * @throws Error saying where it looked and how to point at the corpus.
 */
export function corpusDir(kind: CorpusKind, options: FindCorpusOptions = {}): string {
  const corpus = findCorpus(options)
  const folder = join(corpus, kind)
  if (!isDirectory(folder)) throw new Error(`the shared test corpus at ${corpus} has no ${kind}/ folder; ${howToSet}`)
  return folder
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
