import { createLocalStorage } from '@parquetry/storage'
import { duckDbQuery, thrown, useTempDir } from '@parquetry/testing'
import { open, readFile, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Querier } from './querier.js'
import { opsLayouts, queryPerfRows, writeDate } from './test-data.js'

const dir = useTempDir()
let querier: Querier

beforeAll(async () => {
  querier = await Querier.create({ root: dir.path, layouts: [] })
})
afterAll(() => querier.close())

/** Zeroes the pages of one column of a Parquet file, its footer intact. */
async function damagePages(path: string, column: string): Promise<void> {
  const [chunk] = await duckDbQuery('SELECT coalesce(dictionary_page_offset, data_page_offset)::INTEGER AS start, total_compressed_size::INTEGER AS size FROM parquet_metadata($1) WHERE path_in_schema = $2', [path, column])
  const handle = await open(path, 'r+')
  await handle.write(new Uint8Array(Number(chunk?.['size'])), 0, Number(chunk?.['size']), Number(chunk?.['start']))
  await handle.close()
}

async function collect<T>(batches: AsyncIterable<T[]>): Promise<T[][]> {
  const all: T[][] = []
  for await (const batch of batches) all.push(batch)
  return all
}

describe('several statements', () => {
  it('query refuses an earlier statement returning rows, naming queryAll, before running it', async () => {
    const refused = { code: 'USAGE', message: 'this SQL holds 2 statements and statement 1 returns rows of its own, which only its last would give: use queryAll() for one result per statement' }
    await expect(querier.query('SELECT 1 AS a; SELECT 2 AS b')).rejects.toMatchObject(refused)
    await expect(querier.query('SELECT 1 AS a; CREATE TEMP TABLE never AS SELECT 1 AS a')).rejects.toMatchObject(refused)
    expect((await querier.query("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'never'")).rows).toEqual([{ n: 0 }])
    // Known to return rows only once run: refused then.
    await expect(querier.query('PRAGMA version; SELECT 2 AS b')).rejects.toMatchObject(refused)
    // A trailing semicolon is no second statement.
    expect((await querier.query('SELECT 1 AS a;')).rows).toEqual([{ a: 1 }])
  })

  it("query runs the statements before the last, and gives the last one's rows with the parameters", async () => {
    expect((await querier.query("SET VARIABLE greeting = 'hi'; CREATE TEMP TABLE first_rows AS SELECT range AS i FROM range(4); SELECT getvariable('greeting') AS g, sum(i) + $add AS total FROM first_rows", { add: 10 })).rows).toEqual([{ g: 'hi', total: 16 }])
    // DuckDB parses a PIVOT without IN into a CREATE TYPE and a SELECT.
    // Not TEMP: a stream reads on a connection of its own.
    await querier.query("CREATE TABLE sales AS SELECT * FROM (VALUES ('x', 1), ('y', 2), ('x', 3)) AS v(k, n)")
    expect((await querier.queryAll('PIVOT sales ON k USING sum(n)')).length).toBe(2)
    expect((await querier.query('PIVOT sales ON k USING sum(n)')).rows).toEqual([{ x: 4, y: 2 }])
    expect(await collect(querier.stream('PIVOT sales ON k USING sum(n)'))).toEqual([[{ x: '4', y: '2' }]])
    await expect(querier.query('SELECT $1 AS a; SELECT 2 AS b', [1])).rejects.toMatchObject({ code: 'USAGE', message: 'no value for $1' })
  })

  it('queryAll returns one result per statement, in order', async () => {
    const results = await querier.queryAll('SELECT 1 AS a; SELECT 2 AS b; CREATE TEMP VIEW v AS SELECT 1; CREATE TEMP TABLE t AS SELECT range AS i FROM range(3); SELECT sum(i) AS total FROM t')
    expect(results).toEqual([
      { columns: [{ name: 'a', type: 'INTEGER' }], rows: [{ a: 1 }], returns: 'rows' },
      { columns: [{ name: 'b', type: 'INTEGER' }], rows: [{ b: 2 }], returns: 'rows' },
      { columns: [{ name: 'Count', type: 'BIGINT' }], rows: [], returns: 'nothing' },
      { columns: [{ name: 'Count', type: 'BIGINT' }], rows: [{ Count: 3 }], returns: 'nothing' },
      { columns: [{ name: 'total', type: 'HUGEINT' }], rows: [{ total: 3 }], returns: 'rows' },
    ])
    expect(await querier.queryAll('SELECT $1::BIGINT AS n', [9007199254740993n], { bigint: 'bigint' })).toEqual([{ columns: [{ name: 'n', type: 'BIGINT' }], rows: [{ n: 9007199254740993n }], returns: 'rows' }])
  })

  it('queryAll refuses parameters with several statements, and stops at a failing statement', async () => {
    await expect(querier.queryAll('SELECT $1 AS a; SELECT 2 AS b', [1])).rejects.toMatchObject({ code: 'USAGE', message: 'queryAll: parameters are bound to one statement, and this SQL holds 2; run the statement that needs them with query()' })
    await expect(querier.queryAll('SELECT $1 AS a; SELECT 2 AS b')).rejects.toMatchObject({ code: 'USAGE', message: 'no value for $1' })
    await expect(querier.queryAll('CREATE TEMP TABLE before_failure AS SELECT 1 AS a; SELECT * FROM nope; CREATE TEMP TABLE after_failure AS SELECT 1 AS a')).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining('nope') })
    expect((await querier.query("SELECT list_sort(list(table_name)) AS names FROM duckdb_tables() WHERE table_name LIKE '%_failure'")).rows).toEqual([{ names: ['before_failure'] }])
  })

  it('reports SQL that does not parse, or holds no statement', async () => {
    await expect(querier.query('SELEC 1')).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringMatching(/^query failed: Parser Error: syntax error at or near "SELEC"/) })
    await expect(querier.query(' -- nothing')).rejects.toMatchObject({ code: 'QUERY_FAILED', message: 'query failed: the SQL holds no statement' })
    await expect(querier.queryAll('')).rejects.toMatchObject({ code: 'QUERY_FAILED' })
  })
})

describe('stream', () => {
  const sql = 'SELECT range AS id, range * 2 AS twice FROM range($n)'

  it("yields DuckDB's chunks, or batches of batchRows, with every row once and in order", async () => {
    const chunks = await collect(querier.stream<{ id: number; twice: number }>(sql, { n: 5000 }, { bigint: 'bigint' }))
    expect(chunks.map((batch) => batch.length)).toEqual([2048, 2048, 904])
    expect(chunks.flat().map((row) => row.id)).toEqual(Array.from({ length: 5000 }, (_, index) => BigInt(index)))
    expect(chunks[2]?.at(-1)).toEqual({ id: 4999n, twice: 9998n })
    const batches = await collect(querier.stream(sql, { n: 5000 }, { batchRows: 1000 }))
    expect(batches.map((batch) => batch.length)).toEqual([1000, 1000, 1000, 1000, 1000])
    expect(batches[4]?.at(-1)).toEqual({ id: '4999', twice: '9998' })
    expect((await collect(querier.stream(sql, { n: 7 }, { batchRows: 3 }))).map((batch) => batch.map((row) => row['id']))).toEqual([['0', '1', '2'], ['3', '4', '5'], ['6']])
    expect(await collect(querier.stream(sql, { n: 0 }))).toEqual([])
  })

  it('gives the same values as query, except BIGINT-like ones under json, which are strings', async () => {
    const one = "SELECT 7::BIGINT AS n, 1::INTEGER AS i, TIMESTAMP '2025-10-28 14:30:00' AS t, DATE '2025-10-28' AS d"
    expect(await collect(querier.stream(one))).toEqual([[{ n: '7', i: 1, t: '2025-10-28 14:30:00', d: '2025-10-28' }]])
    expect(await collect(querier.stream(one, [], { timestamp: 'date', bigint: 'bigint' }))).toEqual([[{ n: 7n, i: 1, t: new Date('2025-10-28T14:30:00Z'), d: '2025-10-28' }]])
  })

  it('releases the result on break, and reads on a connection of its own', async () => {
    const stream = querier.stream(sql, { n: 100_000 }, { bigint: 'bigint' })
    let seen = 0
    for await (const batch of stream) {
      seen += batch.length
      break
    }
    expect(seen).toBe(2048)
    expect(await stream.next()).toEqual({ done: true, value: undefined })

    // Interleaved: two streams and queries between their batches; each reads every row.
    const first = querier.stream<{ id: bigint }>(sql, { n: 10_000 }, { bigint: 'bigint' })
    const second = querier.stream<{ id: bigint }>('SELECT range AS id FROM range(3000, 13000)', [], { bigint: 'bigint' })
    const ids: bigint[][] = [[], []]
    for (;;) {
      const [a, b] = await Promise.all([first.next(), second.next()])
      expect((await querier.query('SELECT 42 AS n')).rows).toEqual([{ n: 42 }])
      if (!a.done) ids[0]?.push(...a.value.map((row) => row.id))
      if (!b.done) ids[1]?.push(...b.value.map((row) => row.id))
      if (a.done && b.done) break
    }
    expect(ids[0]).toHaveLength(10_000)
    expect(ids[0]?.at(-1)).toBe(9999n)
    expect(ids[1]).toHaveLength(10_000)
    expect(ids[1]?.at(-1)).toBe(12999n)
  })

  it('fails, never ends early, when DuckDB meets an error after the first batch', async () => {
    const sql = "SELECT CASE WHEN range < 1000000 THEN range ELSE error('boom') END AS v FROM range(2000000)"
    let rows = 0
    const failure = await thrown(async () => {
      for await (const batch of querier.stream(sql)) rows += batch.length
    })
    expect(rows).toBeGreaterThan(0)
    expect(rows).toBeLessThan(1_000_000)
    expect(failure).toMatchObject({ code: 'QUERY_FAILED', message: `stream failed after ${rows} rows: DuckDB ended the result early with an error that @duckdb/node-api does not report` })
    // The same error met before the first batch is DuckDB's own.
    await expect(collect(querier.stream(sql.replace('1000000', '10')))).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining('Invalid Input Error: boom') })
  })

  it('refuses an earlier statement returning rows and a bad batchRows when iterated', async () => {
    await expect(collect(querier.stream('SELECT 1; SELECT 2'))).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('use queryAll()') })
    // The statements before the last run on the stream's own connection.
    expect(await collect(querier.stream('SET threads = 1; SELECT current_setting($name) AS threads', { name: 'threads' }))).toEqual([[{ threads: '1' }]])
    await expect(collect(querier.stream('SELECT 1', [], { batchRows: 0 }))).rejects.toMatchObject({ code: 'USAGE', message: 'batchRows: 0 is not a positive integer' })
    await expect(collect(querier.stream('SELECT * FROM nope'))).rejects.toMatchObject({ code: 'QUERY_FAILED' })
  })

  it('closing the querier ends the streams still open', async () => {
    const own = await Querier.create({ root: dir.path, layouts: [] })
    const stream = own.stream('SELECT range AS id FROM range(100000)')
    expect((await stream.next()).value).toHaveLength(2048)
    own.close()
    await expect(collect(stream)).rejects.toMatchObject({ code: 'QUERY_FAILED' })
  })
})

describe('edges', () => {
  it('a column called __proto__ is a column like any other', async () => {
    expect((await querier.query('SELECT 1 AS "__proto__", 2 AS b')).rows.map((row) => Object.entries(row))).toEqual([[['__proto__', 1], ['b', 2]]])
    for await (const batch of querier.stream('SELECT 1 AS "__proto__"')) expect(Object.keys(batch[0] ?? {})).toEqual(['__proto__'])
  })

  it('a failing stream with batchRows gives the rows of its unfinished batch before the failure', async () => {
    const sql = "SELECT CASE WHEN range < 1000000 THEN range ELSE error('boom') END AS v FROM range(2000000)"
    const sizes: number[] = []
    const failure = await thrown(async () => {
      for await (const batch of querier.stream(sql, undefined, { batchRows: 300000 })) sizes.push(batch.length)
    })
    const given = sizes.reduce((sum, size) => sum + size, 0)
    // Every batch full but the last, which holds what was read before the failure; the message counts them all.
    expect(sizes.slice(0, -1).filter((size) => size !== 300000)).toEqual([])
    expect(given).toBeGreaterThan(0)
    expect(sizes.at(-1)).toBeLessThan(300000)
    expect(failure).toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining(`stream failed after ${given} rows`) })
  })

  it('a leading statement refused after it ran says it has run', async () => {
    await querier.query('CREATE TEMP TABLE returning_t (x INTEGER)')
    await expect(querier.query('INSERT INTO returning_t VALUES (3) RETURNING x; SELECT count(*) AS n FROM returning_t')).rejects.toMatchObject({
      code: 'USAGE',
      message: 'this SQL holds 2 statements and statement 1 returns rows of its own, which only its last would give: use queryAll() for one result per statement (statements 1 to 1 have run: run only the rest again)',
    })
    expect((await querier.query('SELECT count(*)::INTEGER AS n FROM returning_t')).rows).toEqual([{ n: 1 }])
  })
})

describe('damaged files', () => {
  it('queryAll and stream leave a damaged file out and run over the rest, as query does', async () => {
    const root = join(dir.path, 'damaged')
    const storage = createLocalStorage({ root })
    const layouts = opsLayouts()
    const paths: string[] = []
    for (const day of ['2025-10-01', '2025-10-02', '2025-10-03']) paths.push(...(await writeDate(storage, layouts[0]!, day, queryPerfRows(day, 10))))
    const damaged = paths[1] as string
    await truncate(join(root, damaged), Math.floor((await readFile(join(root, damaged))).length / 2))

    const streaming = await Querier.create({ storage, layouts })
    try {
      const batches = await collect(streaming.stream<{ day: string; n: number }>('SELECT date_partition::VARCHAR AS day, count(*)::INTEGER AS n FROM query_performance GROUP BY 1 ORDER BY 1'))
      expect(batches).toEqual([[{ day: '2025-10-01', n: 10 }, { day: '2025-10-03', n: 10 }]])
      expect(streaming.problems).toEqual([{ dataset: 'query_perf', view: 'query_performance', path: damaged, reason: expect.stringMatching(/No magic bytes found at end of file/) }])
    } finally {
      streaming.close()
    }

    const all = await Querier.create({ storage, layouts })
    try {
      const results = await all.queryAll('SELECT 1 AS one; SELECT count(*) AS n, sum(execution_time_ms) AS total FROM query_performance')
      expect(results.map((result) => result.rows)).toEqual([[{ one: 1 }], [{ n: 20, total: 110 }]])
      expect(all.problems.map((problem) => problem.path)).toEqual([damaged])
    } finally {
      all.close()
    }

    // The statement that failed runs again; the ones before it do not (a second CREATE would fail).
    const leading = await Querier.create({ storage, layouts })
    try {
      expect((await leading.query('CREATE TEMP TABLE once AS SELECT 1 AS a; SELECT count(*) AS n, (SELECT count(*) FROM once) AS made FROM query_performance')).rows).toEqual([{ n: 20, made: 1 }])
      expect(leading.problems.map((problem) => problem.path)).toEqual([damaged])
    } finally {
      leading.close()
    }
  })

  it('a stream meeting a damaged file after its first batch fails, naming how far it got, and leaves the file out', async () => {
    const root = join(dir.path, 'damaged-later')
    const storage = createLocalStorage({ root })
    const layouts = opsLayouts()
    const [first] = await writeDate(storage, layouts[0]!, '2025-10-01', queryPerfRows('2025-10-01', 80_000))
    const [second] = await writeDate(storage, layouts[0]!, '2025-10-02', queryPerfRows('2025-10-02', 5000))
    await damagePages(join(root, second as string), 'execution_time_ms')

    const querier = await Querier.create({ storage, layouts })
    try {
      // One thread reads the files in order; DuckDB buffers ~1 MB of a stream ahead, less than the first day.
      await querier.connection.run('SET GLOBAL threads = 1')
      const sql = 'SELECT date_partition::VARCHAR AS day, execution_time_ms, query_type FROM query_performance'
      let rows = 0
      const failure = await thrown(async () => {
        for await (const batch of querier.stream(sql)) rows += batch.length
      })
      expect(rows).toBeGreaterThanOrEqual(2048)
      expect(failure).toMatchObject({ code: 'QUERY_FAILED', message: `stream failed after ${rows} rows; the damaged files were left out of their views (querier.problems): run it again for the rest: DuckDB ended the result early with an error that @duckdb/node-api does not report` })
      expect(querier.problems.map((problem) => problem.path)).toEqual([second])
      const again = (await collect(querier.stream<{ day: string }>(sql))).flat()
      expect(again).toHaveLength(80_000)
      expect(new Set(again.map((row) => row.day))).toEqual(new Set(['2025-10-01']))
      expect(first).toMatch(/20251001/)
    } finally {
      querier.close()
    }
  })

  it("retries the last statement over the files left, the ones before it run again (PIVOT's enum type)", async () => {
    const root = join(dir.path, 'damaged-pivot')
    const storage = createLocalStorage({ root })
    const layouts = opsLayouts()
    const paths: string[] = []
    for (const day of ['2025-10-01', '2025-10-02', '2025-10-03']) paths.push(...(await writeDate(storage, layouts[0]!, day, queryPerfRows(day, 10))))
    // The enum of query types reads query_type only; the sums read the damaged column.
    await damagePages(join(root, paths[1] as string), 'execution_time_ms')
    const querier = await Querier.create({ storage, layouts })
    try {
      const sql = 'PIVOT (SELECT date_partition::VARCHAR AS day, query_type, execution_time_ms FROM query_performance) ON query_type USING sum(execution_time_ms) GROUP BY day ORDER BY day'
      expect((await querier.query(sql)).rows).toEqual([
        { day: '2025-10-01', SELECT: 25, UPDATE: 30 },
        { day: '2025-10-03', SELECT: 25, UPDATE: 30 },
      ])
      expect(querier.problems.map((problem) => problem.path)).toEqual([paths[1]])
    } finally {
      querier.close()
    }
  })
})
