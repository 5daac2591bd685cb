import { describe, expect, it } from 'vitest'
import { addDays, dateRange, datesOfIsoWeek, isoWeekOf } from './calendar.js'
import { decodePartitionValue, encodePartitionValue, partitionDirectory } from './encode.js'
import { createLayout } from './layout.js'
import { matchInputName } from './template.js'

describe('partition values', () => {
  it.each([
    ['2025', '2025'],
    ['a/b', 'a%2Fb'],
    ['../etc', '%2E.%2Fetc'],
    ['..', '%2E.'],
    ['.hidden', '%2Ehidden'],
    ['k=v', 'k%3Dv'],
    ['50%', '50%25'],
    ['back\\slash', 'back%5Cslash'],
    ['tab\there', 'tab%09here'],
    ['my project', 'my project'],
    ['日本', '日本'],
    ['', '__HIVE_DEFAULT_PARTITION__'],
  ])('%j is written as %j and read back', (value, encoded) => {
    expect(encodePartitionValue(value)).toBe(encoded)
    expect(encoded.includes('/')).toBe(false)
    expect(decodePartitionValue(encoded)).toBe(value === '' ? null : value)
  })

  it('builds directories and refuses odd keys', () => {
    expect(partitionDirectory([['date', '2026-01-15'], ['project', 'read/the/docs']])).toBe('date=2026-01-15/project=read%2Fthe%2Fdocs')
    expect(encodePartitionValue(null)).toBe('__HIVE_DEFAULT_PARTITION__')
    expect(() => partitionDirectory([['a/b', 1]])).toThrow('partition key "a/b" must be letters')
  })
})

describe('templates', () => {
  it("renders the seed's layout", () => {
    expect(createLayout({ template: '{dataset}/year={yyyy}/month={mm}/{dataset}_{yyyymmdd}.parquet', dataset: 'query_perf' }).render('2025-10-28')).toBe(
      'query_perf/year=2025/month=10/query_perf_20251028.parquet',
    )
    expect(createLayout({ template: 'w/{yyyyww}/{date}.parquet', dataset: 'x' }).render('2025-01-01')).toBe('w/202501/2025-01-01.parquet')
  })

  it('validates output templates', () => {
    expect(() => createLayout({ template: 'q/{yyyymmdd}.parquet', dataset: 'q' })).not.toThrow()
    expect(() => createLayout({ template: '../q/{yyyymmdd}.parquet', dataset: 'q' })).toThrow('relative path')
    expect(() => createLayout({ template: 'q/{yyyy}.parquet', dataset: 'q' })).toThrow('needs the day in the path')
    expect(() => createLayout({ template: 'q/{yyyymmdd}.csv', dataset: 'q' })).toThrow('end with .parquet')
    expect(() => createLayout({ template: 'q/{hour}/{date}.parquet', dataset: 'q' })).toThrow('unknown token {hour}')
  })

  it('matches input names to the dates they cover', () => {
    expect(matchInputName('query_perf_daily_{yyyymmdd}.csv', 'query_perf_daily_20251028.csv')).toEqual({ dates: ['2025-10-28'] })
    expect(matchInputName('query_perf_daily_{yyyymmdd}.csv', 'query_perf_daily_20251028.csv.bak')).toBeUndefined()
    expect(matchInputName('query_perf_daily_{yyyymmdd}.csv', 'query_perf_daily_20251332.csv')).toBe('query_perf_daily_20251332.csv: 2025-13-32 is not a real date')
    expect(matchInputName('query_perf_weekly_{yyyyww}.csv', 'query_perf_weekly_202544.csv')).toEqual({
      dates: ['2025-10-27', '2025-10-28', '2025-10-29', '2025-10-30', '2025-10-31', '2025-11-01', '2025-11-02'],
    })
    expect(matchInputName('query_perf_weekly_{yyyyww}.csv', 'query_perf_weekly_202553.csv')).toBe('query_perf_weekly_202553.csv: week 53 does not exist in 2025')
    expect(matchInputName('index_advisor_report.json', 'index_advisor_report.json')).toEqual({ dates: [] })
    expect(matchInputName('events-{date}.log', 'events-2026-01-15.log')).toEqual({ dates: ['2026-01-15'] })
  })
})

describe('calendar', () => {
  it('computes ISO weeks at year boundaries', () => {
    expect(isoWeekOf('2025-10-28')).toEqual([2025, 44])
    expect(isoWeekOf('2024-12-30')).toEqual([2025, 1])
    expect(isoWeekOf('2021-01-03')).toEqual([2020, 53])
    expect(datesOfIsoWeek(2020, 53)?.[0]).toBe('2020-12-28')
    expect(datesOfIsoWeek(2025, 1)?.[0]).toBe('2024-12-30')
  })
  it('adds days and lists ranges', () => {
    expect(addDays('2025-10-31', 1)).toBe('2025-11-01')
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29')
    expect(dateRange('2025-10-30', '2025-11-02')).toEqual(['2025-10-30', '2025-10-31', '2025-11-01', '2025-11-02'])
    expect(dateRange('2025-11-02', '2025-10-30')).toEqual([])
  })
})
