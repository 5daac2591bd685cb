import { testPostgres } from '@parquetry/testing'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { describeConnection, redactSecrets, resolveConnection } from './connection.js'
import { readPostgres } from './read.js'
import { connectPostgres } from './session.js'
import { useTestDatabase } from './test-database.js'

const database = useTestDatabase()

async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string; cause?: unknown }> {
  try {
    await promise
  } catch (error) {
    return error as { code: string; message: string }
  }
  throw new Error('expected a failure')
}

describe('where a session connects (libpq precedence)', () => {
  const pgEnv = { PGHOST: 'pg.internal', PGPORT: '6543', PGUSER: 'reader', PGPASSWORD: 'env-secret', PGDATABASE: 'rtd', USER: 'someone' }

  it('takes connectionString first, then DATABASE_URL, then PG* variables, then the defaults', () => {
    expect(describeConnection({ connectionString: 'postgres://u:pw@h:5433/app', env: { DATABASE_URL: 'postgres://x@y/z', ...pgEnv } })).toBe('postgres://u@h:5433/app')
    expect(describeConnection({ env: { DATABASE_URL: 'postgresql://ops:pw@db.example.com/metrics', ...pgEnv } })).toBe('postgres://ops@db.example.com:6543/metrics')
    expect(describeConnection({ env: pgEnv })).toBe('postgres://reader@pg.internal:6543/rtd')
    expect(describeConnection({ env: { USER: 'someone' } })).toBe('postgres://someone@localhost:5432/someone')
    expect(describeConnection({ env: { DATABASE_URL: '', PGUSER: 'reader' } })).toBe('postgres://reader@localhost:5432/reader')
  })

  it('fills what a URL leaves out from PG* variables, and reads nothing of process.env when env is given', () => {
    const resolved = resolveConnection({ connectionString: 'postgres://db.internal', env: pgEnv })
    expect(resolved).toMatchObject({ user: 'reader', host: 'db.internal', port: 6543, database: 'rtd', password: 'env-secret', applicationName: 'parquetry' })
    expect(new URL(resolved.pgConfig['connectionString'] as string).password).toBe('env-secret')
    expect(resolveConnection({ env: { PGSSLMODE: 'require', USER: 'u' } }).pgConfig['ssl']).toBe(true)
    expect(resolveConnection({ env: { USER: 'u' } }).pgConfig['ssl']).toBe(false)
    expect(resolveConnection({ connectionString: 'postgres://h/db', env: { PGSSLMODE: 'disable', USER: 'u' } }).pgConfig['connectionString']).toMatch(/sslmode=disable/)
    expect(resolveConnection({ connectionString: 'postgres://h/db?application_name=etl', env: {} }).applicationName).toBe('etl')
    expect(resolveConnection({ connectionString: 'postgres://h/db?application_name=etl', env: {}, applicationName: 'mine' }).applicationName).toBe('mine')
  })

  it('describes socket folders, IPv6 hosts and encoded names without a password', () => {
    expect(describeConnection({ connectionString: 'postgres:///app?host=/var/run/postgresql', env: { USER: 'me' } })).toBe('postgres://me@%2Fvar%2Frun%2Fpostgresql:5432/app')
    expect(describeConnection({ connectionString: 'postgresql://u:p@[::1]:5433/db', env: {} })).toBe('postgres://u@[::1]:5433/db')
    expect(describeConnection({ connectionString: 'postgres://us%40er:p%40ss@h/d%20b', env: {} })).toBe('postgres://us%40er@h:5432/d%20b')
  })

  it('refuses what is not a postgres URL without repeating its password', () => {
    expect(() => describeConnection({ connectionString: 'mysql://u:hunter2@h/db' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: 'not a postgres:// URL: mysql://u:***@h/db' }))
  })
})

describe('redactSecrets', () => {
  it('removes URL passwords, password= pairs and the passwords the options lead to', () => {
    expect(redactSecrets('failed for postgres://u:hunter2@h:5432/db and postgresql://a:b@c/d')).toBe('failed for postgres://u:***@h:5432/db and postgresql://a:***@c/d')
    expect(redactSecrets('host=h password=hunter2 user=u')).toBe('host=h password=*** user=u')
    expect(redactSecrets('echo: s3cr%t and s3cr%25t', { connectionString: 'postgres://u:s3cr%25t@h/db' })).toBe('echo: *** and ***')
    expect(redactSecrets('said p@ss:word', { env: { PGPASSWORD: 'p@ss:word' } })).toBe('said ***')
    expect(redactSecrets('said p@ss', { env: { DATABASE_URL: 'postgres://u:p%40ss@h/db' } })).toBe('said ***')
    expect(redactSecrets('postgres://u:p@ss@h/db')).toBe('postgres://u:***@h/db')
    expect(redactSecrets('nothing to hide at postgres://u@h/db')).toBe('nothing to hide at postgres://u@h/db')
  })
})

describe('connection failures never show a password', () => {
  it('a refused port: SOURCE_READ_FAILED naming the connection, redacted', async () => {
    const url = 'postgres://reader:hunter2-refused@127.0.0.1:1/rtd'
    const error = await failure(connectPostgres({ connectionString: url }))
    expect(error).toMatchObject({ code: 'SOURCE_READ_FAILED' })
    expect(error.message).toMatch(/^postgres:\/\/reader@127\.0\.0\.1:1\/rtd: could not connect: .*ECONNREFUSED/)
    expect(JSON.stringify([error.message, String(error.cause)])).not.toContain('hunter2')
    const read = await failure((async () => { for await (const _ of readPostgres({ connectionString: url, query: 'SELECT 1', name: 'pageviews' })); })())
    expect(read.message).toMatch(/^pageviews: postgres:\/\/reader@127\.0\.0\.1:1\/rtd: could not connect: /)
    expect(read.message).not.toContain('hunter2')
  })

  it('a wrong password (a server that asks for one): redacted, the password in neither message nor cause', { timeout: 60_000 }, async () => {
    // The machine's server trusts every local connection: the embedded one asks for a password (scram-sha-256).
    const server = await testPostgres({ kind: 'embedded' })
    const url = new URL(server.url)
    url.password = 'wrong-hunter2'
    const error = await failure(connectPostgres({ connectionString: url.href }))
    expect(error).toMatchObject({ code: 'SOURCE_READ_FAILED' })
    expect(error.message).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres: could not connect: password authentication failed for user "postgres"$/)
    expect(JSON.stringify({ message: error.message, cause: String(error.cause), stack: (error as Error).stack })).not.toContain('wrong-hunter2')
    // And the right one works, from PG* variables alone.
    const right = new URL(server.url)
    const session = await connectPostgres({ env: { PGHOST: right.hostname, PGPORT: right.port, PGUSER: 'postgres', PGPASSWORD: decodeURIComponent(right.password), PGDATABASE: 'postgres' } })
    expect(await session.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
    await session.close()
  })

  it('connects with the application name, parquetry by default', async () => {
    const session = await connectPostgres({ connectionString: database.url })
    const named = await connectPostgres({ connectionString: database.url, applicationName: 'parquetry-export' })
    try {
      expect(await session.query("SELECT current_setting('application_name') AS name, current_setting('TimeZone') AS zone, current_setting('DateStyle') AS style")).toEqual([{ name: 'parquetry', zone: 'UTC', style: 'ISO, YMD' }])
      expect(await named.query("SELECT current_setting('application_name') AS name")).toEqual([{ name: 'parquetry-export' }])
      expect(session.description).toBe(describeConnection({ connectionString: database.url }))
    } finally {
      await session.close()
      await named.close()
    }
    // Closed means gone from the server too (it may take the backend a moment to leave pg_stat_activity).
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    let open = -1
    for (let attempt = 0; attempt < 100 && open !== 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50))
      const { rows } = await client.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'parquetry%' AND datname = current_database()")
      open = rows[0].n
    }
    await client.end()
    expect(open).toBe(0)
  })
})
