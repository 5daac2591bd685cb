import { useTempDir } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeEach, describe, expect, it } from 'vitest'
import { openProject, type Project } from '../project.js'
import type { ExportResult } from './types.js'

// Bad input never passes for good: every input that gives nothing, or less than it holds, is named.
const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))
const dir = useTempDir({ each: true })
const daily = (day: string) => join(dir.path, `g/reports/query_perf_daily_202510${day}.csv`)
const rejectsDir = () => join(dir.path, 'knowledge/optimize/parquet/_rejects/query_perf')

beforeEach(() => {
  execFileSync(process.execPath, [generator, '--days', '6', '--out', dir.path])
})

async function exportWith(options: Parameters<Project['export']>[0] = {}): Promise<ExportResult> {
  const project = await openProject({ cwd: dir.path })
  try {
    return await project.export({ datasets: ['query_perf'], selection: { kind: 'historical' }, ...options })
  } finally {
    await project.close()
  }
}

describe('bad input', () => {
  it('a rejects file of an input that has since been fixed is removed', async () => {
    const first = await exportWith()
    expect(first.ok).toBe(true)
    // The generator puts two bad rows in the 4th.
    expect(await readdir(rejectsDir())).toEqual(['query_perf_daily_20251004.csv.rejects.ndjson'])
    const lines = (await readFile(daily('04'), 'utf8')).split('\n')
    const fixed = lines.filter((line) => line === lines[0] || (line.split(',').length === 11 && !line.includes(',fast,')))
    await writeFile(daily('04'), fixed.join('\n'))
    const second = await exportWith()
    expect(second.ok).toBe(true)
    expect(second.datasets[0]?.rejects).toEqual([])
    expect(await readdir(rejectsDir())).toEqual([])
  })
})
