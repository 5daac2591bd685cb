import { describe, expect, it } from 'vitest'
import type { CliIo } from '../io.js'
import { createProgressBar } from './progress.js'

function io(isTTY: boolean): CliIo & { err: () => string } {
  let err = ''
  return { stdout: { write: () => true, isTTY }, stderr: { write: (text: string) => (err += text), isTTY }, env: {}, cwd: '.', err: () => err }
}

describe('progress bar', () => {
  it('draws on a terminal and clears when done', () => {
    const terminal = io(true)
    const bar = createProgressBar(terminal, { enabled: true, delayMs: 0 })
    bar.update('query_perf g/reports/query_perf_daily_20251028.csv', 45, 100)
    expect(terminal.err()).toBe('\r\u001b[2Kquery_perf g/reports/query_perf_daily_20251028.csv [###########.............] 45%')
    bar.done()
    expect(terminal.err().endsWith('\r\u001b[2K')).toBe(true)
  })

  it('stays silent when stderr is piped, with --json, and for quick inputs', () => {
    const piped = io(false)
    createProgressBar(piped, { enabled: true, delayMs: 0 }).update('x', 1, 2)
    expect(piped.err()).toBe('')
    const json = io(true)
    createProgressBar(json, { enabled: false, delayMs: 0 }).update('x', 1, 2)
    expect(json.err()).toBe('')
    const quick = io(true)
    createProgressBar(quick, { enabled: true }).update('x', 1, 2)
    expect(quick.err()).toBe('')
  })
})
