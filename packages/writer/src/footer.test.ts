import { defineSchema, queryPerfSchema } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { duckDbQuery, useTempDir } from '@parquetry/testing'
import { describe, expect, it } from 'vitest'
import { parquetCodecs } from './codecs.js'
import { checkFooter, readFooter, writerBuild, writerCreatedBy, writerVersion } from './footer.js'
import { writeParquet } from './parquet-file-writer.js'

const schema = defineSchema({
  name: 'events',
  version: 3,
  columns: [
    { name: 'n', type: 'int64', nullable: false },
    { name: 'label', type: 'string' },
  ],
})

function* generate(count: number) {
  for (let index = 0; index < count; index++) yield { n: BigInt(index), label: index % 5 === 0 ? null : `label-${index % 17}` }
}

const dir = useTempDir()

describe('footer metadata', () => {
  it('records schema, version, fingerprint, row count, sources and writer version', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const sources = [
      { identity: 'g/reports/query_perf_daily_20251028.csv', checksum: 'sha256:abc', bytes: 127 },
      { identity: 'g/reports/query_perf_daily_20251029.csv', checksum: 'sha256:def' },
    ]
    await writeParquet({
      schema, rows: generate(2500), sink: await storage.createSink('events.parquet'), rowGroupSize: 1000, sources, metadata: { owner: 'ops' },
    })
    const object = await storage.open('events.parquet')
    const footer = await readFooter(object)
    await object.close()
    expect(footer.numRows).toBe(2500)
    expect(footer.rowGroups).toBe(3)
    // The spec's form, which parquet-java and arrow parse: `<application> version <semver> (build <hash>)`.
    expect(footer.createdBy).toBe(`parquetry version ${writerVersion} (build ${writerBuild})`)
    expect(footer.createdBy).toBe(writerCreatedBy)
    expect(footer.createdBy).toMatch(/^parquetry version \d+\.\d+\.\d+ \(build (unknown|[0-9a-f]{12})\)$/)
    expect(footer.parquetry).toEqual({
      version: writerVersion, schemaName: 'events', schemaVersion: 3, fingerprint: schema.fingerprint, rowCount: 2500, sources,
    })
    expect(footer.keyValues['owner']).toBe('ops')
    expect(footer.keyValues['parquetry.schema.columns']).toBe('n:int64!,label:string?')
    // DuckDB sees the same keys.
    const kv = await duckDbQuery("SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata($1) WHERE decode(key) LIKE 'parquetry.%' ORDER BY 1", [storage.resolvePath('events.parquet')])
    expect(kv.map((row) => row['key'])).toEqual([
      'parquetry.checksums', 'parquetry.row_count', 'parquetry.schema.columns', 'parquetry.schema.fingerprint', 'parquetry.schema.name', 'parquetry.schema.version', 'parquetry.sources', 'parquetry.version',
    ])
    expect(kv.find((row) => row['key'] === 'parquetry.row_count')?.['value']).toBe('2500')
  })

  it('the built package bakes in its build id: a hash of its sources', async () => {
    // dist/ is what turbo builds before the tests (and what is published); from source the id is `unknown`.
    const built = (await import(new URL('../dist/index.js', import.meta.url).href)) as { writerCreatedBy: string; writerBuild: string }
    expect(built.writerBuild).toMatch(/^[0-9a-f]{12}$/)
    expect(built.writerCreatedBy).toBe(`parquetry version ${writerVersion} (build ${built.writerBuild})`)
  })

  it('refuses caller metadata under the reserved prefix, writing nothing', async () => {
    const storage = createLocalStorage({ root: dir.path })
    await expect(
      writeParquet({ schema, rows: generate(3), sink: await storage.createSink('reserved.parquet'), metadata: { 'parquetry.version': 'x' } }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' })
    expect(await storage.stat('reserved.parquet')).toBeUndefined()
  })

  it('checkFooter names a wrong row count or schema', async () => {
    const storage = createLocalStorage({ root: dir.path })
    await writeParquet({ schema, rows: generate(10), sink: await storage.createSink('ten.parquet') })
    const object = await storage.open('ten.parquet')
    const footer = await readFooter(object)
    await object.close()
    expect(() => checkFooter(footer, { schema, rowCount: 10 }, 'ten.parquet')).not.toThrow()
    expect(() => checkFooter(footer, { schema, rowCount: 11 }, 'ten.parquet')).toThrow('ten.parquet: file holds 10 rows, expected 11')
    expect(() => checkFooter(footer, { schema: queryPerfSchema }, 'ten.parquet')).toThrow('schema is events, expected query_perf')
  })

  it('readFooter rejects bytes that are not Parquet', async () => {
    const bytes = new TextEncoder().encode('timestamp,query_hash\n2025-10-28T00:15:23Z,a1b2c3\n')
    await expect(readFooter({ byteLength: bytes.length, slice: (start, end) => bytes.slice(start, end).buffer })).rejects.toMatchObject({ code: 'VERIFY_FAILED' })
  })
})

describe('codecs and row groups', () => {
  it.each(parquetCodecs)('%s files read back in DuckDB with the codec recorded', async (codec) => {
    const storage = createLocalStorage({ root: dir.path })
    const result = await writeParquet({ schema, rows: generate(5000), sink: await storage.createSink(`codec-${codec}.parquet`), codec, rowGroupSize: 2000 })
    expect(result).toMatchObject({ rows: 5000, rowGroups: 3, codec })
    const path = storage.resolvePath(result.path)
    const [summary] = await duckDbQuery('SELECT count(*) AS n, sum(n) AS total, count(label) AS labels FROM read_parquet($1)', [path])
    expect(summary).toEqual({ n: 5000n, total: 12497500n, labels: 4000n })
    const codecs = await duckDbQuery('SELECT DISTINCT compression FROM parquet_metadata($1)', [path])
    expect(codecs.map((row) => row['compression'])).toEqual([codec])
  })

  it('ZSTD is written on every Node: node:zlib where it has zstd, else the wasm encoder', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const result = await writeParquet({ schema, rows: generate(10), sink: await storage.createSink('zstd.parquet'), codec: 'ZSTD', verify: 'full' })
    expect(result).toMatchObject({ codec: 'ZSTD', rows: 10 })
    const path = storage.resolvePath(result.path)
    expect(await duckDbQuery('SELECT count(*) AS n, sum(n) AS total FROM read_parquet($1)', [path])).toEqual([{ n: 10n, total: 45n }])
    expect(await duckDbQuery('SELECT DISTINCT compression FROM parquet_metadata($1)', [path])).toEqual([{ compression: 'ZSTD' }])
  })
})

describe('full verification', () => {
  it("verify: 'full' decodes the data before committing", async () => {
    const storage = createLocalStorage({ root: dir.path })
    const result = await writeParquet({ schema, rows: generate(2345), sink: await storage.createSink('full.parquet'), verify: 'full', rowGroupSize: 1000 })
    expect(result.rows).toBe(2345)
    const object = await storage.open('full.parquet')
    const { verifyParquetFile } = await import('./verify.js')
    await expect(verifyParquetFile(object, { schema, rowCount: 2345, where: 'full.parquet' })).resolves.toBeUndefined()
    await expect(verifyParquetFile(object, { schema, rowCount: 2344, where: 'full.parquet' })).rejects.toThrow('full.parquet: file holds 2345 rows, expected 2344')
    await object.close()
  })
})
