import { describe, expect, it } from 'vitest'
import { createLayout } from './layout.js'

const orderColumns = [
  { name: 'currency', type: 'string' },
  { name: 'order_id', type: 'int64' },
  { name: 'amount', type: 'double' },
  { name: 'created_at', type: 'timestamp' },
] as const
const orders = createLayout({ template: 'orders/currency={currency}/date={date}/orders_{yyyymmdd}.parquet', dataset: 'orders', columns: orderColumns })

describe('createLayout', () => {
  it('renders column tokens hive-encoded, so no value escapes its directory', () => {
    expect(orders.render('2025-10-28', { currency: 'EUR' })).toBe('orders/currency=EUR/date=2025-10-28/orders_20251028.parquet')
    expect(orders.render('2025-10-28', { currency: '../../etc' })).toBe('orders/currency=%2E.%2F..%2Fetc/date=2025-10-28/orders_20251028.parquet')
    expect(orders.render('2025-10-28', { currency: null })).toBe('orders/currency=__HIVE_DEFAULT_PARTITION__/date=2025-10-28/orders_20251028.parquet')
    // '' is not null: written as nothing, which DuckDB reads back as ''.
    expect(orders.render('2025-10-28', { currency: '' })).toBe('orders/currency=/date=2025-10-28/orders_20251028.parquet')
    expect(orders.match('orders/currency=/date=2025-10-28/orders_20251028.parquet')).toEqual({ date: '2025-10-28', values: { currency: '' } })
    // A token that is a whole segment cannot be empty.
    expect(createLayout({ template: 'o/{currency}/{date}.parquet', dataset: 'o', columns: orderColumns }).render('2025-10-28', { currency: '' })).toBe('o/__HIVE_DEFAULT_PARTITION__/2025-10-28.parquet')
    expect(orders.columns).toEqual(['currency'])
    expect(orders.pattern('2025-10-28')).toBe('orders/currency=*/date=2025-10-28/orders_20251028.parquet')
    expect(orders.tokens.map((token) => [token.name, token.kind, token.hiveKey])).toEqual([
      ['currency', 'column', 'currency'],
      ['date', 'date', 'date'],
      ['yyyymmdd', 'date', undefined],
    ])
  })

  it('matches its own paths back to the date and values, and nothing else', () => {
    expect(orders.match('orders/currency=A%2FB/date=2025-10-28/orders_20251028.parquet')).toEqual({ date: '2025-10-28', values: { currency: 'A/B' } })
    expect(orders.match('orders/currency=__HIVE_DEFAULT_PARTITION__/date=2025-10-28/orders_20251028.parquet')).toEqual({ date: '2025-10-28', values: { currency: null } })
    // The two date tokens disagree, the date is impossible, or the path is someone else's.
    expect(orders.match('orders/currency=EUR/date=2025-10-28/orders_20251029.parquet')).toBeUndefined()
    expect(orders.match('orders/currency=EUR/date=2025-02-30/orders_20250230.parquet')).toBeUndefined()
    expect(orders.match('orders/currency=EUR/date=2025-10-28/other.parquet')).toBeUndefined()
    // Not how this layout encodes the value: not its file.
    expect(orders.match('orders/currency=A/B/date=2025-10-28/orders_20251028.parquet')).toBeUndefined()
    const seed = createLayout({ template: '{dataset}/year={yyyy}/month={mm}/{dataset}_{yyyymmdd}.parquet', dataset: 'query_perf' })
    expect(seed.match('query_perf/year=2025/month=10/query_perf_20251028.parquet')).toEqual({ date: '2025-10-28', values: {} })
    expect(seed.match('query_perf/year=2025/month=11/query_perf_20251028.parquet')).toBeUndefined()
  })

  it.each([
    ['{dataset}/year={yyyy}/month={mm}/{dataset}_{yyyymmdd}.parquet', 'query_perf/year=2025/month=10/query_perf_20251028.parquet'],
    ['{yyyy}/{mm}/{dataset}_{yyyymmdd}.parquet', '2025/10/query_perf_20251028.parquet'],
    ['{date}/{dataset}.parquet', '2025-10-28/query_perf.parquet'],
    ['{dataset}_{yyyymmdd}.parquet', 'query_perf_20251028.parquet'],
    ['data[1]/q*?/{dataset}/{date}.parquet', 'data[1]/q*?/query_perf/2025-10-28.parquet'],
  ])('%j matches the path it renders and no stray copy of it', (template, path) => {
    const layout = createLayout({ template, dataset: 'query_perf' })
    expect(layout.render('2025-10-28')).toBe(path)
    expect(layout.match(path)).toEqual({ date: '2025-10-28', values: {} })
    const folder = path.slice(0, path.lastIndexOf('/') + 1)
    const name = path.slice(folder.length)
    const strays = [
      `${folder}${name.replace('.parquet', ' (copy).parquet')}`,
      `${path}.bak`,
      `${folder}backup/${name}`,
      `backup/${path}`,
      path.replace('2025-10-28', '2025-13-28').replace('20251028', '20251328').replace('month=10', 'month=13').replace('2025/10/', '2025/13/'),
      path.replace('month=10', 'month=11').replace('2025/10/', '2025/11/'),
      path.replace('query_perf', 'index_advisor'),
      path.replace('[1]', '1').replace('*?', 'xy'),
    ]
    for (const stray of strays.filter((candidate) => candidate !== path)) expect([stray, layout.match(stray)]).toEqual([stray, undefined])
  })

  it("gives the folder a date's files (or all files) lie under", () => {
    expect(orders.prefix()).toBe('orders/')
    expect(orders.prefix('2025-10-28')).toBe('orders/')
    const seed = createLayout({ template: 'query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet', dataset: 'query_perf' })
    expect(seed.prefix()).toBe('query_perf/')
    expect(seed.prefix('2025-10-28')).toBe('query_perf/year=2025/month=10/')
    expect(seed.folders(['2025-10-28', '2025-10-29', '2025-11-01'])).toEqual(['query_perf/year=2025/month=10/', 'query_perf/year=2025/month=11/'])
    expect(orders.folders(['2025-10-28', '2025-11-01'])).toEqual(['orders/'])
    expect(seed.folders()).toEqual(['query_perf/'])
    expect(createLayout({ template: '{dataset}_{date}.parquet', dataset: 'x' }).prefix()).toBe('')
    expect(createLayout({ template: 'p/{date}/{currency}.parquet', dataset: 'x', columns: [{ name: 'currency', type: 'string' }] }).prefix('2025-01-02')).toBe('p/2025-01-02/')
  })

  it.each([
    ['../orders/{date}.parquet', 'must be a relative path'],
    ['orders/{date}.csv', 'must end with .parquet'],
    ['orders/{yyyy}/{mm}.parquet', 'needs the day in the path'],
    ['orders/{mm}/{dd}.parquet', 'needs the day in the path'],
    ['orders/{region}/{date}.parquet', 'unknown token {region}: expected a date token, {dataset}, or a column of the dataset (currency, order_id, amount, created_at)'],
    ['orders/{amount}/{date}.parquet', 'column amount is a double'],
    ['orders/{created_at}/{date}.parquet', 'column created_at is a timestamp'],
  ])('refuses %j (%s)', (template, reason) => {
    expect(() => createLayout({ template, dataset: 'orders', columns: orderColumns })).toThrow(reason)
  })

  it('renders integer, boolean and date columns as text', () => {
    const layout = createLayout({
      template: 'd/id={order_id}/test={is_test}/day={day}/{date}.parquet',
      dataset: 'd',
      columns: [
        { name: 'order_id', type: 'int64' },
        { name: 'is_test', type: 'boolean' },
        { name: 'day', type: 'date' },
      ],
    })
    const path = layout.render('2025-10-28', { order_id: 9007199254740993n, is_test: false, day: '2025-10-27' })
    expect(path).toBe('d/id=9007199254740993/test=false/day=2025-10-27/2025-10-28.parquet')
    expect(layout.match(path)).toEqual({ date: '2025-10-28', values: { order_id: '9007199254740993', is_test: 'false', day: '2025-10-27' } })
  })

  it('refuses a folder key that is also a column (readers would take the column from the path)', () => {
    const columns = [
      { name: 'month', type: 'string' as const },
      { name: 'year', type: 'int32' as const },
    ]
    expect(() => createLayout({ template: '{dataset}/year={yyyy}/month={mm}/{yyyymmdd}.parquet', dataset: 'bills', columns })).toThrow(
      'the folder key year= is also a column of the dataset: readers would take year from the path (year={yyyy}) instead of the file; name the key otherwise, or write year={year}',
    )
    expect(() => createLayout({ template: 'bills/month=all/{yyyymmdd}.parquet', dataset: 'bills', columns })).toThrow('the folder key month= is also a column')
    // The column's own token is what the path says anyway.
    expect(createLayout({ template: 'bills/month={month}/{yyyymmdd}.parquet', dataset: 'bills', columns }).columns).toEqual(['month'])
  })

  it('writes the text __HIVE_DEFAULT_PARTITION__ so that it reads back as that text, not as null', () => {
    const layout = createLayout({ template: 'o/currency={currency}/{date}.parquet', dataset: 'o', columns: [{ name: 'currency', type: 'string' }] })
    const path = layout.render('2025-10-28', { currency: '__HIVE_DEFAULT_PARTITION__' })
    expect(path).toBe('o/currency=%5F_HIVE_DEFAULT_PARTITION__/2025-10-28.parquet')
    expect(layout.match(path)?.values).toEqual({ currency: '__HIVE_DEFAULT_PARTITION__' })
    expect(layout.match(layout.render('2025-10-28', { currency: null }))?.values).toEqual({ currency: null })
  })
})
