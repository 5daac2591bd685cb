import pg from 'pg'
import { beforeAll, describe, expect, it } from 'vitest'
import { connectPostgres } from './session.js'
import { useTestDatabase } from './test-database.js'

const database = useTestDatabase()

async function count(): Promise<number> {
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  try {
    return (await client.query('SELECT count(*)::int AS n FROM notes')).rows[0].n
  } finally {
    await client.end()
  }
}

async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise
  } catch (error) {
    return error as { code: string; message: string }
  }
  throw new Error('expected a failure')
}

describe('PostgresSession', () => {
  beforeAll(async () => {
    const session = await connectPostgres({ connectionString: database.url })
    await session.query('CREATE TABLE notes (id bigint PRIMARY KEY, body text)')
    await session.close()
  })

  it('query() binds parameters of every kind and returns typed rows', async () => {
    const session = await connectPostgres({ connectionString: database.url })
    try {
      const rows = await session.query('SELECT $1::int8 + 1 AS big, $2::text AS text, $3::bool AS flag, $4::float8 AS ratio, $5::text IS NULL AS missing, $6::numeric AS exact', [
        9223372036854775806n, "it's", false, 0.5, null, '0.10',
      ])
      expect(rows).toEqual([{ big: 9223372036854775807n, text: "it's", flag: false, ratio: 0.5, missing: true, exact: '0.10' }])
      expect(await session.query('SELECT 1 AS a WHERE false')).toEqual([])
      const error = await failure(session.query('SELECT * FROM missing_table'))
      expect(error).toMatchObject({ code: 'SOURCE_READ_FAILED', details: { sqlState: '42P01' } })
      expect(error.message).toMatch(/: query failed: relation "missing_table" does not exist$/)
    } finally {
      await session.close()
    }
  })

  it('transaction() commits on success and rolls back on throw, passing the error on unchanged', async () => {
    const session = await connectPostgres({ connectionString: database.url })
    try {
      expect(await session.transaction(async (inside) => {
        await inside.query('INSERT INTO notes VALUES (1, $1)', ['kept'])
        return 'done'
      }, { readOnly: false })).toBe('done')
      expect(await count()).toBe(1)
      const thrown = new Error('changed my mind')
      await expect(session.transaction(async (inside) => {
        await inside.query('INSERT INTO notes VALUES (2, $1)', ['dropped'])
        throw thrown
      }, { readOnly: false, isolation: 'read committed' })).rejects.toBe(thrown)
      expect(await count()).toBe(1)
      // The session goes on after both.
      expect(await session.query('SELECT body FROM notes')).toEqual([{ body: 'kept' }])
    } finally {
      await session.close()
    }
  })

  it('is read only and repeatable read by default, and says so when PostgreSQL rolled back instead of committing', async () => {
    const session = await connectPostgres({ connectionString: database.url })
    try {
      const settings = await session.transaction(async (inside) => inside.query<{ iso: string; ro: string }>("SELECT current_setting('transaction_isolation') AS iso, current_setting('transaction_read_only') AS ro"))
      expect(settings).toEqual([{ iso: 'repeatable read', ro: 'on' }])
      const refused = await failure(session.transaction(async (inside) => inside.query('INSERT INTO notes VALUES (3, $1)', ['no'])))
      expect(refused.message).toMatch(/cannot execute INSERT in a read-only transaction/)
      const swallowed = await failure(
        session.transaction(async (inside) => {
          await inside.query('SELECT 1/0').catch(() => undefined)
          return 'carried on'
        }),
      )
      expect(swallowed).toMatchObject({ code: 'SOURCE_READ_FAILED', message: expect.stringMatching(/the transaction was rolled back, not committed \(a statement in it failed\)$/) })
      expect(await failure(session.transaction(async (inside) => inside.transaction(async () => 1)))).toMatchObject({ code: 'USAGE' })
      expect(await failure(session.transaction(async () => 1, { isolation: 'snapshot' as 'serializable' }))).toMatchObject({ code: 'USAGE' })
      expect(await session.query('SELECT 2 AS two')).toEqual([{ two: 2 }])
    } finally {
      await session.close()
    }
  })

  it('fails calls after close() and after the backend is gone, without an unhandled error', async () => {
    const session = await connectPostgres({ connectionString: `${database.url}?application_name=parquetry-gone` })
    const admin = await connectPostgres({ connectionString: database.url })
    try {
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'parquetry-gone'")
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(await failure(session.query('SELECT 1'))).toMatchObject({ code: 'SOURCE_READ_FAILED' })
      await session.close()
      await session.close()
      expect(await failure(session.query('SELECT 1'))).toMatchObject({ code: 'SOURCE_READ_FAILED', message: expect.stringMatching(/the session is closed/) })
    } finally {
      await admin.close()
    }
  })
})
