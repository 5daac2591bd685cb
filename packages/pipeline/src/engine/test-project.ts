import { useTempDir } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeEach } from 'vitest'
import { openProject, type Project } from '../project.js'
import type { ExportResult } from './types.js'

const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))

/**
 * Tests only: a fresh sample project of `days` days (examples/ops/generate.mjs)
 * in its own temp folder before each test, and an export of its query_perf
 * dataset, every date by default.
 */
export function opsProject(days: number) {
  const dir = useTempDir({ each: true })
  beforeEach(() => {
    execFileSync(process.execPath, [generator, '--days', String(days), '--out', dir.path])
  })
  return {
    dir,
    /** The day's query_perf CSV (`'05'` → 2025-10-05). */
    daily: (day: string) => join(dir.path, `g/reports/query_perf_daily_202510${day}.csv`),
    async exportWith(options: Parameters<Project['export']>[0] = {}): Promise<ExportResult> {
      const project = await openProject({ cwd: dir.path })
      try {
        return await project.export({ datasets: ['query_perf'], selection: { kind: 'historical' }, ...options })
      } finally {
        await project.close()
      }
    },
  }
}
