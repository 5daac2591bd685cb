import type { CliIo } from './io.js'

/** A CliIo that records what the command writes (tests only). */
export function captureIo(cwd: string, isTTY = false): CliIo & { out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return {
    stdout: { write: (text: string) => (out += text), isTTY },
    stderr: { write: (text: string) => (err += text), isTTY },
    env: {},
    cwd,
    out: () => out,
    err: () => err,
  }
}
