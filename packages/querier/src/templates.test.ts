import { DuckDBInstance } from '@duckdb/node-api'
import { createLayout } from '@parquetry/partitioner'
import { indexAdvisorSchema, queryPerfSchema } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { useTempDir } from '@parquetry/testing'
import { copyFile, mkdir, symlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeCatalog } from './catalog.js'
import type { DatasetLayout } from './datasets.js'
import { listLayoutFiles } from './files.js'
import { Querier } from './querier.js'
import { dailySummary, slowQueries, weeklyTrend } from './reports.js'
import { indexAdvisorRows, queryPerfRows, writeDate } from './test-data.js'

const dir = useTempDir()
const days = ['2025-10-27', '2025-10-28', '2025-11-01']

// Templates whose first segment is a token (the partitioner README's example first), a
// column token first, and the seed's; each with the hive keys its views must type.
const cases: { queryPerf: string; indexAdvisor?: string; hive: Record<string, string> }[] = [
  { queryPerf: '{dataset}/year={yyyy}/month={mm}/{dataset}_{yyyymmdd}.parquet', hive: { year: 'INTEGER', month: 'INTEGER' } },
  { queryPerf: 'query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet', indexAdvisor: 'index_advisor/year={yyyy}/month={mm}/index_advisor_{yyyymmdd}.parquet', hive: { year: 'INTEGER', month: 'INTEGER' } },
  { queryPerf: '{yyyy}/{mm}/{dataset}_{yyyymmdd}.parquet', hive: {} },
  { queryPerf: '{date}/{dataset}.parquet', hive: {} },
  { queryPerf: 'date={date}/{dataset}.parquet', hive: { date: 'DATE' } },
  { queryPerf: '{dataset}_{yyyymmdd}.parquet', hive: {} },
  { queryPerf: '{query_type}/{dataset}/date={date}/part.parquet', indexAdvisor: '{dataset}/{date}.parquet', hive: { date: 'DATE' } },
  { queryPerf: '{dataset}/type={query_type}/{yyyymmdd}.parquet', indexAdvisor: 'type=advice/{dataset}/{yyyymmdd}.parquet', hive: { type: 'VARCHAR' } },
]

/**
 * Copies of a real file that no layout renders: beside it, as a backup, in
 * a backup folder, under an impossible date, and in another date's folder.
 */
function strays(path: string, otherFolders: readonly string[]): string[] {
  const folder = dirname(path) === '.' ? '' : `${dirname(path)}/`
  const name = path.slice(folder.length)
  const impossible = path.replace(/(\d{4})-(\d{2})-(\d{2})/g, '$1-13-$3').replace(/(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)/g, '$1' + '13' + '$3').replace(/month=\d{2}/g, 'month=13').replace(/^(\d{4})\/\d{2}\//, '$1/13/')
  return [
    `${folder}${name.replace(/\.parquet$/, ' (copy).parquet')}`,
    `${path}.bak`,
    `${folder}backup/${name}`,
    impossible,
    ...otherFolders.filter((other) => other !== folder).map((other) => `${other}${name}`),
  ]
}

describe.each(cases.map((entry, index) => ({ ...entry, base: `t${index}` })))('template $queryPerf', ({ base, queryPerf, indexAdvisor, hive }) => {
  it('lists, types and reads exactly the files the layout renders: views, reports, describe, ranges, catalog', async () => {
    const root = join(dir.path, base)
    const storage = createLocalStorage({ root })
    const layouts: DatasetLayout[] = [
      { name: 'query_perf', view: 'query_performance', schema: queryPerfSchema, template: queryPerf },
      { name: 'index_advisor', view: 'index_recommendations', schema: indexAdvisorSchema, template: indexAdvisor ?? queryPerf },
    ]
    const written: string[] = []
    for (const day of days) {
      written.push(...(await writeDate(storage, layouts[0]!, day, queryPerfRows(day, 4))))
      await writeDate(storage, layouts[1]!, day, indexAdvisorRows(day))
    }

    // Stray copies of every file: a view reading any of them would count its rows twice.
    const compiled = createLayout({ template: queryPerf, dataset: 'query_perf', columns: queryPerfSchema.columns })
    const folders = [...new Set(written.map((path) => (dirname(path) === '.' ? '' : `${dirname(path)}/`)))]
    let strayCount = 0
    for (const path of written) {
      for (const stray of strays(path, folders)) {
        if (written.includes(stray) || compiled.match(stray)) continue
        await mkdir(dirname(join(root, stray)), { recursive: true })
        await copyFile(join(root, path), join(root, stray))
        strayCount++
      }
    }
    expect(strayCount).toBeGreaterThanOrEqual(written.length * 4)

    expect((await listLayoutFiles(storage, layouts[0]!)).files.map((file) => file.path).sort()).toEqual([...written].sort())

    const querier = await Querier.create({ storage, layouts })
    try {
      expect(querier.views.map((view) => view.files)).toEqual([written.length, 3])
      expect((await querier.query('SELECT count(*) AS n, sum(execution_time_ms) AS total FROM query_performance')).rows).toEqual([{ n: 12, total: 30 }])
      expect((await querier.query('SELECT count(*) AS n, list(recommended_index) AS indexes FROM index_recommendations')).rows).toEqual([{ n: 3, indexes: ['idx_v', 'idx_v', 'idx_v'] }])
      expect(await dailySummary(querier)).toEqual([...days].reverse().map((day) => ({ date_partition: day, query_count: 4, avg_execution_ms: 2.5, max_execution_ms: 4 })))
      expect((await slowQueries(querier, { thresholdMs: 3 })).map((row) => [row.date_partition, row.execution_time_ms]).sort()).toEqual(days.map((day) => [day, 4]))
      expect(await weeklyTrend(querier, { endDate: '2025-11-01' })).toEqual(days.map((day) => ({ date_partition: day, queries: 4, avg_ms: 2.5 })))
      const described = await querier.describe('query_perf')
      expect(described.slice(0, queryPerfSchema.columns.length).map((column) => column.name)).toEqual(queryPerfSchema.columns.map((column) => column.name))
      expect(Object.fromEntries(described.slice(queryPerfSchema.columns.length).map((column) => [column.name, column.type]))).toEqual(hive)
      expect(querier.problems).toEqual([])
    } finally {
      querier.close()
    }

    const ranged = await Querier.create({ storage, layouts, range: { from: '2025-10-28', to: '2025-11-01' } })
    try {
      expect((await ranged.query('SELECT list(DISTINCT date_partition::VARCHAR ORDER BY date_partition::VARCHAR) AS days, count(*) AS n FROM query_performance')).rows).toEqual([{ days: ['2025-10-28', '2025-11-01'], n: 8 }])
    } finally {
      ranged.close()
    }

    const { path } = await writeCatalog({ storage, layouts, path: join(dir.path, `${base}.duckdb`) })
    const instance = await DuckDBInstance.create(path)
    const connection = await instance.connect()
    try {
      expect((await connection.runAndReadAll('SELECT count(*)::INTEGER AS n FROM query_performance')).getRowObjectsJson()).toEqual([{ n: 12 }])
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  })
})

describe('links beside the files', () => {
  it('are never read: a link to a file, and a folder linking back to its own', async () => {
    const root = join(dir.path, 'links')
    const storage = createLocalStorage({ root })
    const layout: DatasetLayout = { name: 'query_perf', view: 'query_performance', schema: queryPerfSchema, template: '{dataset}/year={yyyy}/month={mm}/{dataset}_{yyyymmdd}.parquet' }
    const [path] = await writeDate(storage, layout, '2025-10-28', queryPerfRows('2025-10-28', 4))
    const folder = dirname(join(root, path!))
    await symlink(join(root, path!), join(folder, 'query_perf_20251028 (link).parquet'))
    await symlink(folder, join(folder, 'again'))
    const querier = await Querier.create({ storage, layouts: [layout] })
    try {
      expect((await querier.query('SELECT count(*) AS n FROM query_performance')).rows).toEqual([{ n: 4 }])
    } finally {
      querier.close()
    }
  })
})
