import { createLocalStorage } from '@parquetry/storage'
import { createS3Storage } from '@parquetry/storage/s3'
import { startS3Server, useTempDir } from '@parquetry/testing'
import { execFileSync, spawn } from 'node:child_process'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'
import { openProject } from '../project.js'
import { acquireLock, lockPath } from './lock.js'

const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))
const cli = fileURLToPath(new URL('../../../../apps/cli/dist/bin.js', import.meta.url))
const dir = useTempDir({ each: true })

describe('one export of a dataset at a time', () => {
  it('a second export started together fails at once naming the first, or waits for it and then has nothing to do', async () => {
    execFileSync(process.execPath, [generator, '--days', '5', '--out', dir.path])
    const project = await openProject({ cwd: dir.path })
    try {
      const [first, second] = await Promise.all([
        project.export({ datasets: ['query_perf'], selection: { kind: 'historical' } }),
        project.export({ datasets: ['query_perf'], selection: { kind: 'historical' } }),
      ])
      const results = [first, second]
      const locked = results.find((result) => result.datasets[0]?.error)
      const done = results.find((result) => !result.datasets[0]?.error)
      expect(done?.written).toBe(6)
      expect(locked?.ok).toBe(false)
      expect(locked?.written).toBe(0)
      expect(locked?.datasets[0]?.error).toEqual({ code: 'LOCKED', message: expect.stringMatching(new RegExp(`^query_perf is being exported by pid ${process.pid} on .+ since .+; try again when it has finished$`)), transient: true })
      await rmOutput(project.config.output)
      const waited = await Promise.all([0, 1].map(() => project.export({ datasets: ['query_perf'], selection: { kind: 'historical' }, lock: { waitMs: 60_000 } })))
      expect(waited.map((result) => result.ok)).toEqual([true, true])
      expect(waited.map((result) => result.written).sort()).toEqual([0, 6])
      expect(waited.map((result) => result.skipped).sort()).toEqual([0, 6])
      // The lock is gone once both are done.
      expect(await project.storage.stat(lockPath('query_perf'))).toBeUndefined()
    } finally {
      await project.close()
    }
  })

  it('two CLI processes started together: one exports, the other says who holds the lock and exits 1', async () => {
    execFileSync(process.execPath, [generator, '--days', '20', '--out', dir.path])
    const run = () =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [cli, 'export', 'query_perf', '--historical'], { cwd: dir.path })
        let stderr = ''
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
        child.on('close', (code) => resolve({ code, stderr }))
      })
    const outcomes = await Promise.all([run(), run()])
    const failed = outcomes.filter((outcome) => outcome.code === 1)
    // Either both ran one after the other (each got the lock in turn) or exactly one was refused.
    expect(outcomes.map((outcome) => outcome.code).sort()).toEqual(failed.length === 0 ? [0, 0] : [0, 1])
    for (const outcome of failed) expect(outcome.stderr).toMatch(/code=LOCKED error="query_perf is being exported by pid \d+ on /)
    const files = await readdir(join(dir.path, 'knowledge/optimize/parquet/query_perf/year=2025/month=10'))
    expect(files.filter((name) => name.endsWith('.parquet'))).toHaveLength(21)
    expect(files.filter((name) => name.endsWith('.parquetry-tmp'))).toEqual([])
  })

  it('takes over a lock whose holder stopped refreshing it, or died on this host', async () => {
    const storage = createLocalStorage({ root: dir.path })
    await mkdir(join(dir.path, '_parquetry/locks'), { recursive: true })
    const path = join(dir.path, lockPath('orders'))
    await writeFile(path, JSON.stringify({ pid: 1, host: 'elsewhere', instance: '0000beef', since: '2025-10-01T00:00:00Z', token: 'old' }))
    // Elapsed time is the clock's, not a sleep's: the lock's age is what the test says.
    const modifiedAt = async () => (await storage.stat(lockPath('orders')))?.modifiedAt.getTime() ?? Number.NaN
    const written = await modifiedAt()
    // Fresh and held by a process this host cannot ask about: held.
    await expect(acquireLock(storage, 'orders', { now: () => written })).rejects.toMatchObject({ code: 'LOCKED', message: expect.stringContaining('pid 1 on elsewhere since 2025-10-01T00:00:00Z') })
    // Ten minutes without a refresh, past the default two: stale, taken over; `since` is the clock's.
    const lock = await acquireLock(storage, 'orders', { now: () => written + 10 * 60_000 })
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ pid: process.pid, since: new Date(written + 10 * 60_000).toISOString() })
    // Exactly two minutes old is not yet stale.
    const takenAt = await modifiedAt()
    await expect(acquireLock(storage, 'orders', { now: () => takenAt + 120_000 })).rejects.toMatchObject({ code: 'LOCKED', message: expect.stringContaining(`pid ${process.pid}`) })
    await lock.release()
    expect(await storage.stat(lockPath('orders'))).toBeUndefined()
    // A dead pid of this very host and pid namespace: taken at once.
    const dead = execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString()
    const { processInstance } = await import('@parquetry/storage')
    await writeFile(path, JSON.stringify({ pid: Number(dead), host: 'here', instance: processInstance, since: new Date().toISOString(), token: 'dead' }))
    const taken = await acquireLock(storage, 'orders')
    await taken.release()
  })

  it('refreshes a held lock, and a holder whose lock was taken over is told', async () => {
    const storage = createLocalStorage({ root: dir.path })
    let lost: Error | undefined
    const lock = await acquireLock(storage, 'orders', { staleAfterMs: 400, heartbeatMs: 100, onLost: (error) => (lost = error) })
    const before = (await storage.stat(lockPath('orders')))?.modifiedAt.getTime() ?? 0
    // Waited for, not slept on: the first refresh, whenever a loaded machine gets to it.
    const modified = async () => (await storage.stat(lockPath('orders')))?.modifiedAt.getTime() ?? 0
    await vi.waitFor(async () => expect(await modified()).toBeGreaterThan(before), { timeout: 10_000, interval: 20 })
    // Refreshed: nobody may take it as stale, even 400 ms after the refresh by the taker's clock.
    const refreshed = await modified()
    await expect(acquireLock(storage, 'orders', { staleAfterMs: 400, now: () => refreshed + 400 })).rejects.toMatchObject({ code: 'LOCKED' })
    // Someone replaces it behind its back: the next refresh fails and says so.
    await writeFile(join(dir.path, lockPath('orders')), JSON.stringify({ pid: 2, host: 'x', instance: 'y', since: 'z', token: 'other' }))
    await vi.waitFor(() => expect(lost?.message).toMatch(/^orders: lost its lock _parquetry\/locks\/orders.lock/), { timeout: 10_000, interval: 20 })
    expect(lost).toMatchObject({ code: 'LOCKED', details: { dataset: 'orders', path: '_parquetry/locks/orders.lock' } })
    await lock.release()
    // Not ours any more: left in place.
    expect(await storage.stat(lockPath('orders'))).toBeDefined()
  })

  it('on S3, the lock is a conditional write: of several takers at once, one wins', async () => {
    const server = await startS3Server({ buckets: ['lake'] })
    try {
      const storage = createS3Storage({ url: 's3://lake/data', ...server.options })
      const outcomes = await Promise.allSettled([0, 1, 2, 3].map(() => acquireLock(storage, 'pageviews')))
      const held = outcomes.filter((outcome) => outcome.status === 'fulfilled')
      expect(held).toHaveLength(1)
      expect(outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => (outcome as PromiseRejectedResult).reason.code)).toEqual(['LOCKED', 'LOCKED', 'LOCKED'])
      expect(server.keys('lake')).toContain('data/_parquetry/locks/pageviews.lock')
      await (held[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof acquireLock>>>).value.release()
      expect(server.keys('lake').filter((key) => key.includes('locks'))).toEqual([])
      await storage.close()
    } finally {
      await server.stop()
    }
  })
})

async function rmOutput(root: string): Promise<void> {
  const { rm } = await import('node:fs/promises')
  await rm(root, { recursive: true, force: true })
}
