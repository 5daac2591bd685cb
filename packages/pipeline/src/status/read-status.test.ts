import { useTempDir } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { copyFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../config/load.js'
import { openProject } from '../project.js'

const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))
const dir = useTempDir()

describe('readStatus', () => {
  it("reports per dataset the last date, yesterday's file, counts, sizes and compression", async () => {
    execFileSync(process.execPath, [generator, '--days', '4', '--out', dir.path])
    const project = await openProject({ cwd: dir.path })
    const exported = await project.export({ selection: { kind: 'historical' } })
    const now = new Date('2025-10-05T08:00:00Z')
    const report = await project.status({ now })
    const queryPerf = report.datasets.find((dataset) => dataset.dataset === 'query_perf')
    const files = exported.datasets[0]?.files ?? []
    expect(queryPerf).toMatchObject({
      lastDate: '2025-10-05',
      yesterday: { date: '2025-10-04', path: 'query_perf/year=2025/month=10/query_perf_20251004.parquet', exists: true },
      files: files.length,
      bytes: files.reduce((sum, file) => sum + (file.bytes ?? 0), 0),
      rows: files.reduce((sum, file) => sum + file.rows, 0),
      unreadable: [],
    })
    expect(queryPerf?.averageRatio).toBeGreaterThan(60)
    // The advisor report is from the last day only: yesterday (the 4th) is there, the weekly one is not.
    expect(report.datasets.find((dataset) => dataset.dataset === 'index_advisor')?.yesterday.exists).toBe(true)
    expect(report.datasets.find((dataset) => dataset.dataset === 'query_perf_weekly')?.yesterday.exists).toBe(false)
    expect(report.ok).toBe(false)
    expect(report.sizeWarning).toBeUndefined()

    // Over the warning size; yesterday missing for query_perf.
    await rm(join(project.config.output, 'query_perf/year=2025/month=10/query_perf_20251004.parquet'))
    const small = await openProject({ config: resolveConfig({ sizeWarningBytes: 1000 }, { baseDir: dir.path }) })
    const warned = await small.status({ now, datasets: ['query_perf'] })
    expect(warned.datasets[0]?.yesterday.exists).toBe(false)
    expect(warned.sizeWarning).toMatch(/GiB stored under .* over the 0\.00 GiB warning size/)
  })

  it('works in the configured time zone', async () => {
    const project = await openProject({ config: resolveConfig({ timezone: 'Asia/Bangkok' }, { baseDir: dir.path }) })
    // 2025-10-05T20:00Z is already the 6th in Bangkok: yesterday there is the 5th.
    const report = await project.status({ now: new Date('2025-10-05T20:00:00Z'), datasets: ['query_perf'] })
    expect(report.datasets[0]?.yesterday.date).toBe('2025-10-05')
  })

  it("reports the same compression as the export: 1 − the files' bytes / the bytes of their inputs, each input counted once", async () => {
    const cwd = join(dir.path, 'ratio')
    execFileSync(process.execPath, [generator, '--days', '6', '--out', cwd])
    const project = await openProject({ cwd })
    const exported = await project.export({ selection: { kind: 'historical' } })
    const report = await project.status()
    for (const dataset of exported.datasets) {
      // The inputs' real sizes on disk, and the files' real sizes.
      const inputBytes = (await Promise.all(dataset.inputs.map(async (input) => (await stat(join(cwd, input.identity))).size))).reduce((sum, size) => sum + size, 0)
      const fileBytes = (await Promise.all(dataset.files.map(async (file) => (await stat(join(project.config.output, file.path))).size))).reduce((sum, size) => sum + size, 0)
      const real = Math.round((1 - fileBytes / inputBytes) * 1000) / 10
      const status = report.datasets.find((entry) => entry.dataset === dataset.dataset)
      expect({ dataset: dataset.dataset, ratio: status?.averageRatio }).toEqual({ dataset: dataset.dataset, ratio: real })
      // Each file's own ratio is over its share of the inputs: together they weigh the same.
      const shares = dataset.files.reduce((sum, file) => sum + file.sourceBytes, 0)
      expect(Math.abs(shares - inputBytes)).toBeLessThanOrEqual(dataset.files.length)
    }
    // The event log feeds one small file a day: it takes more room as Parquet than as text.
    expect(report.datasets.find((entry) => entry.dataset === 'optimization_summary')?.averageRatio).toBeLessThan(0)
    await project.close()
  })

  it("a copy of one day's file under another day's name is not counted, and named", async () => {
    const cwd = join(dir.path, 'misplaced')
    execFileSync(process.execPath, [generator, '--days', '3', '--out', cwd])
    const project = await openProject({ cwd })
    await project.export({ datasets: ['query_perf'], selection: { kind: 'historical' } })
    const before = (await project.status({ datasets: ['query_perf'] })).datasets[0]
    const month = join(project.config.output, 'query_perf/year=2025/month=10')
    await copyFile(join(month, 'query_perf_20251001.parquet'), join(month, 'query_perf_20251009.parquet'))
    const after = (await project.status({ datasets: ['query_perf'] })).datasets[0]
    expect(after).toMatchObject({ files: before?.files, rows: before?.rows, bytes: before?.bytes, lastDate: before?.lastDate, misplaced: ['query_perf/year=2025/month=10/query_perf_20251009.parquet'] })
    await project.close()
  })
})
