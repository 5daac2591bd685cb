import { isParquetryError, ParquetryError, queryPerfSchema } from '@parquetry/schema'
import { thrown, useTempDir } from '@parquetry/testing'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readCsv } from '../csv/read.js'
import { failure } from '../test-helpers.js'
import type { Reject } from './rejects.js'
import { RejectsFile, type ByteSink } from './rejects-file.js'
import { validateRecords } from './validate.js'

const dir = useTempDir()

const reject = (line: number): Reject => ({ location: { source: 'orders.csv', line }, reason: `column amount: "x${line}": expected a number` })

/** The error node's fs gives on a full disk. */
function enospc(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' })
}

/** A sink on a filesystem that fills up after `room` bytes (a fake filesystem failure; what it records is real). */
function fillingSink(path: string, room: number) {
  const calls: string[] = []
  let written = 0
  const sink: ByteSink = {
    path,
    write: async (chunk) => {
      calls.push(`write ${chunk.length}`)
      if (written + chunk.length > room) throw enospc()
      written += chunk.length
    },
    commit: async () => {
      calls.push('commit')
    },
    abort: async () => {
      calls.push('abort')
    },
  }
  return { sink, calls }
}


describe('RejectsFile on a full disk', () => {
  it('a write to a sink that fails with ENOSPC is one STORAGE_FAILED naming the file, the fs error its cause; close then discards it', async () => {
    const { sink, calls } = fillingSink('_rejects/orders/orders_20251028.csv.rejects.ndjson', 10)
    const file = await RejectsFile.create(async () => sink)
    const error = await thrown(() => file.write([reject(3), reject(9)]))
    expect(isParquetryError(error, 'STORAGE_FAILED')).toBe(true)
    const storageError = error as ParquetryError<'STORAGE_FAILED'>
    expect(storageError.message).toBe('cannot write rejects file _rejects/orders/orders_20251028.csv.rejects.ndjson: ENOSPC: no space left on device, write')
    expect(storageError.details).toEqual({ path: '_rejects/orders/orders_20251028.csv.rejects.ndjson', errno: 'ENOSPC' })
    expect((storageError.cause as NodeJS.ErrnoException).code).toBe('ENOSPC')
    expect(isParquetryError(storageError.cause)).toBe(false)
    // Closed as validateRecords closes it in its `finally`: nothing published, nothing thrown over the write's error.
    await file.close()
    const bytes = [3, 9].map((line) => `${JSON.stringify({ source: 'orders.csv', line, reason: `column amount: "x${line}": expected a number` })}\n`).join('').length
    expect(calls).toEqual([`write ${bytes}`, 'abort'])
    // A later write says why it cannot go on.
    expect(await failure(file.write([reject(12)]))).toMatchObject({ code: 'STORAGE_FAILED', message: 'cannot write rejects file _rejects/orders/orders_20251028.csv.rejects.ndjson: an earlier write to it failed' })
  })

  it('a real full disk (/dev/full) on a local path is STORAGE_FAILED with errno ENOSPC', async () => {
    const file = await RejectsFile.create('/dev/full')
    const error = await thrown(() => file.write([reject(1)]))
    expect(error).toBeInstanceOf(ParquetryError)
    expect(error).toMatchObject({ code: 'STORAGE_FAILED', details: { path: '/dev/full', errno: 'ENOSPC' } })
    expect((error as Error).message).toMatch(/^cannot write rejects file \/dev\/full: ENOSPC: no space left on device/)
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ENOSPC')
    await file.close()
  })

  it('a rejects file that cannot be made names it, with the fs code', async () => {
    const blocker = join(dir.path, 'a-file')
    await writeFile(blocker, 'x')
    const error = await thrown(() => RejectsFile.create(join(blocker, 'rejects.ndjson')))
    expect(error).toMatchObject({ code: 'STORAGE_FAILED', details: { path: join(blocker, 'rejects.ndjson') } })
    expect(['ENOTDIR', 'EEXIST']).toContain((error as ParquetryError<'STORAGE_FAILED'>).details.errno)
    expect((error as Error).message.startsWith(`cannot create rejects file ${join(blocker, 'rejects.ndjson')}: `)).toBe(true)
  })

  it("a sink's own ParquetryError passes through unchanged (wrapped once, by the storage)", async () => {
    const own = new ParquetryError('STORAGE_FAILED', 'writing /data/_rejects/a.ndjson: ENOSPC: no space left on device', { details: { path: '_rejects/a.ndjson' } })
    const sink: ByteSink = { path: '_rejects/a.ndjson', write: () => Promise.reject(own), commit: () => Promise.resolve(), abort: () => Promise.resolve() }
    const file = await RejectsFile.create(async () => sink)
    expect(await thrown(() => file.write([reject(1)]))).toBe(own)
    const refused = new ParquetryError('CONFLICT', 'another writer')
    expect(await thrown(() => RejectsFile.create(() => Promise.reject(refused)))).toBe(refused)
  })

  it('a commit that fails is STORAGE_FAILED naming the file', async () => {
    const sink: ByteSink = { path: 'r.ndjson', write: () => Promise.resolve(), commit: () => Promise.reject(enospc()), abort: () => Promise.resolve() }
    const file = await RejectsFile.create(async () => sink)
    await file.write([reject(1)])
    expect(await failure(file.close())).toMatchObject({ code: 'STORAGE_FAILED', message: 'cannot finish rejects file r.ndjson: ENOSPC: no space left on device, write', details: { path: 'r.ndjson', errno: 'ENOSPC' } })
  })

  it('through validateRecords: the read stops with that error, not a plain Error, and the rows before it were passed on', async () => {
    const csv = [
      'timestamp,query_hash,query_type,execution_time_ms,rows_examined,rows_returned,cache_hit,table_name,index_used,date_partition',
      '2025-10-28T00:15:23Z,a1b2c3,SELECT,45.2,1234,10,false,embeddings,idx_namespace,2025-10-28',
      '2025-10-28T00:16:01Z,d4e5f6,INSERT,fast,1,1,false,query_log,PRIMARY,2025-10-28',
      '',
    ].join('\n')
    const { sink, calls } = fillingSink('_rejects/query_perf.rejects.ndjson', 0)
    const validated = validateRecords({
      source: readCsv({ input: [Buffer.from(csv)], name: 'query_perf_daily_20251028.csv', columns: queryPerfSchema.columns.map((column) => column.name) }),
      schema: queryPerfSchema,
      rejectsFile: async () => sink,
    })
    const hashes: unknown[] = []
    const error = await thrown(async () => {
      for await (const rows of validated) hashes.push(...rows.map((row) => row['query_hash']))
    })
    expect(error).toMatchObject({ code: 'STORAGE_FAILED', details: { path: '_rejects/query_perf.rejects.ndjson', errno: 'ENOSPC' } })
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ENOSPC')
    expect(calls).toEqual([expect.stringMatching(/^write \d+$/), 'abort'])
    expect(validated.summary).toMatchObject({ read: 2, accepted: 1, rejected: 1, rejectsFile: '_rejects/query_perf.rejects.ndjson' })
    expect(hashes).toEqual([])
  })

  it('writes and publishes rejects when there is room', async () => {
    const path = join(dir.path, 'ok', 'rejects.ndjson')
    const file = await RejectsFile.create(path)
    await file.write([reject(3), reject(9)])
    await file.close()
    expect((await readFile(path, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual([
      { source: 'orders.csv', line: 3, reason: 'column amount: "x3": expected a number' },
      { source: 'orders.csv', line: 9, reason: 'column amount: "x9": expected a number' },
    ])
  })
})
