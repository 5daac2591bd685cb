import { openProject, type DatasetDefinition, type Project } from '@parquetry/pipeline'
import { useTempDir } from '@parquetry/testing'
import { cp, mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { dueDays } from './due.js'

// What the worker waits for follows each dataset's cadence: a daily dataset its
// latest closed day, a weekly one the last week that has ended, one whose input
// names no date nothing at all (no daily "no input yet" warning for a report
// rewritten in place).
const example = fileURLToPath(new URL('../../../examples/ops/', import.meta.url))
const dir = useTempDir({ each: true })
let project: Project

beforeEach(async () => {
  await cp(join(example, 'g/reports'), join(dir.path, 'g/reports'), { recursive: true })
  for (const name of ['index_advisor_report.json', 'optimization_summary.txt']) await cp(join(example, 'knowledge/optimize', name), join(dir.path, 'knowledge/optimize', name))
  project = await openProject({ cwd: dir.path })
})
afterEach(async () => {
  await project.close()
})

async function waiting(now: string): Promise<Record<string, string | false>> {
  const entries = await Promise.all(
    project.datasets.map(async (definition) => {
      const due = await dueDays({ project, definition, now: new Date(now), catchUpDays: 3 })
      return [definition.name, due.latestMissing ? (due.waitingFor ?? due.to) : false] as const
    }),
  )
  return Object.fromEntries(entries)
}

describe('what the worker waits for, by cadence', () => {
  it("the day after the sample's last daily input (2025-10-30): nothing is late", async () => {
    expect(await waiting('2025-10-31T12:00:00Z')).toEqual({ query_perf: false, query_perf_weekly: false, index_advisor: false, optimization_summary: false })
  })

  it('a few days on: the daily dataset waits for its day; the weekly one still has its last ended week', async () => {
    expect(await waiting('2025-11-05T12:00:00Z')).toEqual({ query_perf: '2025-11-04', query_perf_weekly: false, index_advisor: false, optimization_summary: false })
  })

  it('a week later: the weekly dataset waits for the week that has ended without its file', async () => {
    expect(await waiting('2025-11-12T12:00:00Z')).toEqual({ query_perf: '2025-11-11', query_perf_weekly: 'week 2025-W45', index_advisor: false, optimization_summary: false })
  })

  it('no input at all yet (a weekly file not yet come, an empty folder): it waits and says why, it does not fail', async () => {
    await rm(join(dir.path, 'g/reports'), { recursive: true })
    await mkdir(join(dir.path, 'g/reports'))
    await cp(join(example, 'g/reports/query_perf_daily_20251030.csv'), join(dir.path, 'g/reports/query_perf_daily_20251030.csv'))
    const [, weekly] = project.datasets
    const due = await dueDays({ project, definition: weekly as DatasetDefinition, now: new Date('2025-10-31T12:00:00Z'), catchUpDays: 3 })
    expect(due).toEqual({ dates: [], from: '2025-10-28', to: '2025-10-30', latestMissing: true, waitingFor: 'week 2025-W43', noInput: 'no input in g/reports is named like query_perf_weekly_{yyyyww}.csv: it holds 1 other file (query_perf_daily_20251030.csv)' })
  })
})
