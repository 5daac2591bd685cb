import { dirname, resolve } from 'node:path'
/** Where the CLI writes and what it knows of its terminal; injectable for tests. */
export interface CliIo {
  /** `columns`: the terminal's width, when stdout is one (tables fit it). */
  stdout: {
    write(text: string): unknown
    isTTY?: boolean
    columns?: number
    /** Resolves once what was written has gone to the reader (a pipe's backpressure); absent: at once. */
    drained?: () => Promise<void>
  }
  stderr: { write(text: string): unknown; isTTY?: boolean }
  env: Record<string, string | undefined>
  cwd: string
  /** Aborted on Ctrl-C or SIGTERM: a running export discards what it has not finished. */
  signal?: AbortSignal
  /** No notes on stderr (the config loaded, hints): set under --json and --quiet. */
  quiet?: boolean
  /** More notes on stderr (the settings in force): set under --verbose. */
  verbose?: boolean
  /**
   * The clock of "today" (a report's default window, `status`, which days of
   * a PostgreSQL table are over). Default: the system's. Tests set one instant.
   */
  now?: () => Date
  /** Standard input, read whole (`parquetry query -` reads its SQL there). */
  readStdin?: () => Promise<string>
}

// Set once stdout's reader has gone (`parquetry export … | head -1`): what is
// left to print is dropped, and the command runs to its end — an export
// finishes (or fails) as it would have, and its exit code says which.
let stdoutGone = false

/** Treats a closed pipe on stdout (EPIPE) as "print nothing more", not as the end of the run. */
export function keepRunningWhenStdoutCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      stdoutGone = true
      return
    }
    throw error
  })
}

/**
 * The process's own streams, environment and working directory. Run through
 * a package script (`pnpm parquetry …`), the working directory is the one the
 * user ran it in (`INIT_CWD`), not the package's.
 */
export function processIo(signal?: AbortSignal): CliIo {
  let full = false
  const stdout = {
    write: (text: string) => {
      if (stdoutGone) return true
      if (!process.stdout.write(text)) full = true
      return !full
    },
    drained: async () => {
      if (!full || stdoutGone) return
      // 'drain' once the pipe takes more; 'close' or 'error' when its reader has gone.
      await new Promise<void>((done) => {
        const finish = () => {
          process.stdout.off('drain', finish)
          process.stdout.off('close', finish)
          process.stdout.off('error', finish)
          done()
        }
        process.stdout.once('drain', finish)
        process.stdout.once('close', finish)
        process.stdout.once('error', finish)
      })
      full = false
    },
    get isTTY() {
      return process.stdout.isTTY
    },
    get columns() {
      return process.stdout.isTTY ? process.stdout.columns : undefined
    },
  }
  return { stdout, stderr: process.stderr, env: process.env, cwd: commandCwd(process.env, process.cwd()), readStdin, ...(signal ? { signal } : {}) }
}

/** Everything on standard input, as UTF-8 text. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * Where the user ran the command: `INIT_CWD` when pnpm or npm runs it as a
 * package script (the process then runs in the folder of the package.json
 * whose script it is), else the process's own. A process started from within
 * a script, in a folder of its own, inherits the variables but keeps its folder.
 */
export function commandCwd(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  const initCwd = env['INIT_CWD']
  const packageJson = env['npm_package_json']
  return initCwd && packageJson && resolve(dirname(packageJson)) === resolve(cwd) ? initCwd : cwd
}
