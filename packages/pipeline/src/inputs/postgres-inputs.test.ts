import { connectPostgres, type PostgresSession } from '@parquetry/sources/postgres'
import { createLocalStorage } from '@parquetry/storage'
import { duckDbQuery, testPostgres, useTempDir } from '@parquetry/testing'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { resolveConfig } from '../config/load.js'
import { runExport } from '../engine/run-export.js'
import { datasetFromConfig } from '../project.js'

const dir = useTempDir({ each: true })
let database: { url: string; drop(): Promise<void> }
let pg: PostgresSession

beforeEach(async () => {
  database = await (await testPostgres()).createDatabase()
  pg = await connectPostgres({ connectionString: database.url })
  await pg.query('CREATE TABLE orders (id bigint PRIMARY KEY, amount numeric(12, 2) NOT NULL, day date NOT NULL)')
  await pg.query("INSERT INTO orders SELECT g, g * 1.25, DATE '2026-01-01' + (g % 3) FROM generate_series(1, 30) AS g")
})
afterEach(async () => {
  await pg.close()
  await database.drop()
})

/** A `"format": "postgres"` dataset of the config's own, without a digest query (the server-side hash of every row). */
function orders(extra: Record<string, unknown> = {}) {
  const config = resolveConfig(
    {
      output: 'lake',
      datasets: {
        orders: {
          format: 'postgres',
          connection: database.url,
          query: 'SELECT id, amount::text AS amount, day FROM orders WHERE day = $1',
          columns: [
            { name: 'id', type: 'int64', nullable: false },
            { name: 'amount', type: 'string', nullable: false },
            { name: 'day', type: 'date', nullable: false },
          ],
          dateColumn: 'day',
          output: 'orders/date={date}/orders_{yyyymmdd}.parquet',
          ...extra,
        },
      },
    },
    { baseDir: dir.path },
  )
  return datasetFromConfig(config.datasets[0] as never, config)
}

describe('a PostgreSQL dataset of the config\'s own', () => {
  it('exports each day by its query; an unchanged day is skipped, a changed one (same count) is rewritten', async () => {
    const storage = createLocalStorage({ root: join(dir.path, 'lake') })
    const selection = { kind: 'dates', from: '2026-01-01', to: '2026-01-03' } as const
    const first = await runExport({ datasets: [orders()], storage, selection })
    expect(first.ok).toBe(true)
    expect(first.written).toBe(3)
    const rows = await duckDbQuery(`SELECT id::INTEGER AS id, amount, day::VARCHAR AS day FROM read_parquet('${join(dir.path, 'lake')}/orders/*/*.parquet') ORDER BY id LIMIT 2`)
    expect(rows).toEqual([
      { id: 1, amount: '1.25', day: '2026-01-02' },
      { id: 2, amount: '2.50', day: '2026-01-03' },
    ])
    expect((await runExport({ datasets: [orders()], storage, selection })).skipped).toBe(3)
    // The default digest hashes every row: a changed amount (same count) is seen.
    await pg.query('UPDATE orders SET amount = amount + 1 WHERE id = 3')
    const again = await runExport({ datasets: [orders()], storage, selection })
    expect(again.written).toBe(1)
    expect(again.datasets[0]?.files.find((file) => file.status === 'written')?.date).toBe('2026-01-01')
  })

  it('--historical needs the days the table has: a clear usage error without datesQuery, every day with it', async () => {
    const storage = createLocalStorage({ root: join(dir.path, 'lake') })
    const refused = await runExport({ datasets: [orders()], storage, selection: { kind: 'historical' } })
    expect(refused.datasets[0]?.error).toEqual({ code: 'USAGE', message: 'orders: --historical needs the days the table has: give the dataset a "datesQuery" (or a "digestQuery")' })
    const historical = await runExport({ datasets: [orders({ datesQuery: 'SELECT DISTINCT day AS date FROM orders WHERE day < $1::date' })], storage, selection: { kind: 'historical' } })
    expect(historical.ok).toBe(true)
    expect(historical.datasets[0]?.files.map((file) => [file.date, file.rows])).toEqual([
      ['2026-01-01', 10],
      ['2026-01-02', 10],
      ['2026-01-03', 10],
    ])
  })
})
