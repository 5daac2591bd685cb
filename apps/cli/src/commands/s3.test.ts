import { startS3Server, useTempDir, type S3TestServer } from '@parquetry/testing'
import { DuckDBInstance } from '@duckdb/node-api'
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../run-cli.js'
import { captureIo } from '../test-io.js'

const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))
const bin = fileURLToPath(new URL('../../dist/bin.js', import.meta.url))
const dir = useTempDir({ each: true })
let server: S3TestServer
let bucket = ''
let buckets = 0

beforeAll(async () => {
  server = await startS3Server()
})
afterAll(async () => {
  await server.stop()
})
beforeEach(() => {
  bucket = `lake-${++buckets}`
  server.createBucket(bucket)
  server.requests.length = 0
})

async function cli(...args: string[]) {
  const io = { ...captureIo(dir.path), env: { ...server.env, XDG_CACHE_HOME: join(dir.path, 'cache') } }
  const code = await runCli(args, io)
  return { code, out: io.out(), err: io.err() }
}

const writes = new Set(['put', 'upload-part', 'create-upload', 'complete-upload', 'abort-upload', 'copy', 'delete'])
const finalKeys = () => server.keys(bucket).filter((key) => !key.includes('/_parquetry/'))

/** The ETag each key has now, as S3 reports it. */
async function etagsOf(keys: readonly string[]): Promise<(string | undefined)[]> {
  const client = new S3Client({ ...server.options })
  try {
    return await Promise.all(keys.map(async (key) => (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag))
  } finally {
    client.destroy()
  }
}

describe('the ops datasets on S3', () => {
  it('export, rerun, status, verify and query over an s3:// output, published conditionally, read back by DuckDB', async () => {
    execFileSync(process.execPath, [generator, '--days', '4', '--out', dir.path])
    await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ output: `s3://${bucket}/ops` }))
    const first = await cli('export', '--historical', '--json')
    expect(first.err).toBe('')
    expect(first.code).toBe(0)
    const result = JSON.parse(first.out) as { ok: boolean; written: number; datasets: { dataset: string; files: { path: string; rows: number; status: string }[] }[] }
    expect(result.ok).toBe(true)
    const written = result.datasets.flatMap((dataset) => dataset.files.filter((file) => file.status === 'written').map((file) => `ops/${file.path}`))
    expect(written.length).toBe(result.written)
    // Every file, the rejects of day 4, and nothing left in the temporary area.
    expect(finalKeys()).toEqual([...written, 'ops/_rejects/query_perf/query_perf_daily_20251004.csv.rejects.ndjson'].sort())
    // Nothing left in the temporary area or of the locks; each dataset's state (its partitioning) is kept.
    expect(server.keys(bucket).filter((key) => key.includes('/_parquetry/'))).toEqual(
      ['index_advisor', 'optimization_summary', 'query_perf', 'query_perf_weekly'].map((name) => `ops/_parquetry/datasets/${name}.json`),
    )
    expect(server.openUploads()).toBe(0)
    // New keys are published only if still absent: every file, the rejects, and each dataset's lock (removed since).
    const copies = server.requests.filter((request) => request.action === 'copy')
    expect(copies).toHaveLength(result.written + 1 + 4 + 4)
    // Each file by its key, with the header it was published under.
    expect(copies.filter((request) => request.key.endsWith('.parquet')).map((request) => `${request.key} if-none-match=${String(request.headers['if-none-match'])}`).sort()).toEqual(
      written.map((key) => `${key} if-none-match=*`).sort(),
    )
    expect(copies.filter((request) => request.key.includes('/_parquetry/locks/')).map((request) => [request.key, request.headers['if-none-match']])).toEqual(
      ['query_perf', 'query_perf_weekly', 'index_advisor', 'optimization_summary'].map((name) => [`ops/_parquetry/locks/${name}.lock`, '*']),
    )

    server.requests.length = 0
    const second = await cli('export', '--historical')
    expect(second.code).toBe(0)
    expect(second.out.trim().split('\n').at(-1)).toMatch(/^✓ Export complete \(0 new files, \d+ skipped\)/)
    // Decided from footers read with ranged GETs: nothing uploaded, copied or deleted.
    expect(server.requests.filter((request) => writes.has(request.action))).toEqual([])
    const footerReads = server.requests.filter((request) => request.action === 'get' && request.key.endsWith('.parquet'))
    expect([...new Set(footerReads.map((request) => request.key))].sort()).toEqual([...written].sort())
    expect(footerReads.filter((request) => typeof request.headers['range'] !== 'string').map((request) => request.key)).toEqual([])

    const status = JSON.parse((await cli('status', '--json')).out) as { location: string; datasets: { dataset: string; files: number; rows: number }[] }
    expect(status.location).toBe(`s3://${bucket}/ops`)
    expect(status.datasets.map((dataset) => [dataset.dataset, dataset.files, dataset.rows])).toEqual(
      result.datasets.map((dataset) => [dataset.dataset, dataset.files.length, dataset.files.reduce((sum, file) => sum + file.rows, 0)]),
    )
    const verify = await cli('verify')
    expect(verify.code).toBe(0)
    expect(verify.out).toBe(`✓ ${written.length} of ${written.length} files verified\n`)

    const queried = JSON.parse((await cli('query', 'SELECT count(*) AS n, sum(execution_time_ms) AS total FROM query_performance', '--format', 'json')).out) as { n: number; total: number }[]
    const queryPerfRows = result.datasets[0]?.files.reduce((sum, file) => sum + file.rows, 0)
    expect(queried[0]?.n).toBe(queryPerfRows)

    // The same inputs exported locally give the same data, value for value.
    await writeFile(join(dir.path, 'local.json'), JSON.stringify({ output: 'local' }))
    expect((await cli('export', '--historical', '--config', 'local.json')).code).toBe(0)
    const client = new S3Client({ ...server.options })
    const key = `ops/query_perf/year=2025/month=10/query_perf_20251002.parquet`
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    await mkdir(join(dir.path, 'downloaded'))
    await writeFile(join(dir.path, 'downloaded/f.parquet'), await object.Body!.transformToByteArray())
    client.destroy()
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    try {
      const summary = 'SELECT count(*) AS n, sum(execution_time_ms) AS total, min(timestamp)::VARCHAR AS first, sum(rows_examined)::VARCHAR AS examined FROM read_parquet($1)'
      const remote = (await connection.runAndReadAll(summary, [join(dir.path, 'downloaded/f.parquet')])).getRowObjectsJson()
      const local = (await connection.runAndReadAll(summary, [join(dir.path, 'local/query_perf/year=2025/month=10/query_perf_20251002.parquet')])).getRowObjectsJson()
      expect(remote).toEqual(local)
      expect(Number(remote[0]?.['n'])).toBeGreaterThan(1000)
    } finally {
      connection.closeSync()
      instance.closeSync()
    }

    // A changed input replaces its files only over the version read (If-Match).
    const replacedKeys = ['ops/query_perf/year=2025/month=10/query_perf_20251003.parquet', 'ops/query_perf/year=2025/month=10/query_perf_20251004.parquet']
    const etags = await etagsOf(replacedKeys)
    expect(etags).toEqual(replacedKeys.map(() => expect.stringMatching(/^"[0-9a-f-]+"$/)))
    await writeFile(join(dir.path, 'g/reports/query_perf_daily_20251003.csv'), `${execFileSync('head', ['-n', '200', join(dir.path, 'g/reports/query_perf_daily_20251003.csv')], { encoding: 'utf8' })}`)
    server.requests.length = 0
    expect((await cli('export', 'query_perf', '--historical')).code).toBe(0)
    const replaced = server.requests.filter((request) => request.action === 'copy' && request.key.endsWith('.parquet'))
    expect(replaced.map((request) => [request.key, request.headers['if-match']])).toEqual(replacedKeys.map((key, index) => [key, etags[index]]))
  }, 60_000)

  it('an export killed mid-upload leaves no object at any final key; the next run completes and removes what was left', async () => {
    // One day of large, incompressible rows: its file is uploaded in 5 MiB parts.
    await mkdir(join(dir.path, 'data'))
    const lines = ['id,day,payload']
    for (let index = 0; index < 28_000; index++) lines.push(`${index},2025-10-28,${randomBytes(240).toString('base64')}`)
    await writeFile(join(dir.path, 'data/blobs_20251028.csv'), `${lines.join('\n')}\n`)
    const config = {
      output: `s3://${bucket}/warehouse`,
      s3: { partSize: 5 * 1024 * 1024 },
      datasets: {
        blobs: {
          format: 'csv',
          input: 'data',
          pattern: 'blobs_{yyyymmdd}.csv',
          columns: [
            { name: 'id', type: 'int64', nullable: false },
            { name: 'day', type: 'date', nullable: false },
            { name: 'payload', type: 'string' },
          ],
          dateColumn: 'day',
          output: 'blobs/date={date}/blobs.parquet',
        },
      },
    }
    await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify(config))
    const env = { ...process.env, ...server.env }
    const child = spawn(process.execPath, [bin, 'export', '--historical'], { cwd: dir.path, env, stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<number | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal === 'SIGKILL' ? -9 : _code)))
    let killed = false
    server.onRequest = async (request) => {
      if (request.action !== 'upload-part' || killed) return
      killed = true
      child.kill('SIGKILL')
      await exited
    }
    expect(await exited).toBe(-9)
    server.onRequest = undefined
    expect(killed).toBe(true)
    expect(finalKeys()).toEqual([])
    expect(server.keys(bucket).filter((key) => key.startsWith('warehouse/_parquetry/tmp/')).length).toBeGreaterThan(0)
    expect(server.openUploads()).toBe(1)

    const rerun = spawn(process.execPath, [bin, 'export', '--historical'], { cwd: dir.path, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    rerun.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    expect(await new Promise((resolve) => rerun.on('exit', resolve))).toBe(0)
    expect(stdout).toMatch(/file=blobs\.parquet rows=28000 /)
    expect(server.keys(bucket)).toEqual(['warehouse/_parquetry/datasets/blobs.json', 'warehouse/blobs/date=2025-10-28/blobs.parquet'])
    expect(server.openUploads()).toBe(0)
    expect(server.requests.filter((request) => request.action === 'upload-part').length).toBeGreaterThanOrEqual(3)
  }, 60_000)
})
