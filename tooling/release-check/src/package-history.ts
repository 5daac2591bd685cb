import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { git, readObjects } from './git.js'

/** A commit as the report names it. */
export interface CommitRef {
  hash: string
  short: string
  subject: string
}

/** What happened to one package's published source since its last release. */
export interface PackageHistory {
  /** The last commit that changed package.json's `version`; undefined when it never changed (never released). */
  lastRelease: CommitRef | undefined
  /** The working tree's `version` differs from HEAD's: a release is being prepared (`changeset version` ran, not committed yet). */
  releasing: boolean
  /** Commits after the last release (all history when never released) that changed the published source, newest first. */
  commits: CommitRef[]
  /** Published source files changed in the working tree but not committed (staged, unstaged or untracked). */
  uncommitted: string[]
}

/** What {@link packageHistory} reads. */
export interface PackageHistoryOptions {
  /** The git repository's top folder; every git command runs there. */
  gitRoot: string
  /** The package's folder relative to `gitRoot`, with `/` separators. */
  dir: string
  /** The package's `files` (package.json), whose entries beyond dist and the README are published source too. */
  files?: readonly string[]
  /** False in a repository without a commit yet. */
  hasHead: boolean
}

/**
 * package.json fields that change what users install: a commit changing one
 * of them is a source change; one changing only scripts, devDependencies or
 * the description is not.
 */
export const PUBLISHED_FIELDS = [
  'name',
  'type',
  'main',
  'module',
  'types',
  'typings',
  'exports',
  'imports',
  'bin',
  'files',
  'sideEffects',
  'engines',
  'os',
  'cpu',
  'dependencies',
  'peerDependencies',
  'peerDependenciesMeta',
  'optionalDependencies',
  'bundleDependencies',
  'bundledDependencies',
  'publishConfig',
] as const

// Published as is, or built from other sources: never counted as a file of `files`.
const notSource = /^(?:\.\/)?(?:dist|readme|changelog|license|licence)(?:[./]|$)/i

/**
 * The git pathspecs of a package's published source: `src/` without tests
 * (`*.test.*`, `*.test-d.*`, `*.spec.*`, `test-*` helpers, `__tests__/`,
 * `fixtures/`), `tsup.config.ts` (what the build makes of it) and any entry of
 * `files` other than dist and the README, changelog or licence.
 */
export function sourcePathspecs(dir: string, files: readonly string[] = []): string[] {
  const extra = files.filter((file) => !notSource.test(file)).map((file) => file.replace(/^\.\//, '').replace(/\/$/, ''))
  return [
    `:(glob)${dir}/src/**`,
    `:(glob)${dir}/tsup.config.ts`,
    ...extra.flatMap((file) => [`:(glob)${dir}/${file}`, `:(glob)${dir}/${file}/**`]),
    ...['**/*.test.*', '**/*.test-d.*', '**/*.spec.*', '**/test-*', '**/__tests__/**', '**/fixtures/**'].map((pattern) => `:(glob,exclude)${dir}/src/${pattern}`),
  ]
}

type Manifest = Record<string, unknown>

function parseManifest(text: string | undefined): Manifest | undefined {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as Manifest
  } catch {
    return undefined
  }
}

function publishedFieldsDiffer(before: Manifest | undefined, after: Manifest | undefined): boolean {
  return PUBLISHED_FIELDS.some((field) => JSON.stringify(before?.[field]) !== JSON.stringify(after?.[field]))
}

const separator = '\x1f'
const commitFormat = `--format=%H${separator}%h${separator}%s`

function logCommits(gitRoot: string, range: readonly string[], pathspecs: readonly string[]): CommitRef[] {
  return git(gitRoot, ['log', commitFormat, ...range, '--', ...pathspecs])
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [hash = '', short = '', subject = ''] = line.split(separator)
      return { hash, short, subject }
    })
}

/** Paths `git status` reports changed under the pathspecs (renames give their new path). */
function changedPaths(gitRoot: string, pathspecs: readonly string[]): string[] {
  const fields = git(gitRoot, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', ...pathspecs]).split('\0')
  const paths: string[] = []
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index] as string
    if (field.length < 4) continue
    paths.push(field.slice(3))
    if (field[0] === 'R' || field[0] === 'C') index++ // the next field is the old path
  }
  return paths
}

/**
 * One package's history as the release check judges it: its last release
 * (the last commit changing package.json's `version` from an earlier one),
 * the commits since then that changed its published source (see
 * {@link sourcePathspecs} and {@link PUBLISHED_FIELDS}), and what the working
 * tree changes on top.
 *
 * @throws Error from git, naming the command.
 */
export function packageHistory(options: PackageHistoryOptions): PackageHistory {
  const { gitRoot, dir, hasHead } = options
  const manifestPath = `${dir}/package.json`
  const sources = sourcePathspecs(dir, options.files)

  // Every commit that touched package.json, with its first parent, newest first.
  const touches = hasHead
    ? git(gitRoot, ['log', '--format=%H %P', 'HEAD', '--', manifestPath])
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [hash = '', parent] = line.split(' ')
          return { hash, parent }
        })
    : []
  const afters = readObjects(gitRoot, touches.map(({ hash }) => `${hash}:${manifestPath}`))
  const befores = readObjects(gitRoot, touches.map(({ parent }) => (parent ? `${parent}:${manifestPath}` : '')))
  const manifests = new Map(touches.map(({ hash }, index) => [hash, { before: parseManifest(befores[index]), after: parseManifest(afters[index]) }]))
  // A release changes an existing version; the commit adding package.json releases nothing.
  const release = touches.find(({ hash }) => {
    const { before, after } = manifests.get(hash) ?? {}
    return before !== undefined && after !== undefined && before['version'] !== after['version']
  })

  const range = release ? ['HEAD', `^${release.hash}`] : ['HEAD']
  const sourceCommits = hasHead ? new Set(logCommits(gitRoot, range, sources).map(({ hash }) => hash)) : new Set<string>()
  const commits = hasHead
    ? logCommits(gitRoot, range, [...sources, manifestPath]).filter(({ hash }) => {
        if (sourceCommits.has(hash)) return true
        const touched = manifests.get(hash)
        return touched !== undefined && publishedFieldsDiffer(touched.before, touched.after)
      })
    : []

  const head = hasHead ? parseManifest(readObjects(gitRoot, [`HEAD:${manifestPath}`])[0]) : undefined
  const current = parseManifest(readWorkingFile(join(gitRoot, manifestPath)))
  const releasing = head !== undefined && current !== undefined && head['version'] !== current['version']
  const uncommitted = changedPaths(gitRoot, [...sources, manifestPath]).filter((path) => path !== manifestPath || publishedFieldsDiffer(head, current))

  return {
    lastRelease: release ? (logCommits(gitRoot, ['-1', release.hash], [])[0] as CommitRef) : undefined,
    releasing,
    commits,
    uncommitted,
  }
}

function readWorkingFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}
