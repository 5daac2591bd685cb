import { useTempDir } from '@parquetry/testing'
import { spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

const dir = useTempDir({ each: true })

async function listAll(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name).sort()
}

describe('the parquetry bin', () => {
  it('on SIGTERM mid-run keeps the finished files, discards the one being written and exits 143', async () => {
    const child = spawn(process.execPath, [bin, 'demo', '--days', '30', '--rows', '400000', '--out', join(dir.path, 'out')], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('export:parquet')) resolve()
      })
      child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)))
    })
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    expect(await exit).toBe(143)
    expect(stderr).toContain('SIGTERM, stopping')
    const files = await listAll(join(dir.path, 'out'))
    expect(files.length).toBeGreaterThanOrEqual(1)
    expect(files.length).toBeLessThan(30)
    expect(files.every((name) => /^query_perf_\d{8}\.parquet$/.test(name))).toBe(true)
  }, 60_000)
})
