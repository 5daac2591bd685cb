import { createHash } from 'node:crypto'
import { readlinkSync } from 'node:fs'
import { hostname } from 'node:os'

/** Whether a process of this machine is alive (EPERM: it exists but belongs to someone else). This process always is. */
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function pidNamespace(): string {
  try {
    // `pid:[4026531836]`: processes in other containers see other pids under the same numbers.
    return readlinkSync('/proc/self/ns/pid')
  } catch {
    return 'none'
  }
}

/**
 * Eight hex digits naming this host and pid namespace. A pid written next to
 * it can be asked about (is it alive?) only by a process with the same
 * instance; in another container the same number is another process, or none.
 */
export const processInstance: string = createHash('sha256').update(`${hostname()}\0${pidNamespace()}`).digest('hex').slice(0, 8)

/**
 * Whether the writer `pid` of `instance` is certainly gone: only a process of
 * the same host and pid namespace can tell; for any other, nothing is certain
 * (its temp files are judged by age alone).
 */
export function isWriterGone(pid: number, instance: string | undefined): boolean {
  if (instance !== processInstance) return false
  return !isProcessAlive(pid)
}
