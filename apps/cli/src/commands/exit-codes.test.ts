import { useTempDir } from '@parquetry/testing'
import { execFileSync, spawn } from 'node:child_process'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeEach, describe, expect, it } from 'vitest'
import { runIn } from '../test-io.js'

// Exit codes and summaries that tell the truth: a closed pipe does not end an
// export early or turn it green, and --json counts what the text counts.
const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))
const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url))
const dir = useTempDir({ each: true })

const cli = (...args: string[]) => runIn(dir.path, {}, args)

/** The built bin with stdout piped into a reader that leaves after its first line (`| head -1`). */
function exportIntoHead(args: string[]): Promise<{ code: number | null; first: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe'] })
    let first = ''
    let err = ''
    child.stdout.once('data', (chunk: Buffer) => {
      first = String(chunk).split('\n')[0] as string
      child.stdout.destroy()
    })
    child.stderr.on('data', (chunk: Buffer) => (err += String(chunk)))
    child.on('exit', (code) => resolve({ code, first, err }))
  })
}

const parquetFiles = async () => (await readdir(join(dir.path, 'knowledge/optimize/parquet'), { recursive: true })).filter((name) => name.endsWith('.parquet')).sort()

beforeEach(() => {
  execFileSync(process.execPath, [generator, '--days', '6', '--out', dir.path])
})

describe('exit codes and summaries', () => {
  it('an export whose stdout closes after one line (| head -1) runs to its end, and its exit code is the export\'s', async () => {
    const complete = await cli('export', '--historical')
    expect(complete.code).toBe(0)
    const files = await parquetFiles()
    expect(files.length).toBeGreaterThan(6)
    await rm(join(dir.path, 'knowledge/optimize/parquet'), { recursive: true })
    const piped = await exportIntoHead(['export', '--historical', '--force'])
    expect(piped.first).toMatch(/\[INFO\] export:parquet file=/)
    expect(piped.code).toBe(0)
    expect(await parquetFiles()).toEqual(files)
    // A failing export stays a failure when nobody reads its stdout.
    await rm(join(dir.path, 'g'), { recursive: true })
    const failing = await exportIntoHead(['export', '--historical', '--force'])
    expect(failing.code).toBe(1)
    expect(failing.err).toContain('✗ Export finished with failures')
  })

  it('--json counts the failed datasets and unreadable inputs the text summary gives', async () => {
    await rm(join(dir.path, 'g'), { recursive: true })
    await rm(join(dir.path, 'knowledge/optimize'), { recursive: true })
    const text = await cli('export', '--historical')
    expect(text.code).toBe(1)
    expect(text.err).toMatch(/✗ Export finished with failures \(0 new files, 4 datasets failed\)/)
    const json = await cli('export', '--historical', '--json')
    expect(json.code).toBe(1)
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, written: 0, failed: 0, datasetsFailed: 4, inputsUnreadable: 0, skipped: 0, removed: 0 })
  })

  it('a dry run that finds problems says so on stderr, and exits 1', async () => {
    await rm(join(dir.path, 'g'), { recursive: true })
    const dry = await cli('export', '--historical', '--dry-run')
    expect(dry.code).toBe(1)
    expect(dry.out).toContain('DRY RUN - no files written\n')
    expect(dry.err).toContain('input folder g/reports does not exist')
    expect(dry.err).toContain('✗ the dry run found problems (above): a real export would fail\n')
  })
})
