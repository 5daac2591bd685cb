import { useTempDir } from '@parquetry/testing'
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { makeDirectory } from './make-directory.js'

const dir = useTempDir({ each: true })

describe('makeDirectory', () => {
  it('makes a folder and the missing ones above it; one already there is fine', async () => {
    const path = join(dir.path, 'a/b/c')
    await makeDirectory(path)
    expect((await stat(path)).isDirectory()).toBe(true)
    await makeDirectory(path)
    expect((await stat(path)).isDirectory()).toBe(true)
  })

  it('fails with the folder\'s own error: a file in the way, a folder that cannot hold folders', async () => {
    await writeFile(join(dir.path, 'file'), 'x')
    await expect(makeDirectory(join(dir.path, 'file'))).rejects.toMatchObject({ code: 'EEXIST' })
    await expect(makeDirectory(join(dir.path, 'file/below'))).rejects.toMatchObject({ code: 'ENOTDIR' })
  })

  it('returns under /proc, where Node\'s recursive mkdir loops forever', async () => {
    await expect(makeDirectory('/proc/parquetry-nope/below')).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
