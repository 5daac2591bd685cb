import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { corpusDir, findCorpus, findRepositoryRoot } from './corpus.js'

// outer/shared/corpus          a decoy two levels above the clone: never used
// outer/work/repo              the clone (pnpm-workspace.yaml), searched from repo/packages/x/src
// outer/work/shared/corpus     the corpus beside it, made by the tests that want it
let outer: string
let repo: string
let from: string
let beside: string
let decoy: string

function makeCorpus(folder: string, kinds: string[]): void {
  for (const kind of kinds) mkdirSync(join(folder, kind), { recursive: true })
}

beforeEach(() => {
  outer = mkdtempSync(join(tmpdir(), 'parquetry-corpus-'))
  repo = join(outer, 'work', 'repo')
  from = join(repo, 'packages', 'x', 'src')
  beside = join(outer, 'work', 'shared', 'corpus')
  decoy = join(outer, 'shared', 'corpus')
  mkdirSync(from, { recursive: true })
  writeFileSync(join(repo, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n')
  makeCorpus(decoy, ['csv', 'json', 'parquet'])
})

afterEach(() => {
  rmSync(outer, { recursive: true, force: true })
})

describe('findRepositoryRoot', () => {
  it('is the nearest folder holding pnpm-workspace.yaml', () => {
    expect(findRepositoryRoot(from)).toBe(repo)
    expect(findRepositoryRoot(repo)).toBe(repo)
  })

  it('fails, naming the folder, outside any repository', () => {
    expect(() => findRepositoryRoot(join(outer, 'work'))).toThrow(`no pnpm-workspace.yaml at or above ${join(outer, 'work')}`)
  })

  it("is this repository's root when searched from this module", () => {
    const here = dirname(fileURLToPath(import.meta.url))
    expect(findRepositoryRoot(here)).toBe(resolve(here, '../../..'))
  })
})

describe('corpusDir', () => {
  it('uses the corpus beside the repository', () => {
    makeCorpus(beside, ['csv', 'json', 'parquet'])
    expect(corpusDir('csv', { from, env: {} })).toBe(join(beside, 'csv'))
    expect(corpusDir('parquet', { from, env: {} })).toBe(join(beside, 'parquet'))
    expect(findCorpus({ from, env: {} })).toBe(beside)
  })

  it('never uses a corpus two levels above the repository: it fails, saying where it looked and how to set the variable', () => {
    let message = ''
    try {
      corpusDir('csv', { from, env: {} })
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toBe(
      `the shared test corpus was not found: looked in ${beside}, beside the repository ${repo}, and PARQUETRY_CORPUS_DIR is not set; ` +
        'put the corpus at ../shared/corpus beside the repository, or set PARQUETRY_CORPUS_DIR to its folder (the one holding csv/, json/ and parquet/; relative to the repository root). ' +
        `It holds files written by others (DuckDB's CSV tests, csv-spectrum, JSONTestSuite, parquet-testing): see the README's "Test corpus" section`,
    )
    expect(message).not.toContain(decoy)
  })

  it('does not look inside the repository either', () => {
    makeCorpus(join(repo, 'shared', 'corpus'), ['csv'])
    expect(() => corpusDir('csv', { from, env: {} })).toThrow(`looked in ${beside}, beside the repository ${repo}`)
  })

  it('fails naming the kind when the corpus lacks its folder', () => {
    makeCorpus(beside, ['csv'])
    expect(corpusDir('csv', { from, env: {} })).toBe(join(beside, 'csv'))
    expect(() => corpusDir('json', { from, env: {} })).toThrow(`the shared test corpus at ${beside} has no json/ folder; put the corpus at ../shared/corpus`)
  })

  it('PARQUETRY_CORPUS_DIR wins over the corpus beside the repository', () => {
    makeCorpus(beside, ['csv'])
    const elsewhere = join(outer, 'elsewhere', 'corpus')
    makeCorpus(elsewhere, ['csv'])
    expect(corpusDir('csv', { from, env: { PARQUETRY_CORPUS_DIR: elsewhere } })).toBe(join(elsewhere, 'csv'))
  })

  it('takes a relative PARQUETRY_CORPUS_DIR from the repository root, whatever the working folder', () => {
    const elsewhere = join(outer, 'elsewhere', 'corpus')
    makeCorpus(elsewhere, ['json'])
    expect(corpusDir('json', { from, env: { PARQUETRY_CORPUS_DIR: '../../elsewhere/corpus' } })).toBe(join(elsewhere, 'json'))
  })

  it('fails naming PARQUETRY_CORPUS_DIR when it is not a folder, without falling back', () => {
    makeCorpus(beside, ['csv'])
    expect(() => corpusDir('csv', { from, env: { PARQUETRY_CORPUS_DIR: '../missing' } })).toThrow(
      `the shared test corpus was not found: PARQUETRY_CORPUS_DIR=../missing (${join(outer, 'work', 'missing')}) is not a folder; put the corpus at`,
    )
  })
})
