import { useTempDir } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { openProject } from '../project.js'

const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))
const dir = useTempDir()

describe('verifyDatasets', () => {
  it('passes exported files and reports truncated, foreign and missing ones', async () => {
    execFileSync(process.execPath, [generator, '--days', '3', '--out', dir.path])
    const project = await openProject({ cwd: dir.path })
    await project.export({ selection: { kind: 'historical' } })
    const clean = await project.verify({ datasets: ['query_perf'] })
    expect(clean.ok).toBe(true)
    expect(clean.files.map((file) => [file.path, file.status])).toEqual(
      ['01', '02', '03', '04'].map((day) => [`query_perf/year=2025/month=10/query_perf_202510${day}.parquet`, 'ok']),
    )

    const root = project.config.output
    const truncated = join(root, 'query_perf/year=2025/month=10/query_perf_20251002.parquet')
    const bytes = await readFile(truncated)
    await writeFile(truncated, bytes.subarray(0, bytes.length - 100))
    // A Parquetry file of another dataset put where query_perf files live.
    await writeFile(join(root, 'query_perf/year=2025/month=10/query_perf_20251003.parquet'), await readFile(join(root, 'index_advisor/year=2025/month=10/index_advisor_20251003.parquet')))
    const report = await project.verify({ datasets: ['query_perf'], range: { from: '2025-10-01', to: '2025-10-05' } })
    expect(report.ok).toBe(false)
    expect(report.files.map((file) => [file.path.slice(-27), file.status])).toEqual([
      ['query_perf_20251001.parquet', 'ok'],
      ['query_perf_20251002.parquet', 'unreadable'],
      ['query_perf_20251003.parquet', 'mismatch'],
      ['query_perf_20251004.parquet', 'ok'],
    ])
    expect(report.files[2]?.reason).toBe('query_perf/year=2025/month=10/query_perf_20251003.parquet: schema is index_advisor, expected query_perf')
    expect(report.missing).toEqual([{ dataset: 'query_perf', date: '2025-10-05', path: 'query_perf/year=2025/month=10/query_perf_20251005.parquet' }])
  })

  it('reports strays: files in a dataset folder that its layout does not produce, which queries do not read', async () => {
    const cwd = join(dir.path, 'strays')
    execFileSync(process.execPath, [generator, '--days', '3', '--out', cwd])
    const project = await openProject({ cwd })
    await project.export({ selection: { kind: 'historical' } })
    const root = project.config.output
    const month = join(root, 'query_perf/year=2025/month=10')
    const day = await readFile(join(month, 'query_perf_20251001.parquet'))
    await writeFile(join(month, 'query_perf_20251001 (copy).parquet'), day)
    await writeFile(join(month, 'query_perf_20251001.parquet.bak'), day)
    await mkdir(join(root, 'query_perf/backup'), { recursive: true })
    await writeFile(join(root, 'query_perf/backup/query_perf_20251001.parquet'), day)
    await mkdir(join(root, 'query_perf/year=2025/month=13'), { recursive: true })
    await writeFile(join(root, 'query_perf/year=2025/month=13/query_perf_20251301.parquet'), day)
    // A file of another dataset's is not a stray of query_perf's, nor are rejects and locks.
    const report = await project.verify()
    expect(report.ok).toBe(false)
    expect(report.files.filter((file) => file.status === 'stray').map((file) => file.path)).toEqual([
      'query_perf/backup/query_perf_20251001.parquet',
      'query_perf/year=2025/month=10/query_perf_20251001 (copy).parquet',
      'query_perf/year=2025/month=10/query_perf_20251001.parquet.bak',
      'query_perf/year=2025/month=13/query_perf_20251301.parquet',
    ])
    expect(report.files.find((file) => file.status === 'stray')?.reason).toBe(
      'query_perf/backup/query_perf_20251001.parquet: not a file of query_perf (its layout query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet does not produce this path); no export wrote it and queries do not read it',
    )
    expect(report.files.filter((file) => file.status !== 'stray').map((file) => [file.path, file.status])).toEqual([
      ...['01', '02', '03', '04'].map((day) => [`query_perf/year=2025/month=10/query_perf_202510${day}.parquet`, 'ok']),
      ['query_perf_weekly/year=2025/month=09/query_perf_weekly_20250929.parquet', 'ok'],
      ['index_advisor/year=2025/month=10/index_advisor_20251003.parquet', 'ok'],
      ...['01', '02', '03'].map((day) => [`optimization_summary/year=2025/month=10/optimization_summary_202510${day}.parquet`, 'ok']),
    ])
    // A copy of one day under another day's name holds rows of the wrong date.
    await writeFile(join(month, 'query_perf_20251002.parquet'), day)
    const copied = await project.verify({ datasets: ['query_perf'], range: { from: '2025-10-02', to: '2025-10-02' } })
    expect(copied.files.filter((file) => file.status !== 'stray')).toEqual([
      {
        dataset: 'query_perf',
        path: 'query_perf/year=2025/month=10/query_perf_20251002.parquet',
        status: 'mismatch',
        rows: expect.any(Number),
        reason: 'query_perf/year=2025/month=10/query_perf_20251002.parquet: row group 0 holds rows of 2025-10-01 (its smallest date_partition), not only of 2025-10-02',
      },
    ])
    await project.close()
  })
})
