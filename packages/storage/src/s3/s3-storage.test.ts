import { PutObjectCommand, CreateMultipartUploadCommand } from '@aws-sdk/client-s3'
import { startS3Server, type S3TestServer } from '@parquetry/testing'
import { spawnSync } from 'node:child_process'
import { hostname } from 'node:os'
import { processInstance } from '../process-alive.js'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createS3Storage, type S3Storage } from './s3-storage.js'
import { parseS3Url } from './url.js'

let server: S3TestServer
let bucketIndex = 0
let bucket: string
const storages: S3Storage[] = []

beforeAll(async () => {
  server = await startS3Server()
})
afterAll(async () => {
  for (const storage of storages) await storage.close()
  await server.stop()
})
beforeEach(() => {
  bucket = `test-${++bucketIndex}`
  server.createBucket(bucket)
  server.requests.length = 0
})

function storage(prefix = 'data', partSize?: number): S3Storage {
  const created = createS3Storage({ url: `s3://${bucket}/${prefix}`, ...server.options, ...(partSize ? { partSize } : {}) })
  storages.push(created)
  return created
}

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (buffer: ArrayBuffer | Uint8Array) => new TextDecoder().decode(buffer)

describe('parseS3Url', () => {
  it('splits bucket and prefix', () => {
    expect(parseS3Url('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' })
    expect(parseS3Url('s3://my-bucket/a/b/')).toEqual({ bucket: 'my-bucket', prefix: 'a/b/' })
    expect(() => parseS3Url('s3://')).toThrow('is not an S3 location')
    // A password written into the URL is not repeated.
    expect(() => parseS3Url('s3://user:pass123secret@bucket/x')).toThrow('"s3://***@bucket/x" is not an S3 location')
    try {
      parseS3Url('s3://user:pass123secret@bucket/x')
    } catch (error) {
      expect((error as Error).message).not.toContain('pass123secret')
    }
    expect(() => parseS3Url('s3://bkt/../x')).toThrow('segment .. is not allowed')
  })
})

describe('S3 storage', () => {
  it('publishes an object only once committed, through a temporary key it then removes', async () => {
    const store = storage()
    const sink = await store.createSink('q/year=2025/f.parquet')
    await sink.write(bytes('hello '))
    await sink.write(bytes('world'))
    expect(await store.stat('q/year=2025/f.parquet')).toBeUndefined()
    const info = await sink.commit({ verify: async (object) => expect(text(await object.slice(6))).toBe('world') })
    expect(info).toMatchObject({ path: 'q/year=2025/f.parquet', size: 11, etag: expect.stringMatching(/^".+"$/) })
    expect(server.keys(bucket)).toEqual(['data/q/year=2025/f.parquet'])
    expect(text(await store.readBytes('q/year=2025/f.parquet'))).toBe('hello world')
    // The first write cleans what dead writers left (temporary keys, then uploads); a new key is
    // published with If-None-Match only when asked: here, unconditionally.
    expect(server.requests.map((request) => request.action)).toEqual(['list', 'list', 'head', 'put', 'head', 'get', 'copy', 'delete', 'get'])
  })

  it('uploads large objects in parts no larger than the part size, and aborts a failed upload', async () => {
    const store = storage('data', 5 * 1024 * 1024)
    const payload = new Uint8Array(12 * 1024 * 1024 + 123)
    for (let index = 0; index < payload.length; index++) payload[index] = (index * 31) & 0xff
    const sink = await store.createSink('big.bin')
    for (let offset = 0; offset < payload.length; offset += 3_000_000) await sink.write(payload.subarray(offset, offset + 3_000_000))
    await sink.commit()
    const parts = server.requests.filter((request) => request.action === 'upload-part')
    expect(parts).toHaveLength(3)
    expect(Buffer.from(await store.readBytes('big.bin')).equals(Buffer.from(payload))).toBe(true)
    expect(server.keys(bucket)).toEqual(['data/big.bin'])
    expect(server.openUploads()).toBe(0)

    const failing = await store.createSink('big2.bin')
    await failing.write(payload)
    await expect(failing.commit({ verify: async () => Promise.reject(new Error('footer mismatch')) })).rejects.toThrow('footer mismatch')
    expect(server.keys(bucket)).toEqual(['data/big.bin'])
    expect(server.openUploads()).toBe(0)

    const aborted = await store.createSink('big3.bin')
    await aborted.write(payload)
    expect(server.openUploads()).toBe(1)
    await aborted.abort()
    expect(server.openUploads()).toBe(0)
    expect(server.keys(bucket)).toEqual(['data/big.bin'])
  })

  it('publishes conditionally: a new key only if still absent, a replacement only over the version read', async () => {
    const store = storage()
    const first = await store.createSink('f.bin', { expect: 'absent' })
    await first.write(bytes('one'))
    const published = await first.commit()
    expect(server.requests.find((request) => request.action === 'copy')?.headers['if-none-match']).toBe('*')

    const again = await store.createSink('f.bin', { expect: 'absent' })
    await again.write(bytes('two'))
    await expect(again.commit()).rejects.toMatchObject({ code: 'CONFLICT', message: 'f.bin: another writer created it since it was read; nothing was published' })

    const stale = await store.createSink('f.bin', { expect: { etag: '"0000"' } })
    await stale.write(bytes('three'))
    await expect(stale.commit()).rejects.toMatchObject({ code: 'CONFLICT' })

    const replacement = await store.createSink('f.bin', { expect: { etag: published.etag as string } })
    await replacement.write(bytes('four'))
    await replacement.commit()
    expect(text(await store.readBytes('f.bin'))).toBe('four')
    expect(server.keys(bucket)).toEqual(['data/f.bin'])
  })

  it('reads ranges pinned to the version opened', async () => {
    const store = storage()
    for (const [path, body] of [['a.bin', '0123456789'], ['b.bin', 'abc']]) {
      const sink = await store.createSink(path as string)
      await sink.write(bytes(body as string))
      await sink.commit()
    }
    const object = await store.open('a.bin')
    expect(object.byteLength).toBe(10)
    expect(text(await object.slice(2, 5))).toBe('234')
    expect(text(await object.slice(7))).toBe('789')
    expect(text(await object.slice(10))).toBe('')
    expect(server.requests.filter((request) => request.action === 'get').at(-1)?.headers['range']).toBe('bytes=7-9')
    const sink = await store.createSink('a.bin')
    await sink.write(bytes('changed!!!'))
    await sink.commit()
    await expect(object.slice(0, 2)).rejects.toMatchObject({ code: 'CONFLICT' })
    await expect(store.open('missing.bin')).rejects.toMatchObject({ code: 'STORAGE_FAILED' })
    expect(await store.stat('missing.bin')).toBeUndefined()
    const chunks: Uint8Array[] = []
    for await (const chunk of store.stream('b.bin')) chunks.push(chunk)
    expect(text(Buffer.concat(chunks))).toBe('abc')
  })

  it('lists every page, sorted, under the prefix only, without temporary keys', async () => {
    const store = storage('root')
    const client = store.client
    for (let index = 0; index < 1005; index++) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `root/d/${String(index).padStart(4, '0')}.parquet`, Body: 'x' }))
    }
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'rootless/d/x.parquet', Body: 'x' }))
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `root/_parquetry/tmp/${hostname()}/1-aaaaaaaaaaaa/d/9999.parquet`, Body: 'x' }))
    const listed: string[] = []
    for await (const object of store.list('d')) listed.push(object.path)
    expect(listed).toHaveLength(1005)
    expect(listed[0]).toBe('d/0000.parquet')
    expect(listed.at(-1)).toBe('d/1004.parquet')
    expect(server.requests.filter((request) => request.action === 'list').length).toBeGreaterThanOrEqual(2)
    const all: string[] = []
    for await (const object of store.list()) all.push(object.path)
    expect(all).toHaveLength(1005)
  })

  it('removes what dead writers left: temporary keys and the multipart uploads their markers name', async () => {
    const store = storage()
    const client = store.client
    const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()
    const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_')
    const dead = `data/_parquetry/tmp/${host}/${deadPid}-${processInstance}-aaaaaaaaaaaa/q/f.parquet`
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: dead, Body: 'partial' }))
    const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `${dead}.2` }))
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${dead}.2.parquetry-upload`, Body: JSON.stringify({ key: `${dead}.2`, uploadId: upload.UploadId }) }))
    // Another host's fresh temp key and this process's own are left alone.
    const otherHost = `data/_parquetry/tmp/elsewhere/1-bbbbbbbbbbbb/q/g.parquet`
    const mine = `data/_parquetry/tmp/${host}/${process.pid}-${processInstance}-cccccccccccc/q/h.parquet`
    // Same host name, another pid namespace (a container): the dead pid here means nothing there.
    const otherContainer = `data/_parquetry/tmp/${host}/${deadPid}-0000beef-dddddddddddd/q/i.parquet`
    for (const key of [otherHost, mine, otherContainer]) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x' }))
    expect(server.openUploads()).toBe(1)
    const removed = await store.cleanup()
    expect(removed.sort()).toEqual([dead.slice(5), `${dead.slice(5)}.2.parquetry-upload`].sort())
    expect(server.openUploads()).toBe(0)
    expect(server.keys(bucket)).toEqual([otherHost, mine, otherContainer].sort())
  })

  it('gives the credentials its client signs with (for DuckDB httpfs)', async () => {
    expect(await storage().resolveCredentials()).toEqual({ accessKeyId: 'test', secretAccessKey: 'test' })
  })

  it('refuses paths that would leave the root', async () => {
    const store = storage()
    await expect(store.createSink('../outside.parquet')).rejects.toMatchObject({ code: 'PATH_INVALID' })
    expect(() => store.keyOf('a/../../b')).toThrow('segment .. is not allowed')
  })
})
