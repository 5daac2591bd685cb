import type { CliIo } from './io.js'
import { runCli } from './run-cli.js'

/**
 * A CliIo that records what the command writes (tests only). Quiet unless
 * asked (`notes: true`): the note of which config was loaded is tested on its own.
 */
export function captureIo(cwd: string, isTTY = false, options: { notes?: boolean } = {}): CliIo & { out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return {
    stdout: { write: (text: string) => (out += text), isTTY },
    stderr: { write: (text: string) => (err += text), isTTY },
    env: {},
    cwd,
    ...(options.notes ? {} : { quiet: true }),
    out: () => out,
    err: () => err,
  }
}

/** Runs the CLI in `cwd` with `env` (an S3 server's variables, say), and `now` as its clock when given: its exit code and what it printed. */
export async function runIn(cwd: string, env: Record<string, string>, args: string[], options: { now?: Date } = {}): Promise<{ code: number; out: string; err: string }> {
  const { now } = options
  const io = { ...captureIo(cwd), env, ...(now ? { now: () => now } : {}) }
  const code = await runCli(args, io)
  return { code, out: io.out(), err: io.err() }
}
