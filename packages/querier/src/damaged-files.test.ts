import { DuckDBInstance } from '@duckdb/node-api'
import { createLocalStorage } from '@parquetry/storage'
import { duckDbQuery, useTempDir } from '@parquetry/testing'
import { open, readFile, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeCatalog } from './catalog.js'
import { Querier } from './querier.js'
import { dailySummary } from './reports.js'
import { indexAdvisorRows, opsLayouts, queryPerfRows, writeDate } from './test-data.js'

const dir = useTempDir()
const days = ['2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04']
const layouts = opsLayouts()

/** Zeroes the bytes of one column chunk (its pages), leaving the footer intact. */
async function damagePages(path: string, column: string): Promise<void> {
  const [chunk] = await duckDbQuery('SELECT coalesce(dictionary_page_offset, data_page_offset)::INTEGER AS start, total_compressed_size::INTEGER AS size FROM parquet_metadata($1) WHERE path_in_schema = $2', [path, column])
  const handle = await open(path, 'r+')
  try {
    await handle.write(new Uint8Array(Number(chunk?.['size'])), 0, Number(chunk?.['size']), Number(chunk?.['start']))
  } finally {
    await handle.close()
  }
}

const damages = [
  { name: 'truncated', reason: /No magic bytes found at end of file/, footer: true, damage: async (path: string) => truncate(path, Math.floor((await readFile(path)).length / 2)) },
  { name: 'zero bytes', reason: /too small to be a Parquet file/, footer: true, damage: (path: string) => writeFile(path, '') },
  // A fixed sequence, so a run never depends on chance.
  { name: 'not Parquet (random bytes)', reason: /No magic bytes found at end of file/, footer: true, damage: (path: string) => writeFile(path, Uint8Array.from({ length: 4096 }, (_, index) => (index * 7919 + 13) % 251)) },
  { name: 'damaged pages behind an intact footer', reason: /TProtocolException|decompress|corrupt/i, footer: false, damage: (path: string) => damagePages(path, 'execution_time_ms') },
]

describe.each(damages.flatMap((damage) => ['first', 'third'].map((position) => ({ ...damage, position }))))('a $name file, the $position of its view', ({ name, position, reason, footer, damage }) => {
  it('fails no query: one that reads no dataset never touches it; one over its dataset runs over the rest and reports it', async () => {
    const root = join(dir.path, `${name}-${position}`.replace(/\W+/g, '-'))
    const storage = createLocalStorage({ root })
    const paths: string[] = []
    for (const day of days) {
      paths.push(...(await writeDate(storage, layouts[0]!, day, queryPerfRows(day, 10))))
      await writeDate(storage, layouts[1]!, day, indexAdvisorRows(day))
    }
    const damaged = paths[position === 'first' ? 0 : 2] as string
    await damage(join(root, damaged))
    const problem = { dataset: 'query_perf', view: 'query_performance', path: damaged, reason: expect.stringMatching(reason) }

    const querier = await Querier.create({ storage, layouts })
    try {
      expect((await querier.query('SELECT 42 AS n')).rows).toEqual([{ n: 42 }])
      expect((await querier.query('SELECT count(*) AS n FROM index_recommendations')).rows).toEqual([{ n: 4 }])
      // Three days of 10 queries taking 1..10 ms.
      expect((await querier.query('SELECT count(*) AS n, sum(execution_time_ms) AS total FROM query_performance')).rows).toEqual([{ n: 30, total: 165 }])
      expect(querier.problems).toEqual([problem])
      expect(querier.views.map((view) => view.files)).toEqual([3, 4])
      expect((await dailySummary(querier)).map((row) => row.date_partition)).toEqual(days.filter((_, index) => index !== (position === 'first' ? 0 : 2)).reverse())
      expect(querier.problems).toHaveLength(1)
    } finally {
      querier.close()
    }

    // A report on a fresh querier finds it the same way.
    const again = await Querier.create({ storage, layouts })
    try {
      expect((await dailySummary(again)).map((row) => row.max_execution_ms)).toEqual([10, 10, 10])
      expect(again.problems).toEqual([problem])
    } finally {
      again.close()
    }

    // A catalog checks every footer: another client cannot leave a file out itself. Damaged
    // pages behind an intact footer are found only by reading them.
    const { path, problems } = await writeCatalog({ storage, layouts, path: join(root, 'analytics.duckdb') })
    expect(problems).toEqual(footer ? [problem] : [])
    const instance = await DuckDBInstance.create(path)
    const connection = await instance.connect()
    try {
      expect((await connection.runAndReadAll('SELECT count(*)::INTEGER AS n FROM query_performance')).getRowObjectsJson()).toEqual([{ n: footer ? 30 : 40 }])
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  })
})

describe('errors that are not a file’s', () => {
  it('fail the query as they are, leaving every file in', async () => {
    const root = join(dir.path, 'sql-errors')
    const storage = createLocalStorage({ root })
    for (const day of days) await writeDate(storage, layouts[0]!, day, queryPerfRows(day, 10))
    const outside = join(dir.path, 'outside.parquet')
    await writeFile(outside, 'not parquet')
    const querier = await Querier.create({ storage, layouts })
    try {
      await expect(querier.query('SELECT nope FROM query_performance')).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining('Binder Error') })
      // A damaged file the SQL names itself is not one of the views': nothing to leave out.
      await expect(querier.query('SELECT count(*) FROM read_parquet($1) JOIN query_performance USING (query_hash)', [outside])).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining('outside.parquet') })
      expect(querier.problems).toEqual([])
      expect(querier.views[0]?.files).toBe(4)
    } finally {
      querier.close()
    }
  })
})
