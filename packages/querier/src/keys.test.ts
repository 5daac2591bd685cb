import { createLayout } from '@parquetry/partitioner'
import { defineSchema, isParquetryError } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { useTempDir } from '@parquetry/testing'
import { writeParquet } from '@parquetry/writer'
import { beforeAll, describe, expect, it } from 'vitest'
import type { DatasetLayout } from './datasets.js'
import { listLayoutFiles } from './files.js'
import { Querier } from './querier.js'
import { recordingStorage } from './test-data.js'

const dir = useTempDir()
const schema = defineSchema({
  name: 'orders',
  columns: [
    { name: 'id', type: 'int64', nullable: false },
    { name: 'currency', type: 'string' },
    { name: 'region', type: 'int32' },
    { name: 'day', type: 'date', nullable: false },
  ],
})
const leading: DatasetLayout = { name: 'orders', view: 'orders', schema, template: 'orders/currency={currency}/date={date}/part.parquet' }
// The key after the date folders, and inside a file name.
const trailing: DatasetLayout = { name: 'trail', view: 'trail', schema, template: 'trail/{yyyy}/{mm}/{dd}/region={region}/c_{currency}.parquet' }
const dated: DatasetLayout = { name: 'dated', view: 'dated', schema, template: 'dated/date={date}/part.parquet' }

const currencies = ['EUR', 'A/B=%x', 'a b/ü%', 'a b', '', '__HIVE_DEFAULT_PARTITION__']
const days = ['2025-10-27', '2025-10-28', '2025-10-29']

beforeAll(async () => {
  const storage = createLocalStorage({ root: dir.path })
  let id = 0
  for (const layout of [leading, trailing, dated]) {
    const compiled = createLayout({ template: layout.template, dataset: layout.name, columns: schema.columns })
    for (const day of days) {
      for (const [index, currency] of currencies.entries()) {
        for (const region of [1, 2]) {
          // Only trail's paths hold the region; dated's one file a day holds every currency.
          if ((layout !== trailing && region > 1) || (layout === dated && index > 0)) continue
          const row = { id: BigInt(++id), currency, region, day }
          const rows = layout === dated ? currencies.map((each) => ({ ...row, currency: each })) : [row]
          await writeParquet({ schema, rows, sink: await storage.createSink(compiled.render(day, row)) })
        }
      }
    }
  }
})

describe('listing the files of partition key values', () => {
  it('lists only the files holding each value, from its own folder when the key leads', async () => {
    for (const currency of currencies) {
      const { storage, listed } = recordingStorage(createLocalStorage({ root: dir.path }))
      const found = await listLayoutFiles(storage, leading, { keys: { currency } })
      const folder = createLayout({ template: leading.template, dataset: 'orders', columns: schema.columns }).render('2025-10-28', { currency }).split('/').slice(0, 2).join('/')
      expect(listed).toEqual([`${folder}/`])
      expect(found.prefix).toBe(`${folder}/`)
      expect(found.files.map((file) => file.path)).toEqual(days.map((day) => `${folder}/date=${day}/part.parquet`))
    }
    // 'a b' is listed apart from 'a b/ü%' (a b%2Fü%25): folders end with their slash.
    const { storage, listed } = recordingStorage(createLocalStorage({ root: dir.path }))
    const found = await listLayoutFiles(storage, leading, { keys: { currency: 'a b' }, range: { from: '2025-10-28', to: '2025-10-29' } })
    expect(listed).toEqual(['orders/currency=a b/date=2025-10-28/', 'orders/currency=a b/date=2025-10-29/'])
    expect(found.files.map((file) => file.path)).toEqual(['orders/currency=a b/date=2025-10-28/part.parquet', 'orders/currency=a b/date=2025-10-29/part.parquet'])
  })

  it('selects by a key after the date folders and in a file name, several keys at once, and not by a key the layout lacks', async () => {
    const { storage, listed } = recordingStorage(createLocalStorage({ root: dir.path }))
    const found = await listLayoutFiles(storage, trailing, { keys: { currency: 'A/B=%x', region: 2 }, range: { from: '2025-10-28', to: '2025-10-28' } })
    expect(listed).toEqual(['trail/2025/10/28/region=2/'])
    expect(found.files.map((file) => file.path)).toEqual(['trail/2025/10/28/region=2/c_A%2FB%3D%25x.parquet'])
    const undated = await listLayoutFiles(storage, trailing, { keys: { region: 1 } })
    expect(listed.at(-1)).toBe('trail/')
    // Every day's file of every currency in region 1, and none of region 2.
    const trail = createLayout({ template: trailing.template, dataset: trailing.name, columns: schema.columns })
    expect(undated.files.map((file) => file.path).sort()).toEqual(days.flatMap((day) => currencies.map((currency) => trail.render(day, { id: 0n, currency, region: 1, day }))).sort())
    const all = await listLayoutFiles(storage, dated, { keys: { currency: 'EUR' } })
    expect(all.files.map((file) => file.path)).toEqual(days.map((day) => `dated/date=${day}/part.parquet`))
  })

  it('makes views of those files only; the rows read back are the value', async () => {
    const querier = await Querier.create({ root: dir.path, layouts: [leading, trailing, dated], keys: { currency: 'a b/ü%' } })
    try {
      expect(querier.views.map((view) => [view.view, view.files])).toEqual([['orders', 3], ['trail', 6], ['dated', 3]])
      expect((await querier.query('SELECT DISTINCT currency FROM orders')).rows).toEqual([{ currency: 'a b/ü%' }])
      expect((await querier.query('SELECT DISTINCT currency FROM trail')).rows).toEqual([{ currency: 'a b/ü%' }])
      // A layout without the token keeps every file: its rows are every value.
      expect((await querier.query('SELECT count(DISTINCT currency) AS n FROM dated')).rows).toEqual([{ n: currencies.length }])
    } finally {
      querier.close()
    }
    const error = await Querier.create({ root: dir.path, layouts: [leading], keys: { curency: 'EUR' } }).catch((failure: unknown) => failure)
    expect(isParquetryError(error, 'USAGE')).toBe(true)
    expect((error as Error).message).toBe('keys: "curency" is no column of orders')
  })
})
