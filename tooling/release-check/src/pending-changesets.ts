import parseChangeset from '@changesets/parse'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** One pending changeset: its file and the packages it bumps. */
export interface PendingChangeset {
  /** The file name in `.changeset/`, e.g. `brave-lions-sing.md`. */
  file: string
  /** Package name → bump (`major`, `minor`, `patch` or `none`). */
  releases: Map<string, string>
}

/**
 * The pending changesets of a workspace: every `.changeset/*.md` but the
 * README, as it is in the working tree (committed or not), parsed as
 * changesets parses them.
 *
 * @returns the changesets, and a problem for each file changesets could not parse.
 */
export function readPendingChangesets(workspaceRoot: string): { changesets: PendingChangeset[]; problems: string[] } {
  const folder = join(workspaceRoot, '.changeset')
  let names: string[]
  try {
    names = readdirSync(folder).filter((name) => name.endsWith('.md') && name.toLowerCase() !== 'readme.md').sort()
  } catch {
    return { changesets: [], problems: [] }
  }
  const changesets: PendingChangeset[] = []
  const problems: string[] = []
  for (const file of names) {
    try {
      const { releases } = parseChangeset(readFileSync(join(folder, file), 'utf8'))
      changesets.push({ file, releases: new Map(releases.map(({ name, type }) => [name, type])) })
    } catch (error) {
      problems.push(`.changeset/${file}: ${(error as Error).message.split('\n')[0]}`)
    }
  }
  return { changesets, problems }
}
