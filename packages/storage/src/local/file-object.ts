import { open, type FileHandle } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import type { ReadableObject } from '../types.js'

/** A local file's version tag: its size and modification time. */
export function localEtag(info: Pick<Stats, 'size' | 'mtimeMs'>): string {
  return `${info.size}-${info.mtimeMs}`
}

/** Opens a local file as a {@link ReadableObject} (a hyparquet AsyncBuffer with `close`). */
export async function openFileObject(path: string): Promise<ReadableObject> {
  const handle: FileHandle = await open(path, 'r')
  let closed = false
  try {
    const info = await handle.stat()
    const size = info.size
    return {
      byteLength: size,
      etag: localEtag(info),
      async slice(start: number, end: number = size): Promise<ArrayBuffer> {
        const from = Math.max(0, Math.min(start, size))
        const to = Math.max(from, Math.min(end, size))
        const buffer = new ArrayBuffer(to - from)
        const view = new Uint8Array(buffer)
        let offset = 0
        while (offset < view.length) {
          const { bytesRead } = await handle.read(view, offset, view.length - offset, from + offset)
          if (bytesRead === 0) break
          offset += bytesRead
        }
        return buffer
      },
      async close(): Promise<void> {
        if (closed) return
        closed = true
        await handle.close()
      },
    }
  } catch (error) {
    await handle.close()
    throw error
  }
}
