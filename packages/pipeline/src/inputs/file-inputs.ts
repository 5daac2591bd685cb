import { matchInputName } from '@parquetry/partitioner'
import { cadenceOfPattern } from '../status/cadence.js'
import { ParquetryError, wrapError } from '@parquetry/schema'
import { readBytes, type RecordSource } from '@parquetry/sources'
import { createHash } from 'node:crypto'
import { readdir, stat } from 'node:fs/promises'
import { crc32 } from 'node:zlib'
import { join, relative, resolve, sep } from 'node:path'
import type { Input, InputCatalog } from '../engine/definition.js'

/** How one file's bytes become records: `(source) => readCsv({ ...source, columns })`. */
export type FileReader = (source: { input: AsyncIterable<Uint8Array>; name: string; signal?: AbortSignal }) => RecordSource

/** Options for {@link fileInputs}. */
export interface FileInputsOptions {
  /** Folder of the input files. */
  dir: string
  /**
   * File name pattern with date tokens (`orders_{yyyymmdd}.csv`,
   * `query_perf_weekly_{yyyyww}.csv`, `events-{date}.log`), or a fixed
   * name (`index_advisor_report.json`) for a file whose rows carry their dates.
   */
  pattern: string
  /** Turns one file's bytes into records. */
  read: FileReader
  /** Identities (recorded in footers) are paths relative to this folder. Default: the working directory. */
  base?: string
  /** Days either side of its named date a file's rows may fall on. Default 1. */
  spread?: number
}

function identityOf(base: string, path: string): string {
  return relative(base, path).split(sep).join('/')
}

function changedError(identity: string, what: string): ParquetryError {
  return new ParquetryError('SOURCE_READ_FAILED', `${identity} changed while it was read (${what}); it was not exported, run again once it is complete`, { details: { source: identity } })
}

/** One file: digested by a sha256 of its bytes, opened through `read`; a file that changes while read fails. */
class FileInput implements Input {
  readonly identity: string
  readonly name: string
  readonly bytes: number
  readonly dates: readonly string[]
  readonly #path: string
  readonly #read: FileReader
  readonly #modifiedMs: number
  #digest: string | undefined
  /** CRC-32 of the bytes the digest was taken of: what a read after the digest checks (a second sha256 would cost twice as much). */
  #crc: number | undefined

  constructor(options: { path: string; identity: string; name: string; bytes: number; modifiedMs: number; dates: readonly string[]; read: FileReader }) {
    this.#path = options.path
    this.identity = options.identity
    this.name = options.name
    this.bytes = options.bytes
    this.#modifiedMs = options.modifiedMs
    this.dates = options.dates
    this.#read = options.read
  }

  async digest(options: { signal?: AbortSignal; onProgress?: (bytesRead: number) => void } = {}): Promise<string> {
    if (this.#digest) return this.#digest
    const hash = createHash('sha256')
    let size = 0
    let crc = 0
    for await (const chunk of readBytes(this.#path, this.identity, options.signal)) {
      hash.update(chunk)
      crc = crc32(chunk, crc)
      size += chunk.length
      options.onProgress?.(size)
    }
    const after = await stat(this.#path).catch((error: unknown) => {
      throw wrapError(error, 'SOURCE_READ_FAILED', `${this.identity}: cannot stat`)
    })
    if (size !== this.bytes || after.size !== this.bytes || after.mtimeMs !== this.#modifiedMs) throw changedError(this.identity, `${this.bytes} bytes when listed, ${size} read, ${after.size} now`)
    this.#digest = `sha256:${hash.digest('hex')}`
    this.#crc = crc
    return this.#digest
  }

  open(options: { signal?: AbortSignal; onProgress?: (bytesRead: number) => void } = {}): RecordSource {
    const path = this.#path
    const identity = this.identity
    const expected = this.#crc
    const bytes = this.bytes
    // The rows are parsed from the bytes the digest was taken of, or not at all: same length, same CRC-32.
    async function* checked(): AsyncGenerator<Uint8Array> {
      let crc = 0
      let read = 0
      for await (const chunk of readBytes(path, identity, options.signal)) {
        read += chunk.length
        crc = crc32(chunk, crc)
        options.onProgress?.(read)
        yield chunk
      }
      if (read !== bytes || (expected !== undefined && crc !== expected)) throw changedError(identity, read !== bytes ? `${bytes} bytes when listed, ${read} read` : 'its content no longer matches its digest')
    }
    return this.#read({ input: checked(), name: identity, ...(options.signal ? { signal: options.signal } : {}) })
  }
}

/** An input that is there by name only: every attempt to digest or read it fails with `reason`. */
function unreadableInput(identity: string, name: string, dates: readonly string[], reason: string): Input {
  const fail = () => new ParquetryError('SOURCE_READ_FAILED', reason, { details: { source: identity } })
  return {
    identity,
    name,
    bytes: 0,
    dates,
    digest: () => Promise.reject(fail()),
    open: () =>
      (async function* () {
        yield* []
        throw fail()
      })(),
  }
}

/**
 * Input files in a folder: names matching `pattern`, each feeding the dates
 * its name holds (a fixed name holds none: its rows' dates decide). Each
 * input's digest is the sha256 of its bytes; its identity is its path
 * relative to `base`.
 *
 * @throws ParquetryError `SOURCE_READ_FAILED` (from `list`) when the folder does
 *   not exist or holds no file named like an input: both fail the dataset the same way.
 */
export function fileInputs(options: FileInputsOptions): InputCatalog {
  const dir = resolve(options.dir)
  const base = resolve(options.base ?? process.cwd())
  const shown = identityOf(base, dir) || '.'
  return {
    description: `${shown}/${options.pattern}`,
    // A daily or weekly rollup by its name; a report rewritten in place, a month's file: per input.
    cadence: cadenceOfPattern(options.pattern),
    ...(options.spread !== undefined ? { spread: options.spread } : {}),
    async list() {
      let names: string[]
      try {
        names = await readdir(dir)
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          throw new ParquetryError('SOURCE_READ_FAILED', `input folder ${shown} does not exist (${dir})`, { details: { path: dir, noInput: true } })
        }
        throw wrapError(error, 'SOURCE_READ_FAILED', `cannot list ${dir}`)
      }
      const inputs: Input[] = []
      const problems: string[] = []
      for (const name of names.sort()) {
        const match = matchInputName(options.pattern, name)
        if (match === undefined) continue
        if (typeof match === 'string') {
          problems.push(match)
          continue
        }
        const path = join(dir, name)
        const info = await stat(path).catch(() => undefined)
        if (!info?.isFile()) {
          // Named like an input but not one that can be read: a failure of that input, never a silent skip.
          const what = info === undefined ? 'a broken symbolic link' : info.isDirectory() ? 'a folder' : 'not a regular file'
          inputs.push(unreadableInput(identityOf(base, path), name, match.dates, `${identityOf(base, path)} is named like an input (${options.pattern}) but is ${what}; it cannot be read`))
          continue
        }
        inputs.push(new FileInput({ path, identity: identityOf(base, path), name, bytes: info.size, modifiedMs: info.mtimeMs, dates: match.dates, read: options.read }))
      }
      // An empty folder is reported as a missing one is: nothing of the dataset can be exported.
      if (inputs.length === 0 && problems.length === 0) {
        const held = names.length === 0 ? 'it is empty' : `it holds ${names.length} other file${names.length === 1 ? '' : 's'} (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''})`
        throw new ParquetryError('SOURCE_READ_FAILED', `no input in ${shown} is named like ${options.pattern}: ${held}`, { details: { path: dir, noInput: true } })
      }
      return { inputs, problems }
    },
  }
}
