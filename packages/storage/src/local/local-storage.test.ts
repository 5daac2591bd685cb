import { useTempDir } from '@parquetry/testing'
import { spawnSync } from 'node:child_process'
import { mkdir, readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { normalizeObjectPath } from '../paths.js'
import { processInstance } from '../process-alive.js'
import { createLocalStorage } from './local-storage.js'

const dir = useTempDir({ each: true })

const bytes = (text: string) => new TextEncoder().encode(text)

describe('paths', () => {
  it.each([
    ['../escape', 'segment .. is not allowed'],
    ['a/../../b', 'segment .. is not allowed'],
    ['/etc/passwd', 'must be relative to the storage root'],
    ['a//b', 'empty segment'],
    ['a\\b', 'backslashes are not allowed'],
    ['a/\u0000b', 'control characters are not allowed'],
    ['', 'empty'],
  ])('refuses %j (%s)', (path, reason) => {
    expect(() => normalizeObjectPath(path)).toThrow(reason)
  })
  it('keeps ordinary hive paths', () => {
    expect(normalizeObjectPath('query_perf/year=2025/month=10/query_perf_20251028.parquet')).toBe('query_perf/year=2025/month=10/query_perf_20251028.parquet')
    expect(normalizeObjectPath('project=my%2Fslug/x.parquet')).toBe('project=my%2Fslug/x.parquet')
  })
})

describe('local storage', () => {
  it('shows a file only once committed, complete', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const sink = await storage.createSink('a/b/file.bin')
    await sink.write(bytes('hello '))
    await sink.write(bytes('world'))
    expect(sink.bytesWritten).toBe(11)
    expect(await storage.stat('a/b/file.bin')).toBeUndefined()
    const info = await sink.commit()
    expect(info).toMatchObject({ path: 'a/b/file.bin', size: 11 })
    expect(await readFile(join(dir.path, 'a/b/file.bin'), 'utf8')).toBe('hello world')
    expect(await readdir(join(dir.path, 'a/b'))).toEqual(['file.bin'])
  })

  it('verify sees the complete bytes, and a failed verify leaves nothing and the old file intact', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const first = await storage.createSink('f.bin')
    await first.write(bytes('old'))
    await first.commit()
    const second = await storage.createSink('f.bin')
    await second.write(bytes('new bytes'))
    let seen = ''
    await expect(
      second.commit({
        verify: async (object) => {
          seen = new TextDecoder().decode(await object.slice(0))
          throw new Error('checksum mismatch')
        },
      }),
    ).rejects.toThrow('checksum mismatch')
    expect(seen).toBe('new bytes')
    expect(await readdir(dir.path)).toEqual(['f.bin'])
    expect(new TextDecoder().decode(await storage.readBytes('f.bin'))).toBe('old')
  })

  it('abort removes the temp file and is idempotent', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const sink = await storage.createSink('x.bin')
    await sink.write(bytes('partial'))
    await sink.abort()
    await sink.abort()
    expect(await readdir(dir.path)).toEqual([])
    await expect(sink.write(bytes('more'))).rejects.toMatchObject({ code: 'STORAGE_FAILED' })
  })

  it('lists objects sorted, without temp files; reads ranges; removes', async () => {
    const storage = createLocalStorage({ root: dir.path })
    for (const path of ['d/y=2/b.parquet', 'd/y=1/a.parquet', 'other/c.txt']) {
      const sink = await storage.createSink(path)
      await sink.write(bytes(path))
      await sink.commit()
    }
    const pending = await storage.createSink('d/y=1/z.parquet')
    await pending.write(bytes('unfinished'))
    const listed = []
    for await (const object of storage.list('d')) listed.push([object.path, object.size])
    expect(listed).toEqual([['d/y=1/a.parquet', 15], ['d/y=2/b.parquet', 15]])
    const object = await storage.open('d/y=1/a.parquet')
    expect(object.byteLength).toBe(15)
    expect(new TextDecoder().decode(await object.slice(2, 5))).toBe('y=1')
    expect(new TextDecoder().decode(await object.slice(10))).toBe('rquet')
    await object.close()
    await storage.remove('other/c.txt')
    await storage.remove('other/c.txt')
    expect(await storage.stat('other/c.txt')).toBeUndefined()
    await pending.abort()
  })

  it('cleans up temp files of dead writers but not of live ones, nor fresh ones of other containers', async () => {
    const storage = createLocalStorage({ root: dir.path })
    await mkdir(join(dir.path, 'p'), { recursive: true })
    // A pid that certainly finished: a child that already exited.
    const deadPid = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString()
    const dead = `.f.parquet.${deadPid}-${processInstance}.aaaaaaaaaaaa.parquetry-tmp`
    const live = `.f.parquet.${process.ppid}-${processInstance}.bbbbbbbbbbbb.parquetry-tmp`
    const old = `.g.parquet.${process.ppid}-${processInstance}.cccccccccccc.parquetry-tmp`
    // The same dead pid in another pid namespace (another container) is some live writer there: only age decides.
    const foreign = `.h.parquet.${deadPid}-0000beef.dddddddddddd.parquetry-tmp`
    const foreignOld = `.i.parquet.${deadPid}-0000beef.eeeeeeeeeeee.parquetry-tmp`
    // Written by an earlier version (no instance): age alone.
    const legacy = `.j.parquet.${deadPid}.ffffffffffff.parquetry-tmp`
    for (const name of [dead, live, old, foreign, foreignOld, legacy]) await writeFile(join(dir.path, 'p', name), 'x')
    const longAgo = new Date(Date.now() - 7 * 3600 * 1000)
    for (const name of [old, foreignOld]) await utimes(join(dir.path, 'p', name), longAgo, longAgo)
    expect((await storage.cleanup()).sort()).toEqual([`p/${dead}`, `p/${old}`, `p/${foreignOld}`].sort())
    expect((await readdir(join(dir.path, 'p'))).sort()).toEqual([live, foreign, legacy].sort())
  })

  it('publishes conditionally against what was read, and streams objects', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const first = await storage.createSink('c.bin', { expect: 'absent' })
    await first.write(bytes('one'))
    const info = await first.commit()
    expect(info.etag).toBe((await storage.stat('c.bin'))?.etag)
    const again = await storage.createSink('c.bin', { expect: 'absent' })
    await again.write(bytes('two'))
    await expect(again.commit()).rejects.toMatchObject({ code: 'CONFLICT', message: 'c.bin: another writer created it since it was read; nothing was published' })
    const replacement = await storage.createSink('c.bin', { expect: { etag: info.etag as string } })
    await replacement.write(bytes('three'))
    await replacement.commit()
    expect(await readdir(dir.path)).toEqual(['c.bin'])
    const chunks: Uint8Array[] = []
    for await (const chunk of storage.stream('c.bin')) chunks.push(chunk)
    expect(Buffer.concat(chunks).toString()).toBe('three')
    await expect((async () => { for await (const _ of storage.stream('none.bin')) void _ })()).rejects.toMatchObject({ code: 'STORAGE_FAILED' })
  })

  it('never writes or removes through a symbolic link out of the root', async () => {
    const root = join(dir.path, 'root')
    const elsewhere = join(dir.path, 'elsewhere')
    await mkdir(join(root, 'inside'), { recursive: true })
    await mkdir(elsewhere, { recursive: true })
    await writeFile(join(elsewhere, 'target.txt'), 'precious')
    await symlink(elsewhere, join(root, 'query_perf'))
    await symlink(join(elsewhere, 'target.txt'), join(root, 'inside', 'f.rejects.ndjson'))
    await symlink(join(root, 'inside'), join(root, 'alias'))
    const storage = createLocalStorage({ root })
    await expect(storage.createSink('query_perf/year=2025/f.parquet')).rejects.toMatchObject({
      code: 'PATH_INVALID',
      message: `${join(root, 'query_perf')} is a symbolic link to ${elsewhere}; Parquetry does not write through a link that leads out of its root (${root}); replace the link with a folder`,
    })
    await expect(storage.createSink('inside/f.rejects.ndjson')).rejects.toMatchObject({ code: 'PATH_INVALID', message: expect.stringContaining('does not write through a link at a file it writes') })
    await expect(storage.remove('query_perf/target.txt')).rejects.toMatchObject({ code: 'PATH_INVALID' })
    // Nothing was created or changed out there.
    expect(await readdir(elsewhere)).toEqual(['target.txt'])
    expect(await readFile(join(elsewhere, 'target.txt'), 'utf8')).toBe('precious')
    // A link that stays inside the root is a folder like any other.
    const sink = await storage.createSink('alias/g.txt')
    await sink.write(bytes('ok'))
    await sink.commit()
    expect(await readFile(join(root, 'inside', 'g.txt'), 'utf8')).toBe('ok')
  })

  it('says so when a folder stands where a file goes', async () => {
    const storage = createLocalStorage({ root: dir.path })
    await mkdir(join(dir.path, 'a/b.parquet'), { recursive: true })
    await expect(storage.createSink('a/b.parquet')).rejects.toMatchObject({ code: 'PATH_INVALID', message: `${join(dir.path, 'a/b.parquet')} is a folder where the file a/b.parquet goes; move it away to write the file` })
  })

  it('publishes "absent" writes atomically: of two writers racing for one path, one wins', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const sinks = await Promise.all([0, 1, 2, 3].map(() => storage.createSink('race.bin', { expect: 'absent' })))
    for (const [index, sink] of sinks.entries()) await sink.write(bytes(`writer ${index}`))
    const outcomes = await Promise.allSettled(sinks.map((sink) => sink.commit()))
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1)
    expect(outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => (outcome as PromiseRejectedResult).reason.code)).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT'])
    expect(await readdir(dir.path)).toEqual(['race.bin'])
  })

  it('refuses paths outside the root', async () => {
    const storage = createLocalStorage({ root: dir.path })
    await expect(storage.createSink('../outside.parquet')).rejects.toMatchObject({ code: 'PATH_INVALID' })
    expect(() => storage.resolvePath('a/../../x')).toThrow('segment .. is not allowed')
  })
})
