import { execFileSync } from 'node:child_process'

// Read-only use: --no-optional-locks keeps `git status` from rewriting the
// index of a repository others may be working in.
const fixedOptions = ['--no-optional-locks', '-c', 'core.quotePath=false', '-c', 'log.showSignature=false']

/**
 * Runs git in `cwd` and returns its stdout.
 *
 * @throws Error naming the command, the folder and git's message.
 */
export function git(cwd: string, args: readonly string[]): string {
  try {
    return execFileSync('git', [...fixedOptions, ...args], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim()
    throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${stderr || (error as Error).message}`, { cause: error })
  }
}

/** Whether git succeeds (for questions such as "is there a HEAD yet?"). */
export function gitSucceeds(cwd: string, args: readonly string[]): boolean {
  try {
    execFileSync('git', [...fixedOptions, ...args], { cwd, stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/**
 * The contents of many `<revision>:<path>` objects, read by one
 * `git cat-file --batch`; `undefined` for those that do not exist (a file
 * the commit added) and for empty specs (a root commit's missing parent).
 */
export function readObjects(cwd: string, specs: readonly string[]): (string | undefined)[] {
  const asked = specs.filter(Boolean)
  if (asked.length === 0) return specs.map(() => undefined)
  const output = execFileSync('git', [...fixedOptions, 'cat-file', '--batch'], { cwd, input: asked.map((spec) => `${spec}\n`).join(''), maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] })
  const contents: (string | undefined)[] = []
  let offset = 0
  for (const spec of specs) {
    if (!spec) {
      contents.push(undefined)
      continue
    }
    const end = output.indexOf(0x0a, offset)
    const header = output.subarray(offset, end).toString('utf8')
    offset = end + 1
    // "<oid> <type> <size>" then the bytes and a newline; "<spec> missing" (or ambiguous) alone.
    const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header)
    if (!match) {
      if (!header.startsWith(spec)) throw new Error(`git cat-file --batch: unexpected reply "${header}" for ${spec}`)
      contents.push(undefined)
      continue
    }
    const size = Number(match[2])
    contents.push(match[1] === 'blob' ? output.subarray(offset, offset + size).toString('utf8') : undefined)
    offset += size + 1
  }
  return contents
}
