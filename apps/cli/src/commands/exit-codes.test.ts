import { useTempDir } from '@parquetry/testing'
import { execFileSync, spawn } from 'node:child_process'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
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

  it('a missing input folder and an empty one fail the dataset the same way, each saying which', async () => {
    await rm(join(dir.path, 'g'), { recursive: true })
    const missing = await cli('export', 'query_perf', '--historical')
    await mkdir(join(dir.path, 'g/reports'), { recursive: true })
    const empty = await cli('export', 'query_perf', '--historical')
    for (const run of [missing, empty]) {
      expect(run.code).toBe(1)
      expect(run.err).toMatch(/✗ Export finished with failures \(0 new files, 1 dataset failed\)/)
    }
    expect(missing.err).toMatch(/\[ERROR\] export:parquet dataset=query_perf code=SOURCE_READ_FAILED error="input folder g\/reports does not exist/)
    expect(empty.err).toContain('[ERROR] export:parquet dataset=query_perf code=SOURCE_READ_FAILED error="no input in g/reports is named like query_perf_daily_{yyyymmdd}.csv: it is empty"')
    await writeFile(join(dir.path, 'g/reports/notes.txt'), 'not an input')
    expect((await cli('export', 'query_perf', '--historical')).err).toContain('error="no input in g/reports is named like query_perf_daily_{yyyymmdd}.csv: it holds 1 other file (notes.txt)"')
  })

  it('a date range given by halves says what is missing', async () => {
    const cases: [string[], string][] = [
      [['--from', '2025-10-01'], '--from 2025-10-01 needs --to D too (the range\'s last day, inclusive), or use --date 2025-10-01 for one day'],
      [['--to', '2025-10-02'], '--to 2025-10-02 needs --from D too (the range\'s first day), or use --date 2025-10-02 for one day'],
      [['--date', '2025-10-01', '--to', '2025-10-02'], 'choose one: --date 2025-10-01 (one day) or --from D --to D (a range), not both'],
    ]
    for (const [args, message] of cases) {
      const run = await cli('verify', ...args)
      expect(run.err.split('\n')[0], args.join(' ')).toBe(`parquetry verify: ${message}`)
      expect(run.code, args.join(' ')).toBe(2)
    }
  })

  it('init into a folder that cannot be made says so and returns (Node\'s recursive mkdir would loop under /proc)', async () => {
    const run = await cli('init', '--dir', '/proc/parquetry-nope')
    expect(run.err.split('\n')[0]).toBe('parquetry init: --dir /proc/parquetry-nope: cannot make the folder /proc/parquetry-nope (ENOENT)')
    expect(run.code).toBe(2)
  })
})
