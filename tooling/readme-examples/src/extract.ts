import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

/** What to do with a block besides typechecking it. */
export type BlockMode =
  /** Run it: from a folder prepared for `name` when the test knows the name, else from a default one. */
  | { kind: 'run'; name: string | undefined }
  /** Typecheck only (`<!-- not-run: reason -->`): a server the test cannot give it, a declaration listing. */
  | { kind: 'not-run'; reason: string }

/** One ```ts block of a README. */
export interface ReadmeBlock {
  /** The README's path relative to the repository root (`packages/writer/README.md`). */
  readme: string
  /** 1-based line of the README holding the block's first line of code. */
  line: number
  /** The code as a reader copies it (a list item's indentation removed). */
  code: string
  /** Unique among all blocks: the marker's name, else `<readme folder>-<line>`. */
  id: string
  mode: BlockMode
}

const fence = /^( *)(`{3,}|~{3,})\s*([^\s`]*)/
const marker = /^<!--\s*(readme-example|not-run):\s*(.*?)\s*-->$/
const languages = new Set(['ts', 'typescript'])

/**
 * The TypeScript blocks (```ts, ```typescript) of a README, in order, each
 * with the marker written on the last non-blank line before its fence:
 * `<!-- readme-example: NAME -->` names it (the test prepares a folder for
 * that name and checks what it prints), `<!-- not-run: reason -->` keeps it
 * from running.
 */
export function extractBlocks(markdown: string, readme: string): ReadmeBlock[] {
  const lines = markdown.split('\n')
  const blocks: ReadmeBlock[] = []
  let previous = ''
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] as string
    const open = fence.exec(line)
    if (!open) {
      if (line.trim() !== '') previous = line.trim()
      continue
    }
    const indent = (open[1] as string).length
    const chars = open[2] as string
    const language = (open[3] as string).toLowerCase()
    const start = index + 1
    let end = start
    while (end < lines.length && !isClosing(lines[end] as string, chars)) end++
    if (languages.has(language)) {
      const code = lines
        .slice(start, end)
        .map((text) => text.slice(Math.min(indent, text.length - text.trimStart().length)))
        .join('\n')
      const found = marker.exec(previous)
      const mode: BlockMode =
        found?.[1] === 'not-run' ? { kind: 'not-run', reason: found[2] as string } : { kind: 'run', name: found?.[1] === 'readme-example' ? (found[2] as string) : undefined }
      const folder = readme === 'README.md' ? 'root' : (readme.split('/').at(-2) as string)
      blocks.push({ readme, line: start + 1, code, id: mode.kind === 'run' && mode.name ? mode.name : `${folder}-${start + 1}`, mode })
    }
    index = end
    previous = ''
  }
  return blocks
}

function isClosing(line: string, chars: string): boolean {
  const trimmed = line.trim()
  return trimmed.length >= chars.length && trimmed === (chars[0] as string).repeat(trimmed.length)
}

/** The READMEs whose examples are checked: the root's, and each package's and app's, relative to `root`. */
export function readmeFiles(root: string): string[] {
  const files = ['README.md']
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const path = `${group}/${name}/README.md`
      if (statSync(join(root, path), { throwIfNoEntry: false })?.isFile()) files.push(path)
    }
  }
  return files
}

/** Every TypeScript block of every README under `root`. */
export function extractAll(root: string): ReadmeBlock[] {
  return readmeFiles(root).flatMap((readme) => extractBlocks(readFileSync(join(root, readme), 'utf8'), readme))
}
