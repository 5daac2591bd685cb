import { defineSchema, queryPerfSchema } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { duckDbQuery, useTempDir } from '@parquetry/testing'
import { spawn } from 'node:child_process'
import { readdir, stat } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { ParquetFileWriter, writeParquet } from './parquet-file-writer.js'

const childScript = fileURLToPath(new URL('../test/fixtures/write-large.mjs', import.meta.url))

const dir = useTempDir({ each: true })

const sampleRow = (index: number) => ({
  timestamp: 1761610523000000n + BigInt(index),
  query_hash: `h${index}`,
  query_type: 'SELECT',
  execution_time_ms: 1.25 * index,
  rows_examined: BigInt(index),
  rows_returned: 1n,
  cache_hit: false,
  table_name: 't',
  index_used: 'PRIMARY',
  cpu_time_ms: null,
  io_wait_ms: null,
  date_partition: '2025-10-28',
})

describe('atomic writes', () => {
  it('a process killed in the middle of a large file leaves no file at the final path, and the next run cleans up', async () => {
    const child = spawn(process.execPath, [childScript, dir.path, 'query_perf/year=2025/month=10/query_perf_20251028.parquet'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    // Wait until several row groups (real bytes) have gone to the temp file.
    await new Promise<void>((resolve, reject) => {
      let seen = ''
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString()
        if ((seen.match(/flushed/g) ?? []).length >= 5) resolve()
      })
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)))
    })
    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')

    const monthDir = `${dir.path}/query_perf/year=2025/month=10`
    const left = await readdir(monthDir)
    expect(left).not.toContain('query_perf_20251028.parquet')
    // The killed writer's temp file is there, partly written, and hidden from listings.
    expect(left).toHaveLength(1)
    expect(left[0]).toMatch(/^\.query_perf_20251028\.parquet\.\d+-[0-9a-f]{8}\.[0-9a-f]{12}\.parquetry-tmp$/)
    expect((await stat(`${monthDir}/${left[0]}`)).size).toBeGreaterThan(50_000)
    const storage = createLocalStorage({ root: dir.path })
    const listed = []
    for await (const object of storage.list()) listed.push(object.path)
    expect(listed).toEqual([])

    // The next run to that path removes the dead writer's temp file and writes the real one.
    const result = await writeParquet({
      schema: queryPerfSchema,
      rows: [sampleRow(1), sampleRow(2)],
      sink: await storage.createSink('query_perf/year=2025/month=10/query_perf_20251028.parquet'),
    })
    expect(result.rows).toBe(2)
    expect(await readdir(monthDir)).toEqual(['query_perf_20251028.parquet'])
    expect(await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1)', [`${monthDir}/query_perf_20251028.parquet`])).toEqual([{ n: 2n }])
  }, 60_000)

  it('a source that throws mid-stream leaves nothing behind and the old file untouched', async () => {
    const storage = createLocalStorage({ root: dir.path })
    await writeParquet({ schema: queryPerfSchema, rows: [sampleRow(1)], sink: await storage.createSink('q.parquet') })
    const before = await storage.readBytes('q.parquet')
    async function* failing() {
      for (let index = 0; index < 25_000; index++) yield sampleRow(index)
      throw new Error('disk on fire')
    }
    await expect(
      writeParquet({ schema: queryPerfSchema, rows: failing(), sink: await storage.createSink('q.parquet'), rowGroupSize: 10_000 }),
    ).rejects.toThrow('disk on fire')
    expect(await readdir(dir.path)).toEqual(['q.parquet'])
    expect(await storage.readBytes('q.parquet')).toEqual(before)
  })

  it('a typed row of the wrong shape aborts the file with the row, column and value', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const bad = { ...sampleRow(3), rows_examined: 3 }
    const error = await writeParquet({
      schema: queryPerfSchema,
      // @ts-expect-error: the row is wrong on purpose (a number where the schema says bigint), to meet the check at run time
      rows: [sampleRow(1), sampleRow(2), bad],
      sink: await storage.createSink('bad.parquet'),
    }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'ROW_INVALID', message: 'query_perf: row 3: column rows_examined: 3 is not a int64 value (a bigint in int64 range)' })
    expect(await readdir(dir.path)).toEqual([])
  })

  it('int16, int32 and date values of the wrong form are refused by name; right ones read back exactly', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const schema = defineSchema({ name: 'x', columns: [{ name: 'small', type: 'int16' }, { name: 'mid', type: 'int32' }, { name: 'day', type: 'date' }] })
    const good = [
      { small: -32768, mid: -2147483648, day: '2025-10-28' },
      { small: 32767, mid: 2147483647, day: '2025-10-28' },
      { small: -0, mid: -0, day: '1969-12-31' },
      { small: null, mid: null, day: null },
      { small: 7, mid: 8, day: '1969-12-31' },
    ]
    await writeParquet({ schema, rows: good, sink: await storage.createSink('good.parquet') })
    expect(await duckDbQuery(`SELECT small, mid, CAST(day AS VARCHAR) AS day FROM '${dir.path}/good.parquet'`)).toEqual(good.map((row) => ({ ...row, small: row.small === null ? null : row.small + 0, mid: row.mid === null ? null : row.mid + 0 })))
    const cases: [Record<string, unknown>, string][] = [
      [{ small: 32768, mid: 1, day: '2025-10-28' }, 'column small: 32768 is not a int16 value'],
      [{ small: 1.5, mid: 1, day: '2025-10-28' }, 'column small: 1.5 is not a int16 value'],
      [{ small: 1, mid: 2 ** 31, day: '2025-10-28' }, 'column mid: 2147483648 is not a int32 value'],
      [{ small: 1, mid: '5', day: '2025-10-28' }, 'column mid: "5" is not a int32 value'],
      [{ small: 1, mid: 5n, day: '2025-10-28' }, 'column mid: 5n is not a int32 value'],
      [{ small: 1, mid: 1, day: '2025-02-30' }, 'column day: "2025-02-30" is not a date value'],
      [{ small: 1, mid: 1, day: '' }, 'column day: "" is not a date value'],
    ]
    for (const [bad, message] of cases) {
      const error = await writeParquet({ schema, rows: [...good, bad] as never, sink: await storage.createSink('bad.parquet') }).catch((caught: unknown) => caught)
      expect(error, message).toMatchObject({ code: 'ROW_INVALID' })
      expect((error as Error).message, message).toContain(`row 6: ${message}`)
    }
    expect(await readdir(dir.path)).toEqual(['good.parquet'])
  })

  it('an AbortSignal discards the file', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const controller = new AbortController()
    const writer = await ParquetFileWriter.create({ schema: queryPerfSchema, sink: await storage.createSink('aborted.parquet'), signal: controller.signal })
    await writer.write(sampleRow(1))
    controller.abort()
    await expect(writer.close()).rejects.toMatchObject({ code: 'ABORTED' })
    expect(await readdir(dir.path)).toEqual([])
  })
})

describe('abort before and during writing', () => {
  it('an already-aborted signal refuses to start and leaves no temp file', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const error = await ParquetFileWriter.create({ schema: queryPerfSchema, sink: await storage.createSink('x.parquet'), signal: AbortSignal.abort() }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'ABORTED', message: 'x.parquet: aborted; nothing was written' })
    expect(await readdir(dir.path)).toEqual([])
  })

  it('aborting between row groups stops the stream with ABORTED', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const controller = new AbortController()
    async function* rows() {
      for (let index = 0; index < 50_000; index++) {
        if (index === 15_000) controller.abort()
        yield sampleRow(index)
      }
    }
    const error = await writeParquet({ schema: queryPerfSchema, rows: rows(), sink: await storage.createSink('y.parquet'), rowGroupSize: 10_000, signal: controller.signal }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ code: 'ABORTED' })
    expect(await readdir(dir.path)).toEqual([])
  })
})
