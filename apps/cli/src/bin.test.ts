import { acquireLock } from '@parquetry/pipeline'
import { ParquetryError } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { readParquetRows, useTempDir } from '@parquetry/testing'
import { execFileSync, spawn } from 'node:child_process'
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli } from './run-cli.js'
import { captureIo } from './test-io.js'

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const generator = fileURLToPath(new URL('../../../examples/ops/generate.mjs', import.meta.url))

const dir = useTempDir({ each: true })

async function listAll(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => entry.name).sort()
}

describe('the parquetry bin', () => {
  it('on SIGTERM mid-run keeps the finished files, discards the one being written and exits 143', async () => {
    // 1. The real process and its signal handler, signalled at a known point: blocked on the lock of
    //    query_perf, which this test holds (`--wait 60`). Nothing is timed.
    execFileSync(process.execPath, [generator, '--days', '2', '--out', join(dir.path, 'project')])
    const held = await acquireLock(createLocalStorage({ root: join(dir.path, 'project/knowledge/optimize/parquet') }), 'query_perf')
    try {
      const child = spawn(process.execPath, [bin, 'export', 'query_perf', '--historical', '--wait', '60'], { cwd: join(dir.path, 'project'), stdio: ['ignore', 'pipe', 'pipe'] })
      let stderr = ''
      const waiting = new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString()
          if (stderr.includes('waiting_for=')) resolve()
        })
        child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${stderr}`)))
      })
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      await waiting
      child.kill('SIGTERM')
      expect(await exit).toBe(143)
      expect(stderr).toContain('parquetry: SIGTERM, stopping; files not yet complete are discarded')
      // Nothing but the lock this test holds: no file, no temp file.
      expect(await listAll(join(dir.path, 'project/knowledge/optimize/parquet'))).toEqual(['query_perf.lock'])
    } finally {
      await held.release()
    }

    // 2. The abort it makes, landing while the second file of a demo is being written: the stop comes
    //    from the first file's log line, and takes effect at the second file's first await.
    const controller = new AbortController()
    const io = captureIo(dir.path)
    const stdout = io.stdout.write
    io.signal = controller.signal
    io.stdout.write = (text: string) => {
      if (text.includes('export:parquet') && !controller.signal.aborted) setImmediate(() => controller.abort(Object.assign(new ParquetryError('ABORTED', 'stopped by SIGTERM'), { signal: 'SIGTERM' })))
      return stdout(text)
    }
    const code = await runCli(['demo', '--days', '5', '--rows', '2000', '--start', '2025-10-01', '--out', join(dir.path, 'demo')], io)
    expect(code).toBe(143)
    expect(io.out().trim().split('\n')).toEqual([expect.stringMatching(/\[INFO\] export:parquet file=query_perf_20251001\.parquet rows=2000 compressed_kb=\d+ ratio=/)])
    expect(io.err()).toBe('parquetry demo: query_perf/year=2025/month=10/query_perf_20251002.parquet: aborted; nothing was written\n')
    // The finished file is kept whole; the one being written left nothing (no temp file); the rest never started.
    expect(await listAll(join(dir.path, 'demo'))).toEqual(['query_perf_20251001.parquet'])
    const [kept] = await readdir(join(dir.path, 'demo'), { recursive: true }).then((entries) => entries.filter((entry) => entry.endsWith('.parquet')))
    expect(await readParquetRows(join(dir.path, 'demo', kept as string)).then((rows) => rows.length)).toBe(2000)
  }, 60_000)
})
