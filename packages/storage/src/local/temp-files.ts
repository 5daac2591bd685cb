import { randomBytes } from 'node:crypto'
import { readdir, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { isWriterGone, processInstance } from '../process-alive.js'

// `.query_perf_20251028.parquet.<pid>-<instance>.<random>.parquetry-tmp`:
// hidden, in the final file's own directory (so the rename is atomic), naming
// the writer's pid and its host and pid namespace (`processInstance`). Names
// without the instance (written by earlier versions) are judged by age alone.
const tempPattern = /^\.(.+)\.(\d+)(?:-([0-9a-f]{8}))?\.([0-9a-f]{12})\.parquetry-tmp$/

/** Default age after which a temp file is stale even if its pid looks alive (pids get reused). */
export const DEFAULT_STALE_AFTER_MS = 6 * 60 * 60 * 1000

/** A temp file path beside `finalPath`, unique to this process and call. */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}-${processInstance}.${randomBytes(6).toString('hex')}.parquetry-tmp`)
}

/** True for a Parquetry temp file name. */
export function isTempFileName(name: string): boolean {
  return tempPattern.test(name)
}

/**
 * Removes temp files in `directory` whose writer is gone: one of this host and
 * pid namespace whose pid is not alive, or any whose file has not been touched
 * for `staleAfterMs` (a writer in another container cannot be asked: its pid
 * means nothing here, so only age decides). When
 * `target` is given, only temps of that final file name are considered.
 * Returns the absolute paths removed.
 */
export async function removeStaleTempFiles(directory: string, options: { target?: string; staleAfterMs?: number } = {}): Promise<string[]> {
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS
  let names: string[]
  try {
    names = await readdir(directory)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const removed: string[] = []
  for (const name of names) {
    const match = tempPattern.exec(name)
    if (!match) continue
    if (options.target !== undefined && match[1] !== options.target) continue
    const path = join(directory, name)
    const pid = Number(match[2])
    const instance = match[3]
    if (pid === process.pid && instance === processInstance) continue
    let stale = isWriterGone(pid, instance)
    if (!stale) {
      const info = await stat(path).catch(() => undefined)
      stale = info !== undefined && Date.now() - info.mtimeMs > staleAfterMs
    }
    if (!stale) continue
    try {
      await unlink(path)
      removed.push(path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  return removed
}
