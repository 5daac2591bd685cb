import manypkg from '@manypkg/get-packages'
import { realpathSync } from 'node:fs'
import { relative, sep } from 'node:path'
import { git, gitSucceeds } from './git.js'
import { packageHistory } from './package-history.js'
import type { PackageHistory } from './package-history.js'
import { readPendingChangesets } from './pending-changesets.js'

/** One published package as the check judged it. */
export interface PackageVerdict extends PackageHistory {
  name: string
  /** Its folder relative to the repository, e.g. `packages/schema`. */
  dir: string
  /** The pending changesets that release it (bump `major`, `minor` or `patch`). */
  changesets: string[]
  /** It has unreleased source changes, no release being prepared, and no pending changeset that releases it. */
  missingChangeset: boolean
}

/** The check's verdict and the report it prints. */
export interface CheckResult {
  ok: boolean
  packages: PackageVerdict[]
  /** Changesets that cannot be read or name a package the workspace lacks. */
  problems: string[]
  /** What the command prints: a line per package, then what is missing and how to add it. */
  report: string
}

/**
 * The release check: for every published (non-private) package of the pnpm
 * workspace holding `cwd`, the commits since its last release (the last
 * commit changing its package.json `version`; all history if none) that
 * changed its published source, plus the working tree's uncommitted changes;
 * it fails for each package having some while no pending `.changeset/*.md`
 * releases it. A package whose version the working tree changes (a release
 * being prepared by `changeset version`) passes.
 *
 * @throws Error when `cwd` is not in a git repository, or the clone is shallow (its history cannot say what was released).
 */
export function checkChangesets(options: { cwd: string }): CheckResult {
  if (!gitSucceeds(options.cwd, ['rev-parse', '--show-toplevel'])) {
    throw new Error(`${options.cwd} is not in a git repository: the check reads each package's history`)
  }
  const gitRoot = realpathSync(git(options.cwd, ['rev-parse', '--show-toplevel']).trim())
  if (git(gitRoot, ['rev-parse', '--is-shallow-repository']).trim() === 'true') {
    throw new Error(
      `${gitRoot} is a shallow clone: without the whole history the check cannot tell what was released. Fetch it (git fetch --unshallow), or clone without --depth (GitHub Actions: actions/checkout with fetch-depth: 0)`,
    )
  }
  const hasHead = gitSucceeds(gitRoot, ['rev-parse', '--verify', '--quiet', 'HEAD'])
  const workspace = manypkg.getPackagesSync(options.cwd)
  const { changesets, problems } = readPendingChangesets(workspace.root.dir)
  const names = new Set(workspace.packages.map((pkg) => pkg.packageJson.name))
  for (const changeset of changesets) {
    for (const name of changeset.releases.keys()) {
      if (!names.has(name)) problems.push(`.changeset/${changeset.file} names ${name}, which is not a package of this workspace`)
    }
  }

  const packages = workspace.packages
    .filter((pkg) => pkg.packageJson.private !== true)
    .map((pkg): PackageVerdict => {
      const dir = relative(gitRoot, realpathSync(pkg.dir)).split(sep).join('/')
      const files = (pkg.packageJson as { files?: string[] }).files
      const history = packageHistory({ gitRoot, dir, hasHead, ...(files ? { files } : {}) })
      const releasing = changesets.filter((changeset) => ['major', 'minor', 'patch'].includes(changeset.releases.get(pkg.packageJson.name) ?? '')).map(({ file }) => file)
      const changed = history.commits.length > 0 || history.uncommitted.length > 0
      return { name: pkg.packageJson.name, dir, ...history, changesets: releasing, missingChangeset: changed && !history.releasing && releasing.length === 0 }
    })
    .sort((a, b) => a.dir.localeCompare(b.dir))

  const ok = problems.length === 0 && packages.every((pkg) => !pkg.missingChangeset)
  return { ok, packages, problems, report: formatReport(packages, problems, ok, changesets.filter((changeset) => [...changeset.releases.values()].includes('none')).map(({ file }) => file)) }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

function summaryLine(pkg: PackageVerdict): string {
  const released = pkg.lastRelease ? `last released in ${pkg.lastRelease.short}` : 'never released'
  if (pkg.releasing) return `  ${pkg.name}: ${released}; a release is being prepared (package.json's version changed in the working tree)`
  const changes = [
    ...(pkg.commits.length > 0 ? [`${plural(pkg.commits.length, 'commit')} changed its source${pkg.lastRelease ? ' since' : ''}`] : []),
    ...(pkg.uncommitted.length > 0 ? [plural(pkg.uncommitted.length, 'uncommitted file')] : []),
  ]
  if (changes.length === 0) return `  ${pkg.name}: ${released}; no source change${pkg.lastRelease ? ' since' : ''}`
  const covered = pkg.changesets.length > 0 ? `${plural(pkg.changesets.length, 'pending changeset')}` : 'no changeset'
  return `  ${pkg.name}: ${released}; ${changes.join(', ')}; ${covered}`
}

function formatReport(packages: PackageVerdict[], problems: string[], ok: boolean, noneChangesets: string[]): string {
  const lines = [`release check: ${plural(packages.length, 'published package')}`, ...packages.map(summaryLine)]
  const missing = packages.filter((pkg) => pkg.missingChangeset)
  if (ok) {
    lines.push('ok: every unreleased source change has a pending changeset')
    return `${lines.join('\n')}\n`
  }
  if (missing.length > 0) {
    lines.push('', `${plural(missing.length, 'published package')} changed since ${missing.length === 1 ? 'its' : 'their'} last release, and no pending changeset releases ${missing.length === 1 ? 'it' : 'them'}:`)
    for (const pkg of missing) {
      const since = pkg.lastRelease ? `since ${pkg.lastRelease.short} "${pkg.lastRelease.subject}"` : 'never released'
      lines.push(`  ${pkg.name} (${pkg.dir}, ${since}):`)
      for (const commit of pkg.commits) lines.push(`    ${commit.short} ${commit.subject}`)
      for (const path of pkg.uncommitted) lines.push(`    uncommitted: ${path}`)
    }
    lines.push(`Add a changeset that names ${missing.length === 1 ? 'it' : 'each'}: \`pnpm changeset\` (see .changeset/README.md).`)
    if (noneChangesets.length > 0) {
      lines.push(`A "none" bump (${noneChangesets.join(', ')}) releases nothing: \`changeset version\` deletes it and the change stays unreleased.`)
    }
  }
  if (problems.length > 0) lines.push('', 'Changesets that cannot be used:', ...problems.map((problem) => `  ${problem}`))
  return `${lines.join('\n')}\n`
}
