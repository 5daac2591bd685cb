import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'

/** A fresh temp directory and a function that removes it. */
export async function makeTempDir(prefix = 'parquetry-test-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

/**
 * A temp directory for the tests of the calling file: made before them and
 * removed after, once for the file, or afresh for each test with `{ each: true }`.
 * Read `.path` inside tests.
 */
export function useTempDir(options: { each?: boolean; prefix?: string } = {}): { readonly path: string } {
  let current: { path: string; remove: () => Promise<void> } | undefined
  const make = async () => {
    current = await makeTempDir(options.prefix)
  }
  const remove = async () => {
    await current?.remove()
    current = undefined
  }
  if (options.each) {
    beforeEach(make)
    afterEach(remove)
  } else {
    beforeAll(make)
    afterAll(remove)
  }
  return {
    get path(): string {
      if (!current) throw new Error('useTempDir: .path is only there while a test runs')
      return current.path
    },
  }
}
