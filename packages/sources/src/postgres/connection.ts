import { userInfo } from 'node:os'
import { ParquetryError } from '@parquetry/schema'
import type { PostgresConnectionOptions } from './options.js'

/** Where a session connects, resolved from options and environment (libpq's precedence). */
export interface ResolvedConnection {
  user: string
  host: string
  port: number
  database: string
  password: string | undefined
  applicationName: string
  /** Seconds to wait for the connection (PGCONNECT_TIMEOUT / connect_timeout); 0 waits for ever. */
  connectTimeout: number
  /** What to hand pg: a full URL, or (from PG* variables alone) its fields. */
  pgConfig: Record<string, unknown>
}

const DEFAULT_CONNECT_TIMEOUT = 30

function osUser(env: Readonly<Record<string, string | undefined>>): string {
  if (env['USER']) return env['USER']
  try {
    return userInfo().username
  } catch {
    return 'postgres'
  }
}

// libpq's PGSSLMODE, as pg reads it when no URL says otherwise.
function sslFromMode(mode: string | undefined): boolean | { rejectUnauthorized: false } {
  switch (mode) {
    case 'prefer':
    case 'require':
    case 'verify-ca':
    case 'verify-full':
      return true
    case 'no-verify':
      return { rejectUnauthorized: false }
    default:
      return false
  }
}

function parseUrl(text: string): URL {
  let url: URL | undefined
  try {
    url = new URL(text)
  } catch {
    url = undefined
  }
  if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')) {
    throw new ParquetryError('CONFIG_INVALID', `not a postgres:// URL: ${redactSecrets(text, { connectionString: text })}`)
  }
  return url
}

const decode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * The connection `options` lead to: the URL (`connectionString`, else
 * `env.DATABASE_URL`) with what it leaves out filled from PG* variables, else
 * the PG* variables alone, else pg's defaults. Nothing is read from
 * `process.env` when `env` is given.
 *
 * @throws ParquetryError `CONFIG_INVALID` for a URL that is not postgres:// (the message is redacted).
 */
export function resolveConnection(options: PostgresConnectionOptions = {}): ResolvedConnection {
  const env = options.env ?? process.env
  const text = options.connectionString ?? (env['DATABASE_URL'] || undefined)
  const timeoutText = env['PGCONNECT_TIMEOUT']
  let connectTimeout = timeoutText !== undefined && /^\d+$/.test(timeoutText) ? Number(timeoutText) : DEFAULT_CONNECT_TIMEOUT
  if (text === undefined) {
    const user = env['PGUSER'] || osUser(env)
    const resolved = {
      user,
      host: env['PGHOST'] || 'localhost',
      port: Number(env['PGPORT'] || 5432),
      database: env['PGDATABASE'] || user,
      password: env['PGPASSWORD'] || undefined,
      applicationName: options.applicationName ?? (env['PGAPPNAME'] || 'parquetry'),
      connectTimeout,
    }
    const pgConfig: Record<string, unknown> = {
      user: resolved.user,
      host: resolved.host,
      port: resolved.port,
      database: resolved.database,
      ssl: sslFromMode(env['PGSSLMODE']),
      application_name: resolved.applicationName,
    }
    if (resolved.password !== undefined) pgConfig['password'] = resolved.password
    return { ...resolved, pgConfig }
  }
  const url = parseUrl(text)
  const socket = url.searchParams.get('host')
  const host = socket || decode(url.hostname) || env['PGHOST'] || 'localhost'
  const user = decode(url.username) || env['PGUSER'] || osUser(env)
  const port = Number(url.searchParams.get('port') || url.port || env['PGPORT'] || 5432)
  const database = decode(url.pathname.slice(1)) || env['PGDATABASE'] || user
  const password = decode(url.password) || env['PGPASSWORD'] || undefined
  const applicationName = options.applicationName ?? (url.searchParams.get('application_name') || env['PGAPPNAME'] || 'parquetry')
  const urlTimeout = url.searchParams.get('connect_timeout')
  if (urlTimeout !== null && /^\d+$/.test(urlTimeout)) connectTimeout = Number(urlTimeout)
  // What the URL leaves out is written into it, so that pg (which would read process.env) finds every field.
  const full = new URL(url.href)
  if (!full.username) full.username = encodeURIComponent(user)
  if (!full.password && password !== undefined) full.password = encodeURIComponent(password)
  if (host.startsWith('/')) {
    full.searchParams.set('host', host)
  } else if (!full.hostname) {
    full.hostname = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  }
  if (!full.port && !full.searchParams.has('port')) full.searchParams.set('port', String(port))
  if (full.pathname.length <= 1) full.pathname = `/${encodeURIComponent(database)}`
  full.searchParams.set('application_name', applicationName)
  const sslKeys = ['sslmode', 'ssl', 'sslcert', 'sslkey', 'sslrootcert']
  if (!sslKeys.some((key) => full.searchParams.has(key)) && env['PGSSLMODE']) full.searchParams.set('sslmode', env['PGSSLMODE'])
  const pgConfig: Record<string, unknown> = { connectionString: full.href }
  if (!sslKeys.some((key) => full.searchParams.has(key))) pgConfig['ssl'] = false
  return { user, host, port, database, password, applicationName, connectTimeout, pgConfig }
}

/**
 * `postgres://user@host:5432/db` of the connection `options` lead to — never
 * a password — for messages and footers. A socket directory is written
 * URL-encoded (`postgres://me@%2Fvar%2Frun%2Fpostgresql:5432/app`).
 */
export function describeConnection(options: PostgresConnectionOptions = {}): string {
  const { user, host, port, database } = resolveConnection(options)
  const hostText = host.startsWith('/') ? encodeURIComponent(host) : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return `postgres://${encodeURIComponent(user)}@${hostText}:${port}/${encodeURIComponent(database)}`
}

function knownPasswords(options: PostgresConnectionOptions): string[] {
  const env = options.env ?? process.env
  const found = new Set<string>()
  for (const text of [options.connectionString, env['DATABASE_URL']]) {
    if (!text) continue
    try {
      const password = new URL(text).password
      if (password) {
        found.add(password)
        found.add(decode(password))
      }
    } catch {
      // Not a URL: the pattern below still removes what looks like one's password.
    }
  }
  if (env['PGPASSWORD']) found.add(env['PGPASSWORD'])
  return [...found].filter((password) => password.length > 0).sort((a, b) => b.length - a.length)
}

/**
 * `text` with secrets removed: the password of any postgres URL in it
 * (`postgres://u:***@h/db`), `password=…` of key/value connection strings,
 * and every occurrence of the passwords `options` lead to (the URL's,
 * DATABASE_URL's, PGPASSWORD).
 */
export function redactSecrets(text: string, options: PostgresConnectionOptions = {}): string {
  let result = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^\s/]*@/gi, '$1***@').replace(/(\bpassword\s*=\s*)('[^']*'|\S+)/gi, '$1***')
  for (const password of knownPasswords(options)) result = result.split(password).join('***')
  return result
}
