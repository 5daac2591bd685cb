import { mkdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

/**
 * `mkdir -p`: makes `path` and the folders above it that are missing.
 *
 * Node's own `mkdir(path, { recursive: true })` never returns for a path
 * under a folder that answers ENOENT to every mkdir while existing (`/proc`,
 * some FUSE mounts): it loops making the parent, which is there, forever.
 * This one makes each folder once, top down, and fails with the folder's own
 * error (ENOENT, EACCES, ENOTDIR) when it cannot be made.
 */
export async function makeDirectory(path: string): Promise<void> {
  try {
    await mkdir(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') {
      if ((await stat(path)).isDirectory()) return
      throw error
    }
    const parent = dirname(path)
    if (code !== 'ENOENT' || parent === path) throw error
    await makeDirectory(parent)
    // Once, now that its parent is there: a second ENOENT is the folder's own answer.
    await mkdir(path).catch(async (again: NodeJS.ErrnoException) => {
      if (again.code !== 'EEXIST' || !(await stat(path)).isDirectory()) throw again
    })
  }
}
