import type { CliIo } from '../io.js'

/**
 * A one-line progress bar on a terminal's stderr, for inputs that take a
 * while: drawn only after `delayMs` on the same input, redrawn at most every
 * 100 ms, cleared when the input is done. Does nothing when stderr is not a TTY.
 */
export function createProgressBar(io: CliIo, options: { enabled: boolean; delayMs?: number }) {
  const enabled = options.enabled && io.stderr.isTTY === true
  const delay = options.delayMs ?? 500
  let current: string | undefined
  let startedAt = 0
  let drawnAt = 0
  let drawn = false
  const clear = () => {
    if (drawn) io.stderr.write('\r\u001b[2K')
    drawn = false
  }
  return {
    update(label: string, done: number, total: number): void {
      if (!enabled) return
      const now = Date.now()
      if (label !== current) {
        clear()
        current = label
        startedAt = now
      }
      if (now - startedAt < delay || now - drawnAt < 100) return
      drawnAt = now
      const share = total > 0 ? Math.min(1, done / total) : 0
      const width = 24
      const filled = Math.round(share * width)
      io.stderr.write(`\r\u001b[2K${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(share * 100)}%`)
      drawn = true
    },
    done(): void {
      if (enabled) clear()
      current = undefined
    },
  }
}
