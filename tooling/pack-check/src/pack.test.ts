import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, inject, it } from 'vitest'

// Every published package and an export each must have, checked from ESM and CJS.
const expectedExports: Record<string, string[]> = {
  '@parquetry/schema': ['defineSchema', 'createRowParser', 'queryPerfSchema', 'pageviewsSchema', 'ParquetryError'],
  '@parquetry/storage': ['createLocalStorage', 'normalizeObjectPath', 'parseS3Url'],
  '@parquetry/partitioner': ['encodePartitionValue', 'createLayout', 'matchInputName'],
  '@parquetry/querier': ['Querier', 'dailySummary', 'writeCatalog'],
  '@parquetry/pipeline': ['runExport', 'openProject', 'fileInputs', 'inputsFrom', 'opsDataset', 'loadConfig', 'readStatus', 'verifyDatasets', 'configJsonSchema'],
  '@parquetry/sources': ['readCsv', 'readJson', 'readJsonl', 'readEventLog', 'validateRecords', 'assertRejects'],
  '@parquetry/writer': ['writeParquet', 'ParquetFileWriter', 'readFooter'],
  '@parquetry/cli': ['runCli', 'formatLogLine'],
  '@parquetry/worker': ['Worker', 'startWorker', 'runWorkerCli', 'dueDays', 'ManualClock', 'WorkerMetrics', 'webhookBody'],
}

const { dir: project, packages } = inject('packedProject')

describe('published packages', () => {
  it('covers every package with expected exports', () => {
    expect(packages.map((pkg) => pkg.name).sort()).toEqual(Object.keys(expectedExports).sort())
  })

  it.each(Object.entries(expectedExports))('%s installs from its tarball and works with import and require', (name, names) => {
    const check = `for (const key of ${JSON.stringify(names)}) if (!(key in m)) throw new Error('missing export ' + key); process.stdout.write(Object.keys(m).length + '')`
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', `import * as m from '${name}'; ${check}`], { cwd: project, encoding: 'utf8' })
    const cjs = execFileSync(process.execPath, ['-e', `const m = require('${name}'); ${check}`], { cwd: project, encoding: 'utf8' })
    expect(Number(esm)).toBeGreaterThanOrEqual(names.length)
    expect(cjs).toBe(esm)
  })

  it('@parquetry/storage/s3 loads the AWS SDK; @parquetry/storage and @parquetry/pipeline do not', () => {
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', `import { createS3Storage } from '@parquetry/storage/s3'; process.stdout.write(typeof createS3Storage)`], { cwd: project, encoding: 'utf8' })
    expect(esm).toBe('function')
    // With the SDK made unresolvable, the main entries still load: they never import it.
    const hook = `data:text/javascript,${encodeURIComponent('export async function resolve(specifier, context, next) { if (specifier.startsWith("@aws-sdk/")) throw new Error("blocked " + specifier); return next(specifier, context) }')}`
    const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)})`)}`
    const loaded = execFileSync(process.execPath, ['--import', register, '--input-type=module', '-e', `await import('@parquetry/storage'); await import('@parquetry/pipeline'); process.stdout.write('ok')`], { cwd: project, encoding: 'utf8' })
    expect(loaded).toBe('ok')
    expect(() => execFileSync(process.execPath, ['--import', register, '--input-type=module', '-e', `await import('@parquetry/storage/s3')`], { cwd: project, encoding: 'utf8', stdio: 'pipe' })).toThrow(/blocked @aws-sdk\/client-s3/)
  })

  it('the tarballs hold dist and README, no sources or tests', () => {
    for (const pkg of packages) {
      const listing = execFileSync('tar', ['-tzf', pkg.tarball], { encoding: 'utf8' }).split('\n').filter(Boolean)
      expect(listing).toContain('package/package.json')
      expect(listing).toContain('package/README.md')
      expect(listing).toContain('package/dist/index.js')
      expect(listing).toContain('package/dist/index.d.ts')
      expect(listing.filter((file) => file.includes('/src/') || file.includes('.test.'))).toEqual([])
      const manifest = JSON.parse(execFileSync('tar', ['-xzOf', pkg.tarball, 'package/package.json'], { encoding: 'utf8' })) as {
        dependencies?: Record<string, string>
      }
      expect(Object.values(manifest.dependencies ?? {}).filter((range) => range.startsWith('workspace:'))).toEqual([])
    }
  })

  it('the installed parquetry bin runs', () => {
    const version = execFileSync(join(project, 'node_modules/.bin/parquetry'), ['--version'], { encoding: 'utf8' })
    expect(version.trim()).toMatch(/^\d+\.\d+\.\d+/)
    const output = execFileSync(join(project, 'node_modules/.bin/parquetry'), ['demo', '--days', '2', '--rows', '50', '--json', '--out', join(project, 'demo')], {
      encoding: 'utf8',
    })
    const result = JSON.parse(output) as { files: { rows: number }[]; validation: { query_count: number }[] }
    expect(result.files.map((file) => file.rows)).toEqual([50, 50])
    expect(result.validation.map((row) => row.query_count)).toEqual([50, 50])
  })

  it('the installed parquetry-worker bin runs', () => {
    const worker = join(project, 'node_modules/.bin/parquetry-worker')
    expect(execFileSync(worker, ['--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+/)
    expect(execFileSync(worker, ['--help'], { encoding: 'utf8' })).toContain('Usage: parquetry-worker')
    // A bad schedule is refused at start-up, before any job runs.
    const config = join(project, 'bad-schedule.json')
    writeFileSync(config, JSON.stringify({ datasets: { query_perf: { schedule: '0 5 * *' } } }))
    let stderr = ''
    let status: number | null = 0
    try {
      execFileSync(worker, ['--once', '--config', config], { encoding: 'utf8', stdio: 'pipe' })
    } catch (error) {
      stderr = String((error as { stderr: string }).stderr)
      status = (error as { status: number | null }).status
    }
    expect(status).toBe(1)
    expect(stderr).toContain('datasets.query_perf.schedule: cron expression "0 5 * *": give 5 fields')
  })
})
