import { queryPerfSchema, type Row } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { useTempDir } from '@parquetry/testing'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parquetReadObjects } from 'hyparquet'
import { parquetReadOptions } from './codecs.js'
import { ParquetFileWriter, writeParquet } from './parquet-file-writer.js'

const dir = useTempDir({ each: true })

function rows(count: number): Row[] {
  const start = Date.UTC(2025, 9, 28) * 1000
  return Array.from({ length: count }, (_, index) => ({
    timestamp: BigInt(start + Math.floor((index * 86_400_000_000) / count)),
    query_hash: `q${(index * 7919) % 5000}`,
    query_type: ['SELECT', 'INSERT', 'UPDATE'][index % 3] as string,
    execution_time_ms: (index % 997) / 10,
    rows_examined: BigInt(index * 13),
    rows_returned: BigInt(index % 50),
    cache_hit: index % 3 === 0,
    table_name: ['users', 'documents', 'sessions'][index % 3] as string,
    index_used: index % 5 === 0 ? null : 'PRIMARY',
    cpu_time_ms: index % 11 === 0 ? null : (index % 17) / 4,
    io_wait_ms: (index % 29) / 8,
    date_partition: '2025-10-28',
  }))
}

describe('encoderThread', () => {
  it('writes the same bytes as encoding on the calling thread, however many files are open at once', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const data = rows(25_000)
    const write = async (name: string, encoderThread: boolean) =>
      writeParquet({ schema: queryPerfSchema, sink: await storage.createSink(name), rows: data, rowGroupSize: 4_000, encoderThread, verify: 'full' })
    const [threadedA, threadedB, inline] = await Promise.all([write('a.parquet', true), write('b.parquet', true), write('c.parquet', false)])
    expect([threadedA.rows, threadedB.rows, inline.rows]).toEqual([25_000, 25_000, 25_000])
    expect(threadedA.rowGroups).toBe(7)
    // The thread runs the built bundle (dist/encoder-worker.js), the test the sources: their bytes agree
    // when both are one build (the bench compares them); here every value must read back the same.
    const read = async (name: string) => {
      const bytes = await readFile(join(dir.path, name))
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length) as ArrayBuffer
      return parquetReadObjects({ file, ...parquetReadOptions })
    }
    const [a, b, c] = await Promise.all(['a.parquet', 'b.parquet', 'c.parquet'].map(read))
    expect(c).toHaveLength(25_000)
    expect(a).toEqual(c)
    expect(b).toEqual(c)
    expect((c as Record<string, unknown>[])[24_999]).toMatchObject({ query_hash: data[24_999]?.['query_hash'], rows_examined: data[24_999]?.['rows_examined'] })
  })

  it('an abort between row groups leaves nothing, and the thread goes on serving other files', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const writer = await ParquetFileWriter.create({ schema: queryPerfSchema, sink: await storage.createSink('aborted.parquet'), rowGroupSize: 1_000, encoderThread: true })
    for (const row of rows(3_500)) await writer.write(row)
    await writer.abort()
    const after = await writeParquet({ schema: queryPerfSchema, sink: await storage.createSink('after.parquet'), rows: rows(1_500), rowGroupSize: 1_000, encoderThread: true })
    expect(after.rows).toBe(1_500)
    expect((await readdir(dir.path)).sort()).toEqual(['after.parquet'])
  })
})
