import { useTempDir } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeEach, describe, expect, it } from 'vitest'
import { openProject } from '../project.js'

// Nothing is written outside the output root or the rejects root, whatever links are in them.
const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))
const dir = useTempDir({ each: true })
const out = () => join(dir.path, 'knowledge/optimize/parquet')

beforeEach(() => {
  execFileSync(process.execPath, [generator, '--days', '4', '--out', dir.path])
})

describe('links in the output tree', () => {
  it('a dataset folder that is a link out of the root is refused with a clear error, and nothing is written there', async () => {
    const elsewhere = join(dir.path, 'elsewhere')
    await mkdir(elsewhere)
    await mkdir(out(), { recursive: true })
    await symlink(elsewhere, join(out(), 'query_perf'))
    const project = await openProject({ cwd: dir.path })
    const result = await project.export({ datasets: ['query_perf', 'index_advisor'], selection: { kind: 'historical' } })
    await project.close()
    expect(result.ok).toBe(false)
    const failed = result.datasets[0]?.files.filter((file) => file.status === 'failed') ?? []
    expect(failed.length).toBeGreaterThan(0)
    expect(failed[0]?.reason).toContain(`${join(out(), 'query_perf')} is a symbolic link to ${elsewhere}; Parquetry does not write through a link that leads out of its root`)
    expect(await readdir(elsewhere)).toEqual([])
    // Other datasets are exported.
    expect(result.datasets[1]?.files.map((file) => file.status)).toEqual(['written'])
  })

  it("a link at a rejects file's path is refused; its target is untouched", async () => {
    const target = join(dir.path, 'precious.txt')
    await writeFile(target, 'keep me')
    const rejects = join(out(), '_rejects/query_perf')
    await mkdir(rejects, { recursive: true })
    // Day 4 has rejected rows: its rejects file would go here.
    await symlink(target, join(rejects, 'query_perf_daily_20251004.csv.rejects.ndjson'))
    const project = await openProject({ cwd: dir.path })
    const result = await project.export({ datasets: ['query_perf'], selection: { kind: 'historical' } })
    await project.close()
    expect(await readFile(target, 'utf8')).toBe('keep me')
    expect(result.ok).toBe(false)
    expect(result.datasets[0]?.failures).toEqual([
      expect.objectContaining({ input: 'g/reports/query_perf_daily_20251004.csv', code: 'PATH_INVALID', message: expect.stringContaining('does not write through a link at a file it writes') }),
    ])
  })
})
