import { describe, expect, it } from 'vitest'
import { dateRange } from '@parquetry/partitioner'
import { cadenceOfPattern, expectedPeriods, lastDuePeriod, weekOf } from './cadence.js'

describe('cadence', () => {
  it('is read from an input pattern: {yyyyww} weekly, a day token daily, no date token per input', () => {
    expect(cadenceOfPattern('query_perf_daily_{yyyymmdd}.csv')).toBe('daily')
    expect(cadenceOfPattern('{yyyy}/{mm}/{dd}/events.jsonl')).toBe('daily')
    expect(cadenceOfPattern('orders_{date}.csv')).toBe('daily')
    expect(cadenceOfPattern('query_perf_weekly_{yyyyww}.csv')).toBe('weekly')
    expect(cadenceOfPattern('index_advisor_report.json')).toBe('input')
    // A token that is no date ({project}) does not make a calendar.
    expect(cadenceOfPattern('{project}_report.json')).toBe('input')
    // A month names no day: its files' rows decide their dates.
    expect(cadenceOfPattern('sales_{yyyy}{mm}.csv')).toBe('input')
  })

  it('weeks run Monday to Sunday, ISO-numbered (2025-12-29 is in 2026-W01)', () => {
    expect(weekOf('2025-10-15')).toEqual({ label: 'week 2025-W42', from: '2025-10-13', to: '2025-10-19' })
    expect(weekOf('2025-12-31')).toEqual({ label: 'week 2026-W01', from: '2025-12-29', to: '2026-01-04' })
  })

  it('a range expects every day of a daily dataset, the whole weeks inside it of a weekly one, nothing of a per-input one', () => {
    const october = dateRange('2025-10-01', '2025-10-31')
    expect(expectedPeriods('daily', october)).toHaveLength(31)
    expect(expectedPeriods('weekly', october).map((week) => `${week.from}..${week.to}`)).toEqual(['2025-10-06..2025-10-12', '2025-10-13..2025-10-19', '2025-10-20..2025-10-26'])
    expect(expectedPeriods('input', october)).toEqual([])
    expect(expectedPeriods('weekly', dateRange('2025-10-14', '2025-10-19'))).toEqual([])
  })

  it('what is due by yesterday: that day; the last week that ended by it; nothing per input', () => {
    expect(lastDuePeriod('daily', '2025-10-31')).toEqual({ label: '2025-10-31', from: '2025-10-31', to: '2025-10-31' })
    // Friday: the week before this one. Sunday: the week that ends that day.
    expect(lastDuePeriod('weekly', '2025-10-31')).toEqual({ label: 'week 2025-W43', from: '2025-10-20', to: '2025-10-26' })
    expect(lastDuePeriod('weekly', '2025-10-26')).toEqual({ label: 'week 2025-W43', from: '2025-10-20', to: '2025-10-26' })
    expect(lastDuePeriod('input', '2025-10-31')).toBeUndefined()
  })
})

describe('a cadence that is none', () => {
  it('is refused with CONFIG_INVALID naming the dataset, by the export and by verify and status alike', async () => {
    const { compileDataset } = await import('../engine/definition.js')
    const { queryPerfSchema } = await import('@parquetry/schema')
    const definition = { name: 'q', schema: queryPerfSchema, inputs: { description: 'x', list: async () => ({ inputs: [], problems: [] }) }, partition: { template: '{dataset}/{date}.parquet', dateColumn: 'timestamp' }, cadence: 'monthly' }
    expect(() => compileDataset(definition as never)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: 'dataset q: cadence must be one of "daily", "weekly", "input", got "monthly"' }))
  })
})
