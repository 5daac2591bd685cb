import { defineSchema, parseTimestampText } from '@parquetry/schema'
import { createS3Storage } from '@parquetry/storage/s3'
import { startS3Server, useTempDir, type S3TestServer } from '@parquetry/testing'
import { writeParquet } from '@parquetry/writer'
import { readdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatasetLayout } from './datasets.js'
import { Querier } from './querier.js'

const dir = useTempDir()
let server: S3TestServer

const orders = defineSchema({
  name: 'orders',
  columns: [
    { name: 'order_id', type: 'int64', nullable: false },
    { name: 'currency', type: 'string', nullable: false },
    { name: 'created_at', type: 'timestamp', nullable: false },
  ],
})
const layouts: DatasetLayout[] = [{ name: 'orders', view: 'orders', schema: orders, template: 'orders/currency={currency}/date={date}/orders_{yyyymmdd}.parquet' }]

beforeAll(async () => {
  server = await startS3Server({ buckets: ['lake'] })
})
afterAll(async () => {
  await server.stop()
})

async function put(storage: ReturnType<typeof createS3Storage>, currency: string, ids: bigint[]) {
  const path = `orders/currency=${currency === 'A/B' ? 'A%2FB' : currency}/date=2025-10-28/orders_20251028.parquet`
  await writeParquet({
    schema: orders,
    rows: ids.map((order_id) => ({ order_id, currency, created_at: parseTimestampText('2025-10-28T10:00:00Z') as bigint })),
    sink: await storage.createSink(path),
  })
}

describe('Querier over S3', () => {
  it('downloads the files a view needs into a cache keyed by ETag (httpfs does not load here), with typed hive keys', async () => {
    const storage = createS3Storage({ url: 's3://lake/warehouse', ...server.options })
    await put(storage, 'EUR', [1n, 2n, 9007199254740993n])
    await put(storage, 'A/B', [4n])
    const cacheDir = `${dir.path}/cache`
    const first = await Querier.create({ storage, layouts, cacheDir })
    try {
      expect(first.location).toBe('s3://lake/warehouse')
      expect(first.views.map((view) => view.files)).toEqual([2])
      expect((await first.query('SELECT currency, count(*) AS n, max(order_id)::VARCHAR AS top FROM orders GROUP BY 1 ORDER BY 1')).rows).toEqual([
        { currency: 'A/B', n: 1, top: '4' },
        { currency: 'EUR', n: 3, top: '9007199254740993' },
      ])
      expect((await first.describe('orders')).map((column) => `${column.name} ${column.type}`)).toEqual(['order_id BIGINT', 'currency VARCHAR', 'created_at TIMESTAMP', 'date DATE'])
    } finally {
      first.close()
    }
    const downloads = () => server.requests.filter((request) => request.action === 'get' && request.key.endsWith('.parquet') && request.headers['range'] === undefined).length
    expect(downloads()).toBe(2)

    // Unchanged objects are not downloaded again; a replaced one is.
    const again = await Querier.create({ storage, layouts, cacheDir })
    again.close()
    expect(downloads()).toBe(2)
    await put(storage, 'EUR', [7n])
    const third = await Querier.create({ storage, layouts, cacheDir })
    try {
      expect(downloads()).toBe(3)
      expect((await third.query('SELECT sum(order_id)::VARCHAR AS total FROM orders')).rows).toEqual([{ total: '11' }])
    } finally {
      third.close()
    }
    const cached = await readdir(cacheDir, { recursive: true })
    expect(cached.filter((name) => name.endsWith('.parquet')).sort()).toEqual([
      expect.stringMatching(/orders\/currency=A%2FB\/date=2025-10-28\/orders_20251028\.parquet$/),
      expect.stringMatching(/orders\/currency=EUR\/date=2025-10-28\/orders_20251028\.parquet$/),
    ])
    await storage.close()
  })
})
