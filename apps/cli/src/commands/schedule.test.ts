import { useTempDir } from '@parquetry/testing'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { expandField } from '../schedule/os-schedulers.js'
import { runIn } from '../test-io.js'

const dir = useTempDir()

describe('parquetry schedule print', () => {
  it("prints seed 000's LaunchAgent: 05:00, the seed's log files, the worker's --once", async () => {
    const { code, out: stdout } = await runIn(dir.path, {}, ['schedule', 'print', '--launchd', '--label', 'com.02luka.parquet_export'])
    expect(code).toBe(0)
    expect(stdout).toContain('<key>Label</key>\n  <string>com.02luka.parquet_export</string>')
    expect(stdout).toContain('<key>StartCalendarInterval</key>\n  <dict><key>Minute</key><integer>0</integer><key>Hour</key><integer>5</integer></dict>')
    expect(stdout).toContain(`<string>${join(dir.path, 'g/logs/parquet_export.log')}</string>`)
    expect(stdout).toContain(`<string>${join(dir.path, 'g/logs/parquet_export.err')}</string>`)
    expect(stdout).toContain('exec parquetry-worker --once query_perf query_perf_weekly index_advisor optimization_summary</string>')
    expect(stdout).toContain('0 5 * * * in Asia/Bangkok')
  })

  it('groups datasets by schedule for systemd and cron, each in its own zone', async () => {
    await writeFile(
      join(dir.path, 'parquetry.config.json'),
      JSON.stringify({ datasets: { query_perf: {}, index_advisor: { schedule: { cron: '30 2 * * 1-5', timezone: 'America/New_York' } }, pageviews: {} } }),
    )
    const systemd = await runIn(dir.path, {}, ['schedule', 'print', '--systemd'])
    expect(systemd.code).toBe(0)
    expect(systemd.out).toContain('OnCalendar=*-*-* 05:00:00 Asia/Bangkok\nPersistent=true\nUnit=com.parquetry.export.query_perf.service')
    expect(systemd.out).toContain('OnCalendar=Mon,Tue,Wed,Thu,Fri *-*-* 02:30:00 America/New_York')
    expect(systemd.out).toContain('OnCalendar=*-*-* 01:00:00 UTC')
    const cron = await runIn(dir.path, {}, ['schedule', 'print', '--cron', 'pageviews'])
    expect(cron.out).toContain(`CRON_TZ=UTC\n0 1 * * * cd ${dir.path} && parquetry-worker --once pageviews --config ${join(dir.path, 'parquetry.config.json')} >> ${join(dir.path, 'g/logs/parquet_export.log')}`)
    expect(cron.out).not.toContain('query_perf')
    expect((await runIn(dir.path, {}, ['schedule', 'print'])).code).toBe(2)
    expect((await runIn(dir.path, {}, ['schedule', 'print', '--cron', '--systemd'])).code).toBe(2)
  })

  it('expands cron fields as launchd needs them', () => {
    expect(expandField('*', 0)).toBeUndefined()
    expect(expandField('*/15', 0)).toEqual([0, 15, 30, 45])
    expect(expandField('1-5', 4)).toEqual([1, 2, 3, 4, 5])
    expect(expandField('7', 4)).toEqual([0])
    expect(expandField('mon,fri', 4)).toEqual([1, 5])
    expect(expandField('jan-mar', 3)).toEqual([1, 2, 3])
    expect(expandField('1,15', 2)).toEqual([1, 15])
  })
})
