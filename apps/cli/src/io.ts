/** Where the CLI writes and what it knows of its terminal; injectable for tests. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown; isTTY?: boolean }
  env: Record<string, string | undefined>
  cwd: string
  /** Aborted on Ctrl-C or SIGTERM: a running export discards what it has not finished. */
  signal?: AbortSignal
}

/** The process's own streams, environment and working directory. */
export function processIo(signal?: AbortSignal): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), ...(signal ? { signal } : {}) }
}
