import { duckDbQuery } from '@parquetry/testing'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { copyExportedOps, copyOpsInputs, ordersCsv, pageviewsDatabase, preparePageviewsProject, s3Server, writeFiles } from './fixtures.js'

/** What running an example gave. */
export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** A named example (`<!-- readme-example: NAME -->`): the folder it runs from and what it must print. */
export interface Example {
  /** Fills the example's folder (a fresh temp dir, its working directory). */
  prepare?(dir: string): Promise<void>
  /** Variables added to its environment. */
  env?(): Promise<Record<string, string>>
  /** Runs in a row from the same folder (default 1). */
  runs?: number
  /** Checks a run (`time` counts from 1). */
  check(result: RunResult, dir: string, time: number): Promise<void>
}

const lines = (text: string) => text.trimEnd().split('\n')

export const examples: Record<string, Example> = {
  'root-project': {
    prepare: copyOpsInputs,
    async check(result) {
      expect(lines(result.stdout)).toEqual(['exported 36 files', '2025-10-30 1 3.8', '2025-10-29 1237 382.1', '2025-10-28 1574 481.2', '2025-10-27 1509 488.8'])
    },
  },
  'root-lower-layers': {
    prepare: (dir) => writeFiles(dir, { 'data/orders/orders_20251028.csv': `${ordersCsv}4,USD,,2025-10-28T11:00:00Z\nx,EUR,1,2025-10-28T12:00:00Z\n` }),
    async check(result, dir) {
      expect(lines(result.stdout)).toEqual([
        'orders/orders_20251028.parquet 4 rows',
        'rejected data/orders/orders_20251028.csv:6: column order_id: "x": expected an integer',
        'orders/paid_20251028.parquet 3 rows',
      ])
      const read = (file: string) =>
        duckDbQuery('SELECT order_id::VARCHAR AS id, currency, amount, created_at::VARCHAR AS at FROM read_parquet($1) ORDER BY order_id', [`${dir}/lake/orders/${file}`])
      const paid = [
        { id: '1', currency: 'EUR', amount: 10.5, at: '2025-10-28 09:00:00' },
        { id: '2', currency: 'USD', amount: 3, at: '2025-10-28 10:00:00' },
        { id: '9007199254740993', currency: 'EUR', amount: 7.25, at: '2025-10-29 00:59:59' },
      ]
      // Every valid order, then those the example's own filter keeps (not the one without an amount).
      expect(await read('orders_20251028.parquet')).toEqual([...paid.slice(0, 2), { id: '4', currency: 'USD', amount: null, at: '2025-10-28 11:00:00' }, paid[2]])
      expect(await read('paid_20251028.parquet')).toEqual(paid)
    },
  },
  'pipeline-project': {
    prepare: copyOpsInputs,
    async check(result) {
      expect(lines(result.stdout)).toEqual([
        'written query_perf/year=2025/month=10/query_perf_20251028.parquet 1574',
        'written optimization_summary/year=2025/month=10/optimization_summary_20251028.parquet 5',
        'query_perf 2025-10-28 1 1574',
        'query_perf_weekly no file yet 0 0',
        'index_advisor no file yet 0 0',
        'optimization_summary 2025-10-28 1 5',
        '2 files verified',
      ])
    },
  },
  library: {
    prepare: (dir) => writeFiles(dir, { 'data/orders/orders_20251028.csv': ordersCsv }),
    runs: 2,
    async check(result, dir, time) {
      const written = [
        'written orders/currency=EUR/date=2025-10-28/orders_20251028.parquet 1',
        'written orders/currency=EUR/date=2025-10-29/orders_20251029.parquet 1',
        'written orders/currency=USD/date=2025-10-28/orders_20251028.parquet 1',
        'written signups/date=2025-10-27/signups_20251027.parquet 3',
        'written signups/date=2025-10-28/signups_20251028.parquet 3',
        'ok',
      ]
      // The second run reads digests and footers only, and skips every file.
      expect(lines(result.stdout)).toEqual(time === 1 ? written : written.map((line) => line.replace(/^written/, 'skipped')))
      const [late] = await duckDbQuery('SELECT order_id::VARCHAR AS id, currency, date::VARCHAR AS day FROM read_parquet($1, hive_partitioning = true) WHERE amount = 7.25', [`${dir}/lake/orders/**/*.parquet`])
      expect(late).toEqual({ id: '9007199254740993', currency: 'EUR', day: '2025-10-29' })
    },
  },
  'querier-intro': {
    prepare: copyExportedOps,
    async check(result) {
      expect(lines(result.stdout)).toEqual(['2025-10-30: 1 queries, 2025-10-29: 1237 queries, 2025-10-28: 1574 queries, 2025-10-27: 1509 queries', '10 slow queries'])
    },
  },
  'querier-pageviews': {
    prepare: async (dir) => {
      await preparePageviewsProject(dir)
    },
    async check(result) {
      // docs' views of yesterday and the day before (fixtures.ts): another project's are left out.
      expect(lines(result.stdout)).toEqual([
        '[',
        "  { path: '/index.html', total_views: 15 },",
        "  { path: '/install.html', total_views: 7 }",
        '] [',
        '  {',
        "    version_slug: 'latest',",
        "    full_path: '/en/latest/missing.html',",
        '    total_views: 3',
        '  }',
        '] 31 22 2 3 2',
      ])
    },
  },
  'schema-intro': {
    async check(result) {
      expect(lines(result.stdout)).toEqual([
        '{',
        '  ok: true,',
        `  row: { id: 9007199254740993n, at: 1761610523500000n, payload: '{"a":1}' }`,
        '}',
        'false',
        'id BIGINT, at TIMESTAMP, payload JSON',
      ])
    },
  },
  'schema-bloom-filter': {
    async check(result) {
      expect(lines(result.stdout)).toEqual([
        "[ 'project_slug' ]",
        '{"name":"project_slug","type":"string","duckdb_type":"VARCHAR","parquet":{"physical_type":"BYTE_ARRAY","converted_type":"UTF8","repetition":"REQUIRED"},"nullable":false,"description":"","bloom_filter":true}',
      ])
    },
  },
  'sources-intro': {
    prepare: copyOpsInputs,
    async check(result, dir) {
      expect(lines(result.stdout)).toEqual(['1574 rows, 0 rejected; the slowest query took 481.2 ms'])
      // A clean input leaves no rejects file behind.
      expect(existsSync(join(dir, 'rejects'))).toBe(false)
    },
  },
  'sources-postgres': {
    env: async () => ({ DATABASE_URL: (await pageviewsDatabase()).url }),
    async check(result) {
      // The day asked for, in id order; the view of the day after is left out. Ids are bigints (int64).
      expect(lines(result.stdout)).toEqual(['rows of the day: 3', '3000000001n docs /index.html 42 200', '3000000002n docs /guide/ünïcødé.html 7 200', '3000000003n pip /missing.html 3 404'])
    },
  },
  'storage-intro': {
    prepare: copyExportedOps,
    env: async () => (await s3Server()).env,
    async check(result) {
      expect(lines(result.stdout)).toEqual(['query_perf/year=2025/month=10/query_perf_20251028.parquet true'])
      expect((await s3Server()).keys('analytics')).toContain('parquet/query_perf/year=2025/month=10/query_perf_20251028.parquet')
    },
  },
  'writer-intro': {
    async check(result, dir) {
      expect(lines(result.stdout)).toEqual(['orders2.parquet 2 2 orders'])
      for (const file of ['orders.parquet', 'orders2.parquet']) {
        expect(await duckDbQuery('SELECT order_id::VARCHAR AS id, currency, amount, created_at::VARCHAR AS at FROM read_parquet($1) ORDER BY order_id', [`${dir}/out/${file}`])).toEqual([
          { id: '1', currency: 'EUR', amount: 10.5, at: '2025-10-28 09:00:00' },
          { id: '9007199254740993', currency: 'USD', amount: null, at: '2025-10-28 10:00:00' },
        ])
      }
    },
  },
  'writer-hyparquet': {
    prepare: copyExportedOps,
    async check(result) {
      // hyparquet makes Dates of TIMESTAMP columns: the first two rows of the 28th (in time order, as exported).
      expect(lines(result.stdout)).toEqual(['[ [ 2025-10-28T00:00:45.000Z ], [ 2025-10-28T00:02:08.000Z ] ]'])
    },
  },
  'writer-inspect': {
    prepare: copyExportedOps,
    async check(result) {
      // 12 columns in one row group, each chunk's CRC-32 as its footer records it.
      expect(lines(result.stdout)).toEqual(['[] checked 12'])
    },
  },
  'worker-in-code': {
    prepare: async (dir) => {
      await copyOpsInputs(dir)
      await writeFiles(dir, { 'parquetry.config.json': JSON.stringify({ worker: { http: { port: 0 }, catchUpDays: 2 } }) })
    },
    async check(result, dir) {
      // Log lines ([time] [LEVEL] …) aside, what the example prints.
      expect(lines(result.stdout).filter((line) => !line.startsWith('['))).toEqual([
        'serving /healthz /readyz /metrics /status',
        "query_perf 2025-10-27 success [ 'written' ]",
        "query_perf 2025-10-28 success [ 'written' ]",
        'ok',
      ])
      // The jobs log at the clock's time.
      expect(lines(result.stdout)).toEqual(expect.arrayContaining([expect.stringMatching(/^\[2025-10-29T22:00:00\.000Z\] \[INFO\] export:parquet file=query_perf_20251028\.parquet rows=1574 compressed_kb=\d+ ratio=\d+\.\d%$/)]))
      expect(await duckDbQuery('SELECT count(*)::INTEGER AS n FROM read_parquet($1)', [`${dir}/knowledge/optimize/parquet/query_perf/year=2025/month=10/query_perf_20251028.parquet`])).toEqual([{ n: 1574 }])
    },
  },
}
