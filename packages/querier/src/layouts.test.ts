import { createLayout } from '@parquetry/partitioner'
import { defineSchema } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { useTempDir } from '@parquetry/testing'
import { writeParquet } from '@parquetry/writer'
import { describe, expect, it } from 'vitest'
import type { DatasetLayout } from './datasets.js'
import { Querier } from './querier.js'

const dir = useTempDir()
const schema = defineSchema({
  name: 'orders',
  columns: [
    { name: 'id', type: 'int64', nullable: false },
    { name: 'currency', type: 'string' },
    { name: 'day', type: 'date', nullable: false },
  ],
})
const layout: DatasetLayout = { name: 'orders', view: 'orders', schema, template: 'orders/currency={currency}/date={date}/part.parquet' }

describe('views over a layout with column tokens', () => {
  it("read every value back as it was written: text needing escapes, '' and null apart", async () => {
    const storage = createLocalStorage({ root: dir.path })
    const compiled = createLayout({ template: layout.template, dataset: 'orders', columns: schema.columns })
    const currencies = ['EUR', 'A/B=%x', '', null, '../up', '__HIVE_DEFAULT_PARTITION__']
    for (const [index, currency] of currencies.entries()) {
      const row = { id: BigInt(index), currency, day: '2025-10-28' }
      await writeParquet({ schema, rows: [row], sink: await storage.createSink(compiled.render('2025-10-28', row)) })
    }
    const querier = await Querier.create({ storage, layouts: [layout] })
    try {
      const { rows } = await querier.query('SELECT id, currency, currency IS NULL AS missing, date::VARCHAR AS date FROM orders ORDER BY id')
      expect(rows).toEqual(currencies.map((currency, index) => ({ id: index, currency, missing: currency === null, date: '2025-10-28' })))
      expect((await querier.describe('orders')).map((column) => `${column.name} ${column.type}`)).toEqual(['id BIGINT', 'currency VARCHAR', 'day DATE', 'date DATE'])
    } finally {
      querier.close()
    }
  })
})
