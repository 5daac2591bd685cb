import { readCsv } from '@parquetry/sources'
import { createHash } from 'node:crypto'
import { useTempDir } from '@parquetry/testing'
import { appendFile, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fileInputs } from './file-inputs.js'

const dir = useTempDir({ each: true })

async function drain(source: AsyncIterable<unknown[]>): Promise<number> {
  let count = 0
  for await (const batch of source) count += batch.length
  return count
}

describe('fileInputs', () => {
  it('lists the files a pattern names, with their dates, identities relative to the base, and impossible names as problems', async () => {
    await mkdir(join(dir.path, 'in/sub_20251027.csv'), { recursive: true })
    for (const name of ['x_20251028.csv', 'x_20251029.csv', 'x_20251332.csv', 'y_20251028.csv']) await writeFile(join(dir.path, 'in', name), 'a\n1\n')
    const catalog = fileInputs({ dir: join(dir.path, 'in'), base: dir.path, pattern: 'x_{yyyymmdd}.csv', read: (source) => readCsv(source) })
    const { inputs, problems } = await catalog.list()
    expect(catalog.description).toBe('in/x_{yyyymmdd}.csv')
    expect(inputs.map((input) => [input.identity, input.name, input.dates, input.bytes])).toEqual([
      ['in/x_20251028.csv', 'x_20251028.csv', ['2025-10-28'], 4],
      ['in/x_20251029.csv', 'x_20251029.csv', ['2025-10-29'], 4],
    ])
    expect(problems).toEqual(['x_20251332.csv: 2025-13-32 is not a real date'])
    expect(await inputs[0]?.digest()).toBe(`sha256:${createHash('sha256').update('a\n1\n').digest('hex')}`)
    expect(await drain(inputs[0]!.open())).toBe(1)
    await expect(fileInputs({ dir: join(dir.path, 'none'), base: dir.path, pattern: 'x', read: (source) => readCsv(source) }).list()).rejects.toMatchObject({
      code: 'SOURCE_READ_FAILED',
      message: `input folder none does not exist (${join(dir.path, 'none')})`,
    })
  })

  it('an input that changes after it was digested, or while it is digested, fails instead of yielding other rows', async () => {
    const path = join(dir.path, 'x_20251028.csv')
    await writeFile(path, 'a\n1\n2\n')
    const catalog = fileInputs({ dir: dir.path, base: dir.path, pattern: 'x_{yyyymmdd}.csv', read: (source) => readCsv(source) })
    const [input] = (await catalog.list()).inputs
    expect(await input!.digest()).toMatch(/^sha256:[0-9a-f]{64}$/)
    await appendFile(path, '3\n')
    await expect(drain(input!.open())).rejects.toMatchObject({ code: 'SOURCE_READ_FAILED', message: 'x_20251028.csv changed while it was read (6 bytes when listed, 8 read); it was not exported, run again once it is complete' })

    // Same size, other bytes: the digest tells.
    const [again] = (await catalog.list()).inputs
    await again!.digest()
    await writeFile(path, 'a\n1\n9\n4\n')
    await expect(drain(again!.open())).rejects.toMatchObject({ message: expect.stringContaining('its content no longer matches its digest') })

    const [listed] = (await catalog.list()).inputs
    await appendFile(path, '5\n')
    await expect(listed!.digest()).rejects.toMatchObject({ code: 'SOURCE_READ_FAILED', message: expect.stringContaining('x_20251028.csv changed while it was read') })
  })
})
