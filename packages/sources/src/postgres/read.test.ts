import { ParquetryError, pageviewsSchema } from '@parquetry/schema'
import pg from 'pg'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { validateRecords } from '../rejects/validate.js'
import type { SourceItem } from '../types.js'
import { readPostgres } from './read.js'
import { connectPostgres } from './session.js'
import { useTestDatabase } from './test-database.js'

const database = useTestDatabase()

async function admin<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  try {
    return (await client.query(sql, params)).rows as T[]
  } finally {
    await client.end()
  }
}

async function collect(source: AsyncIterable<SourceItem[]>): Promise<SourceItem[]> {
  const items: SourceItem[] = []
  for await (const batch of source) items.push(...batch)
  return items
}

async function failure(promise: Promise<unknown>): Promise<ParquetryError> {
  try {
    await promise
  } catch (error) {
    return error as ParquetryError
  }
  throw new Error('expected a failure')
}

async function connectionsNamed(name: string): Promise<number> {
  const rows = await admin<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [name])
  return rows[0]?.n ?? -1
}

/** Polls until `check` holds: a wait for a state, never a measure of how long it took. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  await vi.waitFor(async () => expect(await check(), `waiting for ${what}`).toBe(true), { timeout: 10_000, interval: 50 })
}

async function serverWait(application: string): Promise<string | undefined> {
  const rows = await admin<{ wait_event: string | null }>('SELECT wait_event FROM pg_stat_activity WHERE application_name = $1', [application])
  return rows[0]?.wait_event ?? undefined
}

// Read the Docs' PageView rows (seed 003), with the types a Django model gives them.
const pageviewsTable = `CREATE TABLE pageviews (
  id bigserial PRIMARY KEY, project_id integer NOT NULL, project_slug varchar(63) NOT NULL, version_id integer, version_slug varchar(255),
  path varchar(4096) NOT NULL, full_path varchar(4096), view_count integer NOT NULL, date date NOT NULL, status smallint NOT NULL, score numeric(10,3))`

const query = 'SELECT id, project_id, project_slug, version_id, version_slug, path, full_path, view_count, date, status FROM pageviews WHERE date = $1 ORDER BY id'

describe('readPostgres', () => {
  beforeAll(async () => {
    await admin(pageviewsTable)
    await admin(`INSERT INTO pageviews (project_id, project_slug, version_id, version_slug, path, full_path, view_count, date, status, score)
      SELECT 1 + g % 7, 'project-' || (g % 7), CASE WHEN g % 5 = 0 THEN NULL ELSE g % 11 END, CASE WHEN g % 5 = 0 THEN NULL ELSE 'v' || (g % 11) END,
        '/docs/page-' || g || '.html', '/en/latest/docs/page-' || g || '.html', 1 + g % 97, date '2026-11-01' + (g % 3), CASE WHEN g % 13 = 0 THEN 404 ELSE 200 END, g / 8.0
      FROM generate_series(1, 30000) g`)
  })

  it('streams a day of pageviews in batches, each record located by row number and id, and validates against the schema', async () => {
    const progress: [number, number][] = []
    const source = readPostgres({ connectionString: database.url, query, params: ['2026-11-02'], name: 'pageviews', columns: pageviewsSchema.columns, batchSize: 1000, onProgress: (rows, bytes) => progress.push([rows, bytes]) })
    const batches: SourceItem[][] = []
    for await (const batch of source) batches.push(batch)
    const items = batches.flat()
    // 10,000 rows in batches of at most 1000: ten full ones.
    expect(batches.map((batch) => batch.length)).toEqual(Array.from({ length: 10 }, () => 1000))
    expect(items).toHaveLength(10000)
    expect(items[0]).toEqual({
      kind: 'record',
      values: { id: 1n, project_id: 2, project_slug: 'project-1', version_id: 1, version_slug: 'v1', path: '/docs/page-1.html', full_path: '/en/latest/docs/page-1.html', view_count: 2, date: '2026-11-02', status: 200 },
      location: { source: 'pageviews', index: 0, path: 'id=1' },
    })
    expect(items[9999]?.location).toEqual({ source: 'pageviews', index: 9999, path: 'id=29998' })
    expect(progress.at(-1)?.[0]).toBe(10000)
    expect(progress.at(-1)?.[1]).toBeGreaterThan(10000 * 60)

    const rows = validateRecords({ source: readPostgres({ connectionString: database.url, query, params: ['2026-11-03'], name: 'pageviews', columns: pageviewsSchema.columns }), schema: pageviewsSchema })
    const typed = []
    for await (const batch of rows) typed.push(...batch)
    expect(rows.summary).toMatchObject({ read: 10000, accepted: 10000, rejected: 0, noticed: 0 })
    expect(typed[1]).toEqual({ id: 5n, project_id: 6, project_slug: 'project-5', version_id: null, version_slug: null, path: '/docs/page-5.html', full_path: '/en/latest/docs/page-5.html', view_count: 6, date: '2026-11-03', status: 200 })
  })

  it('checks the query columns against the schema before any row, naming column, type and the fix', async () => {
    const read = (sql: string, columns = pageviewsSchema.columns) => collect(readPostgres({ connectionString: database.url, query: sql, name: 'pageviews', columns }))
    // numeric into a string column: the exact decimal text.
    const exact = await read('SELECT id, score AS path FROM pageviews WHERE id IN (1, 3) ORDER BY id')
    expect(exact.filter((item) => item.kind === 'record').map((item) => (item.kind === 'record' ? item.values['path'] : undefined))).toEqual(['0.125', '0.375'])
    const refused = await failure(read('SELECT id, score AS view_count FROM pageviews'))
    expect(refused).toBeInstanceOf(ParquetryError)
    expect(refused).toMatchObject({
      code: 'SOURCE_READ_FAILED',
      message: 'pageviews: column view_count is numeric in PostgreSQL, which a int32 column does not take (its values would lose digits); cast it in the query (view_count::integer)',
    })
    expect(await failure(read('SELECT id, 1.5::float8 AS status FROM pageviews'))).toMatchObject({ message: expect.stringMatching(/^pageviews: column status is float8 in PostgreSQL, which a int16 column does not take; cast it in the query \(status::smallint\)$/) })
    expect(await failure(read("SELECT id, interval '1 day' AS span FROM pageviews"))).toMatchObject({
      code: 'SOURCE_READ_FAILED',
      message: 'pageviews: column span is of PostgreSQL type interval, which the reader does not decode; cast it in the query (span::text)',
    })
    expect(await failure(read('SELECT id, id FROM pageviews'))).toMatchObject({ message: 'pageviews: the query returns two columns named id; give one of them another name (AS)' })
  })

  it('gives notice of query columns the schema lacks and schema columns the query lacks, before the rows', async () => {
    const items = await collect(readPostgres({ connectionString: database.url, query: 'SELECT id, path, score FROM pageviews WHERE id = 1', name: 'pv', columns: pageviewsSchema.columns }))
    expect(items.map((item) => item.kind)).toEqual(['notice', 'notice', 'record'])
    expect(items[0]).toMatchObject({ code: 'unknown-column', columns: ['score'], location: { source: 'pv' } })
    expect(items[1]).toMatchObject({ code: 'missing-column', columns: ['project_id', 'project_slug', 'version_id', 'version_slug', 'full_path', 'view_count', 'date', 'status'] })
  })

  it('runs before() in the same snapshot as the rows; its throw fails the read', async () => {
    let counted = -1
    const items = await collect(
      readPostgres({
        connectionString: database.url,
        query: 'SELECT id FROM pageviews ORDER BY id',
        name: 'snapshot',
        before: async (session) => {
          counted = Number((await session.query<{ n: bigint }>('SELECT count(*) AS n FROM pageviews'))[0]?.n)
          // Committed by another connection after the snapshot: not seen by the COPY.
          await admin("INSERT INTO pageviews (project_id, project_slug, path, view_count, date, status) VALUES (1, 'late', '/late', 1, '2026-11-01', 200)")
        },
      }),
    )
    expect(counted).toBe(30000)
    expect(items).toHaveLength(30000)
    await admin("DELETE FROM pageviews WHERE project_slug = 'late'")

    const own = new ParquetryError('VERIFY_FAILED', 'digest changed')
    expect(await failure(collect(readPostgres({ connectionString: database.url, query: 'SELECT 1 AS x', name: 'checked', before: async () => { throw own } })))).toBe(own)
    expect(await failure(collect(readPostgres({ connectionString: database.url, query: 'SELECT 1 AS x', name: 'checked', before: async () => { throw new Error('nope') } })))).toMatchObject({
      code: 'SOURCE_READ_FAILED',
      message: 'checked: the check before reading failed: nope',
    })
  })

  it('fails a bad query with SOURCE_READ_FAILED naming the source and PostgreSQL\'s reason', async () => {
    const error = await failure(collect(readPostgres({ connectionString: database.url, query: 'SELECT nope FROM pageviews', name: 'broken' })))
    expect(error).toMatchObject({ code: 'SOURCE_READ_FAILED', details: { sqlState: '42703' } })
    expect(error.message).toMatch(/^broken: postgres:\/\/postgres@127\.0\.0\.1:\d+\/parquetry_t_\d+_[0-9a-f]+: the query failed: column "nope" does not exist$/)
  })

  it('closes the connection when the loop breaks, and when the signal aborts', async () => {
    const url = `${database.url}?application_name=parquetry-break`
    for await (const batch of readPostgres({ connectionString: url, query: 'SELECT id FROM pageviews', name: 'b', batchSize: 100 })) {
      expect(batch).toHaveLength(100)
      expect(await connectionsNamed('parquetry-break')).toBe(1)
      break
    }
    await until(async () => (await connectionsNamed('parquetry-break')) === 0, 'the connection to close after break')

    const controller = new AbortController()
    const aborted = url.replace('parquetry-break', 'parquetry-abort')
    const seen: number[] = []
    const error = await failure(
      (async () => {
        for await (const batch of readPostgres({ connectionString: aborted, query: 'SELECT g FROM generate_series(1, 10000000) g', name: 'a', batchSize: 1000, signal: controller.signal })) {
          seen.push(batch.length)
          if (seen.length === 3) controller.abort()
        }
      })(),
    )
    // The abort went through the signal: the read failed ABORTED after the rows already decoded, far from the 10,000 batches.
    expect(error).toMatchObject({ code: 'ABORTED', message: 'a: read aborted' })
    expect(seen.slice(0, 3)).toEqual([1000, 1000, 1000])
    expect(seen.length).toBeLessThan(10)
    await until(async () => (await connectionsNamed('parquetry-abort')) === 0, 'the connection to close after abort')
    // Aborted before it starts: nothing is opened.
    expect(await failure(collect(readPostgres({ connectionString: aborted, query: 'SELECT 1', name: 'a', signal: controller.signal })))).toMatchObject({ code: 'ABORTED' })
  })

  it('fails with SOURCE_READ_FAILED when the backend is terminated mid-COPY, instead of waiting for the rest', async () => {
    const url = `${database.url}?application_name=parquetry-terminated`
    let batches = 0
    const error = await failure(
      (async () => {
        for await (const _ of readPostgres({ connectionString: url, query: "SELECT g, repeat('x', 100) FROM generate_series(1, 5000000) g", name: 'doomed', batchSize: 1000 })) {
          batches++
          if (batches === 5) {
            await admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'parquetry-terminated'")
          }
        }
      })(),
    )
    expect(error).toBeInstanceOf(ParquetryError)
    expect(error.code).toBe('SOURCE_READ_FAILED')
    // The server's FATAL message, or (when it dies blocked on its socket, unable to send one) the end of the connection.
    expect(error.message).toMatch(/^doomed: reading postgres:\/\/postgres@[^ ]+ failed: (terminating connection due to administrator command|Connection terminated unexpectedly)/)
    // It ended with the connection, not after the 5,000 batches the query would have given; nothing of it is left.
    expect(batches).toBeGreaterThanOrEqual(5)
    expect(batches).toBeLessThan(5000)
    await until(async () => (await connectionsNamed('parquetry-terminated')) === 0, 'the terminated backend to be gone')
  })

  it('pauses the COPY while the consumer is slow: the server waits on its socket and memory stays flat', async () => {
    const url = `${database.url}?application_name=parquetry-slow`
    const before = process.memoryUsage().rss
    let waited: string | undefined
    let progressBytes = 0
    // ~1.2 GB of COPY data if it were all read.
    for await (const _ of readPostgres({ connectionString: url, query: "SELECT g, repeat('x', 200) FROM generate_series(1, 5000000) g", name: 'slow', batchSize: 1000, onProgress: (_rows, bytes) => (progressBytes = bytes) })) {
      await until(async () => (waited = await serverWait('parquetry-slow')) === 'ClientWrite', 'the server to wait on the socket')
      // Looked at again: still blocked, as long as the consumer holds its batch (no time is measured).
      expect(await serverWait('parquetry-slow')).toBe('ClientWrite')
      break
    }
    expect(waited).toBe('ClientWrite')
    expect(progressBytes).toBeLessThan(2 * 1024 * 1024)
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024)
  })

  it('refuses text that is not UTF-8 from a SQL_ASCII database (which passes bytes on unchecked) instead of making it U+FFFD', async () => {
    const client = new pg.Client({ connectionString: database.serverUrl })
    await client.connect()
    const name = `parquetry_ascii_${process.pid}`
    try {
      await client.query(`CREATE DATABASE ${name} ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`)
      const url = new URL(database.serverUrl)
      url.pathname = `/${name}`
      const read = (sql: string) => collect(readPostgres({ connectionString: url.href, query: sql, name: 'ascii' }))
      expect((await read("SELECT 'plain' AS t, convert_from('\\xc3a9'::bytea, 'SQL_ASCII') AS e"))[0]).toMatchObject({ values: { t: 'plain', e: 'é' } })
      const error = await failure(read("SELECT convert_from('\\x61ff62'::bytea, 'SQL_ASCII') AS t"))
      expect(error).toMatchObject({ code: 'SOURCE_READ_FAILED', message: expect.stringMatching(/^ascii: reading .* failed: (invalid byte sequence for encoding "UTF8": 0xff|The encoded data was not valid for encoding utf-8)$/) })
      expect(await failure(read("SELECT convert_from('\\x7b2261223a2022ff227d'::bytea, 'SQL_ASCII')::jsonb AS j"))).toMatchObject({ code: 'SOURCE_READ_FAILED' })
    } finally {
      await client.query(`DROP DATABASE IF EXISTS ${name}`)
      await client.end()
    }
  })

  it('keeps any column name as an own key of the values, however it is spelt', async () => {
    const names = ['__proto__', 'a"b', 'x\\ y', 'é☃', 'constructor', '}; throw 1; ({', 'line\nbreak', '\u2028']
    const select = names.map((name, index) => `${index} AS "${name.replaceAll('"', '""')}"`).join(', ')
    const [item] = await collect(readPostgres({ connectionString: database.url, query: `SELECT ${select}`, name: 'names' }))
    const values = item?.kind === 'record' ? item.values : {}
    expect(Object.keys(values)).toEqual(names)
    expect(Object.getPrototypeOf(values)).toBe(Object.prototype)
    expect(Object.getOwnPropertyDescriptor(values, '__proto__')?.value).toBe(0)
    expect(names.map((name) => Object.getOwnPropertyDescriptor(values, name)?.value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  it('refuses copyRows outside a transaction, and query() while a COPY streams', async () => {
    const session = await connectPostgres({ connectionString: database.url })
    try {
      expect(await failure(collect(session.copyRows('SELECT 1 AS x', [], { name: 'outside' })))).toMatchObject({
        code: 'USAGE',
        message: 'outside: copyRows() must run inside transaction() (its parameters are transaction-local settings)',
      })
      const error = await failure(
        session.transaction(async (inside) => {
          for await (const _ of inside.copyRows('SELECT g FROM generate_series(1, 100000) g', [], { name: 'busy', batchSize: 10 })) await inside.query('SELECT 1')
        }),
      )
      expect(error).toMatchObject({ code: 'USAGE', message: expect.stringMatching(/query\(\) while a COPY streams on this session/) })
    } finally {
      await session.close()
    }
  })

  it('goes on in the session after a COPY read to its end, and a stopped COPY closes the session', async () => {
    const session = await connectPostgres({ connectionString: database.url })
    try {
      const counted = await session.transaction(async (inside) => {
        const items = await collect(inside.copyRows('SELECT id FROM pageviews WHERE id <= $1', [10], { name: 'first' }))
        const [row] = await inside.query<{ n: bigint }>('SELECT count(*) AS n FROM pageviews WHERE id <= $1', [10])
        return [items.length, row?.n]
      })
      expect(counted).toEqual([10, 10n])
      const stopped = await failure(
        session.transaction(async (inside) => {
          for await (const _ of inside.copyRows('SELECT id FROM pageviews', [], { name: 'stopped', batchSize: 10 })) break
        }),
      )
      expect(stopped).toMatchObject({ code: 'SOURCE_READ_FAILED', message: expect.stringMatching(/the session is closed \(a COPY was stopped before its end\)/) })
    } finally {
      await session.close()
    }
  })
})
