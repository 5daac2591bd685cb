import { matchInputName } from '@parquetry/partitioner'
import { ParquetryError, wrapError } from '@parquetry/schema'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import type { ResolvedConfig, ResolvedDataset } from '../config/schema.js'

/** One input file found for a dataset. */
export interface InputFile {
  /** Absolute path. */
  path: string
  /** Path relative to the config's folder, `/`-separated: the identity recorded in footers. */
  identity: string
  name: string
  bytes: number
  modifiedAt: Date
  /** Dates the file's name covers (none for a fixed name such as index_advisor_report.json). */
  dates: string[]
}

/** The identity of a path: relative to the config folder, with `/`. */
export function identityOf(config: ResolvedConfig, path: string): string {
  return relative(config.baseDir, path).split(sep).join('/')
}

/**
 * Lists the input files of a dataset: names in its input folder that match
 * its pattern, sorted by name. Names that match with an impossible date are
 * returned as problems.
 *
 * @throws ParquetryError `SOURCE_READ_FAILED` when the input folder does not exist.
 */
export async function discoverInputs(config: ResolvedConfig, dataset: ResolvedDataset): Promise<{ inputs: InputFile[]; problems: string[] }> {
  let names: string[]
  try {
    names = await readdir(dataset.inputDir)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new ParquetryError('SOURCE_READ_FAILED', `${dataset.name}: input folder ${identityOf(config, dataset.inputDir) || '.'} does not exist (${dataset.inputDir})`, {
        details: { dataset: dataset.name, path: dataset.inputDir },
      })
    }
    throw wrapError(error, 'SOURCE_READ_FAILED', `${dataset.name}: cannot list ${dataset.inputDir}`)
  }
  const inputs: InputFile[] = []
  const problems: string[] = []
  for (const name of names.sort()) {
    const match = matchInputName(dataset.pattern, name)
    if (match === undefined) continue
    if (typeof match === 'string') {
      problems.push(match)
      continue
    }
    const path = join(dataset.inputDir, name)
    const info = await stat(path).catch(() => undefined)
    if (!info?.isFile()) continue
    inputs.push({ path, identity: identityOf(config, path), name, bytes: info.size, modifiedAt: info.mtime, dates: match.dates })
  }
  return { inputs, problems }
}

/** `sha256:<hex>` of a file's bytes. */
export async function checksumFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  } catch (error) {
    throw wrapError(error, 'SOURCE_READ_FAILED', `cannot read ${path}`)
  }
  return `sha256:${hash.digest('hex')}`
}
