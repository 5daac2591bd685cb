import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkChangesets } from './check-changesets.js'
import type { CheckResult } from './check-changesets.js'

// Throwaway repositories shaped like this one: a pnpm workspace with two
// published packages (@x/a, @x/b), a private one (@x/tools) and .changeset/.
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
}

let temp: string
let repo: string

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
}

function manifest(name: string, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ name, version: '0.0.0', type: 'module', files: ['dist', 'README.md', 'schema.json'], ...extra }, null, 2)}\n`
}

/** Writes (or, for null, deletes) files in the working tree. */
function write(files: Record<string, string | null>): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(repo, path)
    if (content === null) {
      rmSync(full, { force: true })
    } else {
      mkdirSync(dirname(full), { recursive: true })
      writeFileSync(full, content)
    }
  }
}

/** Writes the files and commits everything; returns the commit's short hash. */
function commit(message: string, files: Record<string, string | null> = {}): string {
  write(files)
  git(repo, 'add', '--all')
  git(repo, 'commit', '--quiet', '--allow-empty', '-m', message)
  return git(repo, 'log', '-1', '--format=%h')
}

function changeset(releases: Record<string, string>): string {
  return `---\n${Object.entries(releases).map(([name, bump]) => `'${name}': ${bump}`).join('\n')}\n---\n\nA change.\n`
}

/** What `changeset version` does: bump the versions, delete the changesets. */
function release(message: string, versions: Record<string, string>): string {
  for (const [dir, version] of Object.entries(versions)) {
    const path = join(repo, dir, 'package.json')
    writeFileSync(path, `${JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), version }, null, 2)}\n`)
  }
  const changesets = git(repo, 'ls-files', '.changeset/*.md').split('\n').filter((file) => file && !file.endsWith('README.md'))
  return commit(message, Object.fromEntries(changesets.map((file) => [file, null])))
}

function check(): CheckResult {
  return checkChangesets({ cwd: join(repo, 'packages', 'a') })
}

function missing(result: CheckResult): Record<string, { commits: string[]; uncommitted: string[] }> {
  return Object.fromEntries(
    result.packages.filter((pkg) => pkg.missingChangeset).map((pkg) => [pkg.name, { commits: pkg.commits.map((commit) => `${commit.short} ${commit.subject}`), uncommitted: pkg.uncommitted }]),
  )
}

let initial: string

beforeEach(() => {
  temp = mkdtempSync(join(tmpdir(), 'parquetry-release-check-'))
  repo = join(temp, 'repo')
  mkdirSync(repo)
  git(repo, 'init', '--quiet', '--initial-branch=main')
  initial = commit('initial', {
    'package.json': '{ "name": "root", "private": true }\n',
    'pnpm-workspace.yaml': 'packages:\n  - packages/*\n  - tooling/*\n',
    '.changeset/README.md': '# Changesets\n',
    '.changeset/config.json': '{}\n',
    'packages/a/package.json': manifest('@x/a'),
    'packages/a/src/index.ts': 'export const a = 1\n',
    'packages/a/src/index.test.ts': 'test\n',
    'packages/a/README.md': '# a\n',
    'packages/b/package.json': manifest('@x/b'),
    'packages/b/src/index.ts': 'export const b = 1\n',
    'tooling/tools/package.json': manifest('@x/tools', { private: true }),
    'tooling/tools/src/index.ts': 'export const tools = 1\n',
  })
})

afterEach(() => {
  rmSync(temp, { recursive: true, force: true })
})

describe('never released', () => {
  it('passes when a pending changeset names each changed package', () => {
    const second = commit('a: two', { 'packages/a/src/index.ts': 'export const a = 2\n', '.changeset/one.md': changeset({ '@x/a': 'minor', '@x/b': 'patch' }) })
    const result = check()
    expect(result.ok).toBe(true)
    expect(result.packages.map((pkg) => [pkg.name, pkg.lastRelease, pkg.commits.map((commit) => commit.short), pkg.changesets])).toEqual([
      ['@x/a', undefined, [second, initial], ['one.md']],
      ['@x/b', undefined, [initial], ['one.md']],
    ])
    expect(result.report).toBe(
      'release check: 2 published packages\n' +
        '  @x/a: never released; 2 commits changed its source; 1 pending changeset\n' +
        '  @x/b: never released; 1 commit changed its source; 1 pending changeset\n' +
        'ok: every unreleased source change has a pending changeset\n',
    )
  })

  it('fails naming the package and every commit when no changeset names it', () => {
    const second = commit('a: two', { 'packages/a/src/index.ts': 'export const a = 2\n', '.changeset/b.md': changeset({ '@x/b': 'patch' }) })
    const result = check()
    expect(result.ok).toBe(false)
    expect(missing(result)).toEqual({ '@x/a': { commits: [`${second} a: two`, `${initial} initial`], uncommitted: [] } })
    expect(result.report).toBe(
      'release check: 2 published packages\n' +
        '  @x/a: never released; 2 commits changed its source; no changeset\n' +
        '  @x/b: never released; 1 commit changed its source; 1 pending changeset\n' +
        '\n' +
        '1 published package changed since its last release, and no pending changeset releases it:\n' +
        '  @x/a (packages/a, never released):\n' +
        `    ${second} a: two\n` +
        `    ${initial} initial\n` +
        'Add a changeset that names it: `pnpm changeset` (see .changeset/README.md).\n',
    )
  })
})

describe('after a release', () => {
  let released: string
  beforeEach(() => {
    commit('changesets', { '.changeset/one.md': changeset({ '@x/a': 'minor', '@x/b': 'minor' }) })
    released = release('Version Packages', { 'packages/a': '0.1.0', 'packages/b': '0.1.0' })
  })

  it('passes: the changes before it are released', () => {
    const result = check()
    expect(result.ok).toBe(true)
    expect(result.packages.map((pkg) => [pkg.name, pkg.lastRelease?.short, pkg.lastRelease?.subject, pkg.commits])).toEqual([
      ['@x/a', released, 'Version Packages', []],
      ['@x/b', released, 'Version Packages', []],
    ])
    expect(result.report).toContain(`  @x/a: last released in ${released}; no source change since\n`)
  })

  it('fails naming only the source commits after it', () => {
    commit('a: README', { 'packages/a/README.md': '# a, documented\n' })
    const change = commit('a: three', { 'packages/a/src/index.ts': 'export const a = 3\n' })
    const result = check()
    expect(missing(result)).toEqual({ '@x/a': { commits: [`${change} a: three`], uncommitted: [] } })
    expect(result.report).toContain(`  @x/a (packages/a, since ${released} "Version Packages"):\n    ${change} a: three\nAdd a changeset`)
  })

  it('passes after changes to tests, test helpers, fixtures, the README, scripts and devDependencies', () => {
    commit('a: tests', {
      'packages/a/src/index.test.ts': 'more tests\n',
      'packages/a/src/deep/parse.spec.ts': 'spec\n',
      'packages/a/src/test-helpers.ts': 'export const helper = 1\n',
      'packages/a/src/fixtures/one.csv': 'a,b\n',
      'packages/a/test/e2e.ts': 'e2e\n',
    })
    commit('a: README', { 'packages/a/README.md': '# a, documented\n' })
    commit('a: scripts', { 'packages/a/package.json': manifest('@x/a', { version: '0.1.0', scripts: { test: 'vitest' }, devDependencies: { vitest: '4.1.12' }, description: 'A' }) })
    const result = check()
    expect(result.ok).toBe(true)
    expect(result.packages.map((pkg) => pkg.commits.length)).toEqual([0, 0])
  })

  it('counts package.json dependencies and exports, tsup.config.ts and published files beyond dist', () => {
    const dependency = commit('a: zod', { 'packages/a/package.json': manifest('@x/a', { version: '0.1.0', dependencies: { zod: '^4.1.0' } }) })
    const exportsMap = commit('a: exports', { 'packages/a/package.json': manifest('@x/a', { version: '0.1.0', dependencies: { zod: '^4.1.0' }, exports: { '.': './dist/index.js' } }) })
    const build = commit('b: build', { 'packages/b/tsup.config.ts': 'export default {}\n' })
    const schema = commit('b: schema file', { 'packages/b/schema.json': '{}\n' })
    expect(missing(check())).toEqual({
      '@x/a': { commits: [`${exportsMap} a: exports`, `${dependency} a: zod`], uncommitted: [] },
      '@x/b': { commits: [`${schema} b: schema file`, `${build} b: build`], uncommitted: [] },
    })
  })

  it("counts a merged branch's source commits", () => {
    git(repo, 'checkout', '--quiet', '-b', 'feature')
    const onBranch = commit('b: on a branch', { 'packages/b/src/index.ts': 'export const b = 2\n' })
    git(repo, 'checkout', '--quiet', 'main')
    commit('a: README', { 'packages/a/README.md': '# a, documented\n' })
    git(repo, 'merge', '--quiet', '--no-ff', '-m', 'merge feature', 'feature')
    expect(missing(check())).toEqual({ '@x/b': { commits: [`${onBranch} b: on a branch`], uncommitted: [] } })
  })

  it('counts uncommitted source changes (edited, staged and new files) until a changeset, committed or not, names the package', () => {
    write({ 'packages/a/src/index.ts': 'export const a = 4\n', 'packages/a/src/new.ts': 'export const added = 1\n', 'packages/b/src/index.ts': 'export const b = 4\n' })
    git(repo, 'add', 'packages/b/src/index.ts')
    write({ 'packages/a/src/index.test.ts': 'edited test\n' })
    expect(missing(check())).toEqual({
      '@x/a': { commits: [], uncommitted: ['packages/a/src/index.ts', 'packages/a/src/new.ts'] },
      '@x/b': { commits: [], uncommitted: ['packages/b/src/index.ts'] },
    })
    expect(check().report).toContain('  @x/a (packages/a, since')
    expect(check().report).toContain('    uncommitted: packages/a/src/index.ts\n    uncommitted: packages/a/src/new.ts\n')
    write({ '.changeset/uncommitted.md': changeset({ '@x/a': 'patch', '@x/b': 'patch' }) })
    expect(check().ok).toBe(true)
  })

  it('passes while a release is being prepared (versions changed in the working tree, changesets consumed)', () => {
    commit('a: five', { 'packages/a/src/index.ts': 'export const a = 5\n', '.changeset/two.md': changeset({ '@x/a': 'patch' }) })
    write({ 'packages/a/package.json': manifest('@x/a', { version: '0.1.1' }), '.changeset/two.md': null })
    const result = check()
    expect(result.ok).toBe(true)
    expect(result.packages.map((pkg) => [pkg.name, pkg.releasing, pkg.commits.length])).toEqual([
      ['@x/a', true, 1],
      ['@x/b', false, 0],
    ])
  })
})

describe('what the check refuses', () => {
  it('never judges private packages', () => {
    commit('tools: two', { 'tooling/tools/src/index.ts': 'export const tools = 2\n', '.changeset/one.md': changeset({ '@x/a': 'patch', '@x/b': 'patch' }) })
    const result = check()
    expect(result.ok).toBe(true)
    expect(result.packages.map((pkg) => pkg.name)).toEqual(['@x/a', '@x/b'])
  })

  it('a "none" bump releases nothing; a changeset naming an unknown package is a problem', () => {
    commit('changesets', { '.changeset/none.md': changeset({ '@x/a': 'none', '@x/b': 'patch' }), '.changeset/typo.md': changeset({ '@x/c': 'patch' }) })
    const result = check()
    expect(result.ok).toBe(false)
    expect(Object.keys(missing(result))).toEqual(['@x/a'])
    expect(result.problems).toEqual(['.changeset/typo.md names @x/c, which is not a package of this workspace'])
    expect(result.report).toContain('A "none" bump (none.md) releases nothing: `changeset version` deletes it and the change stays unreleased.\n')
    expect(result.report).toContain('\nChangesets that cannot be used:\n  .changeset/typo.md names @x/c, which is not a package of this workspace\n')
  })

  it('a changeset changesets cannot parse is a problem naming its file', () => {
    write({ '.changeset/broken.md': 'no front matter\n', '.changeset/one.md': changeset({ '@x/a': 'patch', '@x/b': 'patch' }) })
    const result = check()
    expect(result.ok).toBe(false)
    expect(result.problems).toEqual(['.changeset/broken.md: could not parse changeset - missing or invalid frontmatter.'])
  })

  it('fails on a shallow clone, saying how to fetch the history', () => {
    commit('a: two', { 'packages/a/src/index.ts': 'export const a = 2\n' })
    const shallow = join(temp, 'shallow')
    git(temp, 'clone', '--quiet', '--depth', '1', `file://${repo}`, shallow)
    expect(() => checkChangesets({ cwd: shallow })).toThrow(`${shallow} is a shallow clone: without the whole history the check cannot tell what was released. Fetch it (git fetch --unshallow)`)
  })

  it('fails outside a git repository', () => {
    const plain = join(temp, 'plain')
    mkdirSync(plain)
    expect(() => checkChangesets({ cwd: plain })).toThrow(`${plain} is not in a git repository: the check reads each package's history`)
  })
})
