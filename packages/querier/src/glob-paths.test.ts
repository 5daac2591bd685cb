import { DuckDBInstance } from '@duckdb/node-api'
import { createLocalStorage } from '@parquetry/storage'
import { useTempDir } from '@parquetry/testing'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeCatalog } from './catalog.js'
import { listLayoutFiles } from './files.js'
import { Querier } from './querier.js'
import { dailySummary } from './reports.js'
import { escapeGlob } from './sql.js'
import { indexAdvisorRows, opsLayouts, queryPerfRows, writeDate } from './test-data.js'

const dir = useTempDir()
const seedTemplate = '{dataset}/year={yyyy}/month={mm}/{dataset}_{yyyymmdd}.parquet'
const days = ['2025-10-27', '2025-10-28']

// Each case: a root or template prefix holding glob syntax, and siblings a glob of it would read.
const cases = [
  { name: '[ in the root', root: 'data[1]', template: seedTemplate, siblings: [{ root: 'data1', template: seedTemplate }] },
  { name: '* in the root', root: 'da*a', template: seedTemplate, siblings: [{ root: 'data', template: seedTemplate }, { root: 'daXa', template: seedTemplate }] },
  { name: '? in the root', root: 'd?ta', template: seedTemplate, siblings: [{ root: 'data', template: seedTemplate }] },
  { name: '{ in the root', root: 'd{a,b}', template: seedTemplate, siblings: [{ root: 'da', template: seedTemplate }, { root: 'db', template: seedTemplate }] },
  { name: '** as the root', root: '**', template: seedTemplate, siblings: [{ root: 'other', template: seedTemplate }, { root: 'x/y', template: seedTemplate }] },
  { name: '[ in the template prefix', root: 'plain', template: 'q[1]/year={yyyy}/month={mm}/{dataset}_{yyyymmdd}.parquet', siblings: [{ root: 'plain', template: 'q1/year={yyyy}/month={mm}/{dataset}_{yyyymmdd}.parquet' }] },
  { name: '* and ? in the template prefix', root: 'plain', template: 'q*?/{dataset}/{date}.parquet', siblings: [{ root: 'plain', template: 'qXY/{dataset}/{date}.parquet' }] },
  { name: '{ in the template prefix', root: 'plain', template: 'q{1,2}/{dataset}/{date}.parquet', siblings: [{ root: 'plain', template: 'q1/{dataset}/{date}.parquet' }, { root: 'plain', template: 'q2/{dataset}/{date}.parquet' }] },
]

describe('escapeGlob', () => {
  it('spells each glob character as a class of itself, and refuses what DuckDB cannot read exactly', () => {
    expect(escapeGlob('/srv/data[1]/q*/a?b/{x}/**/f.parquet')).toBe('/srv/data[[]1]/q[*]/a[?]b/[{]x}/[*][*]/f.parquet')
    expect(escapeGlob('/srv/plain/f.parquet')).toBe('/srv/plain/f.parquet')
    expect(escapeGlob('/srv/back\\slash/f.parquet')).toBe('/srv/back\\slash/f.parquet')
    expect(() => escapeGlob('/srv/a\\b[1]/f.parquet')).toThrow(expect.objectContaining({ code: 'PATH_INVALID' }))
  })
})

describe.each(cases.map((entry, index) => ({ ...entry, base: `case-${index}` })))('$name', ({ base, root, template, siblings }) => {
  it('changes no file read: views, reports, describe, date ranges, listing and the catalog read exactly the root’s files', async () => {
    const rootPath = join(dir.path, base, root)
    const storage = createLocalStorage({ root: rootPath })
    const layouts = opsLayouts(template)
    for (const day of days) {
      await writeDate(storage, layouts[0]!, day, queryPerfRows(day, 3, 'root'))
      await writeDate(storage, layouts[1]!, day, indexAdvisorRows(day))
    }
    for (const sibling of siblings) {
      const other = createLocalStorage({ root: join(dir.path, base, sibling.root) })
      for (const [index, layout] of opsLayouts(sibling.template).entries()) {
        for (const day of [...days, '2025-10-29']) await writeDate(other, layout, day, index === 0 ? queryPerfRows(day, 5, 'sibling') : indexAdvisorRows(day))
      }
    }

    const listed = await listLayoutFiles(storage, layouts[0]!)
    expect(listed.files.map((file) => file.path)).toHaveLength(2)

    const querier = await Querier.create({ storage, layouts })
    try {
      expect(querier.views.map((view) => view.files)).toEqual([2, 2])
      expect((await querier.query('SELECT count(*) AS n, sum(execution_time_ms) AS total, list(DISTINCT query_hash) AS hashes FROM query_performance')).rows).toEqual([{ n: 6, total: 12, hashes: ['root'] }])
      expect((await querier.query('SELECT count(*) AS n FROM index_recommendations')).rows).toEqual([{ n: 2 }])
      expect(await dailySummary(querier)).toEqual([...days].reverse().map((day) => ({ date_partition: day, query_count: 3, avg_execution_ms: 2, max_execution_ms: 3 })))
      expect((await querier.describe('query_perf')).slice(0, 2)).toEqual([{ name: 'timestamp', type: 'TIMESTAMP' }, { name: 'query_hash', type: 'VARCHAR' }])
      expect(querier.problems).toEqual([])
    } finally {
      querier.close()
    }

    // A querier whose defaults give native bigints and Dates: the reports still give what their row types say.
    const native = await Querier.create({ storage, layouts, values: { bigint: 'bigint', timestamp: 'date' } })
    try {
      expect((await native.query('SELECT count(*) AS n FROM query_performance')).rows).toEqual([{ n: 6n }])
      expect(await dailySummary(native)).toEqual([...days].reverse().map((day) => ({ date_partition: day, query_count: 3, avg_execution_ms: 2, max_execution_ms: 3 })))
    } finally {
      native.close()
    }

    const ranged = await Querier.create({ storage, layouts, range: { from: '2025-10-28', to: '2025-10-29' } })
    try {
      expect((await ranged.query('SELECT count(*) AS n, list(DISTINCT query_hash) AS hashes FROM query_performance')).rows).toEqual([{ n: 3, hashes: ['root'] }])
    } finally {
      ranged.close()
    }

    const catalogDir = join(dir.path, base, 'catalog')
    await mkdir(catalogDir, { recursive: true })
    const { path, problems } = await writeCatalog({ storage, layouts, path: join(catalogDir, 'analytics.duckdb') })
    expect(problems).toEqual([])
    const instance = await DuckDBInstance.create(path)
    const connection = await instance.connect()
    try {
      const reader = await connection.runAndReadAll('SELECT count(*)::INTEGER AS n, list(DISTINCT query_hash) AS hashes FROM query_performance')
      expect(reader.getRowObjectsJson()).toEqual([{ n: 6, hashes: ['root'] }])
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  })
})

describe('a root DuckDB cannot read exactly', () => {
  it('is refused, naming it, rather than read as a glob', async () => {
    const storage = createLocalStorage({ root: join(dir.path, 'back\\slash[1]') })
    await writeDate(storage, opsLayouts()[0]!, '2025-10-28', queryPerfRows('2025-10-28', 1))
    await expect(Querier.create({ storage, layouts: opsLayouts() })).rejects.toMatchObject({ code: 'PATH_INVALID', message: expect.stringContaining('slash[1]') })
  })
})
