import { truncateSync } from 'node:fs'
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openProject } from '../project.js'
import { opsProject } from './test-project.js'

// Bad input never passes for good: every input that gives nothing, or less than it holds, is named.
const { dir, daily, exportWith } = opsProject(6)
const rejectsDir = () => join(dir.path, 'knowledge/optimize/parquet/_rejects/query_perf')



describe('bad input', () => {
  it('a rejects file of an input that has since been fixed is removed', async () => {
    const first = await exportWith()
    expect(first.ok).toBe(true)
    // The generator puts two bad rows in the 4th.
    expect(await readdir(rejectsDir())).toEqual(['query_perf_daily_20251004.csv.rejects.ndjson'])
    const lines = (await readFile(daily('04'), 'utf8')).split('\n')
    const fixed = lines.filter((line) => line === lines[0] || (line.split(',').length === 11 && !line.includes(',fast,')))
    await writeFile(daily('04'), fixed.join('\n'))
    const events: string[] = []
    const second = await exportWith({ onEvent: (event) => (event.type === 'rejects-removed' ? events.push(`${event.path}: ${event.reason}`) : undefined) })
    expect(second.ok).toBe(true)
    expect(second.datasets[0]?.rejects).toEqual([])
    expect(await readdir(rejectsDir())).toEqual([])
    expect(events).toEqual(['g/reports/query_perf_daily_20251004.csv: the input has no rejected rows any more'])
  })

  it('a rejects file of an input that is gone is removed by the next run that writes', async () => {
    expect((await exportWith()).ok).toBe(true)
    expect(await readdir(rejectsDir())).toEqual(['query_perf_daily_20251004.csv.rejects.ndjson'])
    const { rm } = await import('node:fs/promises')
    await rm(daily('04'))
    // Something to write: a changed input.
    await writeFile(daily('06'), `${await readFile(daily('06'), 'utf8')}2025-10-06T12:00:00Z,abcdef,SELECT,1.5,10,1,false,users,PRIMARY,1.0,0.1\n`)
    const events: string[] = []
    await exportWith({ onEvent: (event) => (event.type === 'rejects-removed' ? events.push(`${event.path}: ${event.reason}`) : undefined) })
    expect(await readdir(rejectsDir())).toEqual([])
    expect(events).toEqual(['_rejects/query_perf/query_perf_daily_20251004.csv.rejects.ndjson: its input is gone'])
  })

  it('one unreadable input fails only the dates it feeds: a --date run of the next day exports it, exits 1 and names the input', async () => {
    // The 2nd's input has no rows past midnight: it feeds only the 2nd.
    const lines = (await readFile(daily('02'), 'utf8')).split('\n')
    await writeFile(daily('02'), lines.filter((line) => !line.startsWith('2025-10-03')).join('\n'))
    expect((await exportWith()).ok).toBe(true)
    // Invalid UTF-8 in the 2nd's input.
    const bytes = await readFile(daily('02'))
    bytes[bytes.length - 40] = 0xff
    await writeFile(daily('02'), bytes)
    for (const selection of [{ kind: 'dates' as const, from: '2025-10-03', to: '2025-10-03' }, { kind: 'historical' as const }]) {
      // The 3rd is rebuilt (its input changed) so it is read again.
      await writeFile(daily('03'), `${await readFile(daily('03'), 'utf8')}2025-10-03T12:00:00Z,abcdef,SELECT,1.5,10,1,false,users,PRIMARY,1.0,0.1\n`)
      const result = await exportWith({ selection })
      expect(result.ok).toBe(false)
      expect(result.datasets[0]?.failures).toEqual([{ input: 'g/reports/query_perf_daily_20251002.csv', code: 'SOURCE_READ_FAILED', message: expect.stringContaining('invalid UTF-8 byte 0xFF at line') }])
      const byDate = Object.fromEntries(result.datasets[0]?.files.map((file) => [file.date, file.status]) ?? [])
      expect(byDate['2025-10-03']).toBe('written')
      if (selection.kind === 'historical') expect(byDate['2025-10-02']).toBe('failed')
    }
  })

  it('an input truncated while it is read fails; its date keeps the file it had, whose footer still matches its content', async () => {
    expect((await exportWith()).ok).toBe(true)
    const path = join(dir.path, 'knowledge/optimize/parquet/query_perf/year=2025/month=10/query_perf_20251005.parquet')
    const before = await readFile(path)
    // A day of 6 MB: read in several chunks, truncated to half after the first.
    const [header, ...rows] = (await readFile(daily('05'), 'utf8')).trim().split('\n')
    const big = [header, ...Array.from({ length: 40 }, () => rows).flat()].join('\n') + '\n'
    await writeFile(daily('05'), big)
    let truncated = false
    const result = await exportWith({
      onEvent: (event) => {
        if (!truncated && event.type === 'progress' && event.phase === 'read' && event.identity.endsWith('20251005.csv') && event.bytesRead > 0) {
          truncated = true
          truncateSync(daily('05'), Math.floor(big.length / 2))
        }
      },
    })
    expect(truncated).toBe(true)
    expect(result.ok).toBe(false)
    expect(result.datasets[0]?.failures).toEqual([
      { input: 'g/reports/query_perf_daily_20251005.csv', code: 'SOURCE_READ_FAILED', message: expect.stringMatching(/^g\/reports\/query_perf_daily_20251005\.csv changed while it was read \(\d+ bytes when listed, \d+ read\); it was not exported/) },
    ])
    expect(result.datasets[0]?.files.find((file) => file.date === '2025-10-05')?.status).toBe('failed')
    expect((await readFile(path)).equals(before)).toBe(true)
  })

  it('a file whose data pages are damaged behind an intact footer fails verify, naming the column and row group, and is rebuilt by the next export', async () => {
    expect((await exportWith()).ok).toBe(true)
    const path = join(dir.path, 'knowledge/optimize/parquet/query_perf/year=2025/month=10/query_perf_20251003.parquet')
    const good = await readFile(path)
    const bytes = Buffer.from(good)
    // Inside the data, far from the footer: a run of bytes overwritten.
    for (let index = 1000; index < 1040; index++) bytes[index] = (bytes[index] as number) ^ 0x5a
    await writeFile(path, bytes)
    const project = await openProject({ cwd: dir.path })
    const verified = await project.verify({ datasets: ['query_perf'], range: { from: '2025-10-03', to: '2025-10-03' } })
    await project.close()
    expect(verified.ok).toBe(false)
    expect(verified.files[0]).toMatchObject({ path: 'query_perf/year=2025/month=10/query_perf_20251003.parquet', status: 'mismatch', reason: expect.stringMatching(/query_perf_20251003\.parquet: row group \d+, column \w+: /) })
    const events: string[] = []
    const result = await exportWith({ onEvent: (event) => (event.type === 'damaged' ? events.push(`${event.path}: ${event.reason}`) : undefined) })
    expect(result.ok).toBe(true)
    expect(events).toEqual([expect.stringMatching(/^query_perf\/year=2025\/month=10\/query_perf_20251003\.parquet: row group \d+, column \w+: checksum mismatch/)])
    expect(Object.fromEntries(result.datasets[0]?.files.map((file) => [file.date, file.status]) ?? [])).toMatchObject({ '2025-10-02': 'skipped', '2025-10-03': 'written', '2025-10-04': 'skipped' })
    const again = await openProject({ cwd: dir.path })
    expect((await again.verify({ datasets: ['query_perf'] })).ok).toBe(true)
    await again.close()
  })

  it('an input cut to its header, or emptied, exports nothing and fails: its date keeps its file', async () => {
    expect((await exportWith()).ok).toBe(true)
    const file = (day: string) => join(dir.path, `knowledge/optimize/parquet/query_perf/year=2025/month=10/query_perf_202510${day}.parquet`)
    const before = { '03': await readFile(file('03')), '02': await readFile(file('02')) }
    const header = (await readFile(daily('03'), 'utf8')).split('\n')[0] as string
    await writeFile(daily('03'), `${header}\n`)
    await writeFile(daily('02'), '')
    const result = await exportWith()
    expect(result.ok).toBe(false)
    expect(result.datasets[0]?.failures).toEqual([
      { input: 'g/reports/query_perf_daily_20251002.csv', code: 'SOURCE_READ_FAILED', message: 'g/reports/query_perf_daily_20251002.csv: no records (an empty file, or only a header); nothing of it was exported' },
      { input: 'g/reports/query_perf_daily_20251003.csv', code: 'SOURCE_READ_FAILED', message: 'g/reports/query_perf_daily_20251003.csv: no records (an empty file, or only a header); nothing of it was exported' },
    ])
    const statuses = Object.fromEntries(result.datasets[0]?.files.map((entry) => [entry.date, entry.status]) ?? [])
    expect(statuses).toMatchObject({ '2025-10-02': 'failed', '2025-10-03': 'failed' })
    expect(Object.values(statuses)).not.toContain('removed')
    expect((await readFile(file('03'))).equals(before['03'])).toBe(true)
    expect((await readFile(file('02'))).equals(before['02'])).toBe(true)
  })

  it('a file named like an input that is a broken link or a folder fails the run, naming it; latest mode does not fall back to the day before', async () => {
    await symlink(join(dir.path, 'nowhere.csv'), daily('07'))
    await mkdir(daily('08'))
    const latest = await exportWith({ selection: { kind: 'latest' } })
    expect(latest.ok).toBe(false)
    // The newest input is the 8th (a folder); the 7th (a broken link) is within its reach.
    expect(latest.datasets[0]?.failures.map((failure) => failure.input)).toEqual(['g/reports/query_perf_daily_20251007.csv', 'g/reports/query_perf_daily_20251008.csv'])
    expect(latest.written).toBe(0)
    const all = await exportWith()
    expect(all.ok).toBe(false)
    expect(all.datasets[0]?.failures.map((failure) => failure.message)).toEqual([
      'g/reports/query_perf_daily_20251007.csv is named like an input (query_perf_daily_{yyyymmdd}.csv) but is a broken symbolic link; it cannot be read',
      'g/reports/query_perf_daily_20251008.csv is named like an input (query_perf_daily_{yyyymmdd}.csv) but is a folder; it cannot be read',
    ])
    expect(all.written).toBeGreaterThan(0)
  })

  it.each(['the Parquet schema', 'parquetry.schema.columns'])('a footer damaged where %s names the columns is caught by verify and rebuilt by the export', async (where) => {
    expect((await exportWith()).ok).toBe(true)
    const path = join(dir.path, 'knowledge/optimize/parquet/query_perf/year=2025/month=10/query_perf_20251003.parquet')
    const bytes = await readFile(path)
    // A column name changed in place (same length, so the footer still parses): the schema's comes first, the key-value's last.
    const text = bytes.toString('latin1')
    const at = where === 'the Parquet schema' ? text.indexOf('io_wait_ms') : text.lastIndexOf('io_wait_ms')
    const renamed = Buffer.from(`${text.slice(0, at)}io_wait_mz${text.slice(at + 10)}`, 'latin1')
    expect(renamed.length).toBe(bytes.length)
    await writeFile(path, renamed)
    const project = await openProject({ cwd: dir.path })
    const verified = await project.verify({ datasets: ['query_perf'], range: { from: '2025-10-03', to: '2025-10-03' } })
    await project.close()
    expect(verified.files[0]).toMatchObject({ status: 'mismatch', reason: expect.stringContaining('query_perf_20251003.parquet: ') })
    const result = await exportWith()
    expect(result.ok).toBe(true)
    expect(result.datasets[0]?.files.find((file) => file.date === '2025-10-03')?.status).toBe('written')
    const again = await openProject({ cwd: dir.path })
    expect((await again.verify({ datasets: ['query_perf'] })).ok).toBe(true)
    await again.close()
  })
})
