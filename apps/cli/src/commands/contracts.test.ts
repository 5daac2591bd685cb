import { useTempDir } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeEach, describe, expect, it } from 'vitest'
import { captureIo } from '../test-io.js'
import { runCli } from '../run-cli.js'

// What an operator sees when the input is bad: never a green run that dropped data.
const generator = fileURLToPath(new URL('../../../../examples/ops/generate.mjs', import.meta.url))
const dir = useTempDir({ each: true })
const daily = (day: string) => join(dir.path, `g/reports/query_perf_daily_202510${day}.csv`)

async function cli(...args: string[]) {
  const io = captureIo(dir.path)
  const code = await runCli(args, io)
  return { code, out: io.out(), err: io.err() }
}

beforeEach(() => {
  execFileSync(process.execPath, [generator, '--days', '3', '--out', dir.path])
})

describe('bad input is never a green run', () => {
  it('an input whose every row is rejected exits 1, ok: false, naming the input and the reason', async () => {
    const [header, ...rows] = (await readFile(daily('02'), 'utf8')).trim().split('\n')
    await writeFile(daily('02'), `${[header, ...rows.map((row) => row.replace(/^([^,]*,[^,]*,[^,]*,)[^,]*/, '$1fast'))].join('\n')}\n`)
    const text = await cli('export', 'query_perf', '--historical')
    expect(text.code).toBe(1)
    expect(text.err).toContain(`code=REJECTS_EXCEEDED error="g/reports/query_perf_daily_20251002.csv: ${rows.length} of ${rows.length} records rejected (100.00%), over the 1.00% threshold"`)
    expect(text.out).toMatch(/✗ Export finished with failures/)
    const json = await cli('export', 'query_perf', '--historical', '--json')
    expect(json.code).toBe(1)
    const result = JSON.parse(json.out) as { ok: boolean; datasets: { failures: { input: string; code: string }[] }[] }
    expect(result.ok).toBe(false)
    expect(result.datasets[0]?.failures).toEqual([expect.objectContaining({ input: 'g/reports/query_perf_daily_20251002.csv', code: 'REJECTS_EXCEEDED' })])
  })

  it('an unknown dataset name is a usage error listing the known names, in every command that takes one', async () => {
    for (const command of ['export', 'status', 'verify', 'describe', 'schema']) {
      const { code, err, out } = await cli(command, 'query_pref')
      expect({ command, code, out }).toEqual({ command, code: 2, out: '' })
      expect(err).toContain('unknown dataset "query_pref"; known: query_perf, query_perf_weekly, index_advisor, optimization_summary')
    }
  })

  it('verify names strays and exits 1', async () => {
    expect((await cli('export', '--historical')).code).toBe(0)
    const month = join(dir.path, 'knowledge/optimize/parquet/query_perf/year=2025/month=10')
    await writeFile(join(month, 'query_perf_20251001 (copy).parquet'), await readFile(join(month, 'query_perf_20251001.parquet')))
    const { code, out } = await cli('verify', 'query_perf')
    expect(code).toBe(1)
    expect(out.split('\n')).toEqual([
      expect.stringMatching(/^✗ query_perf\/year=2025\/month=10\/query_perf_20251001 \(copy\)\.parquet: stray: .*not a file of query_perf/),
      '✗ 4 of 4 files verified, 1 stray',
      '',
    ])
  })

  it('a header without a required column fails its input at line 1, before any row', async () => {
    const text = await readFile(daily('02'), 'utf8')
    await writeFile(daily('02'), text.replace(/^timestamp,/, 'tstamp,'))
    const { code, err, out } = await cli('export', 'query_perf', '--historical')
    expect(code).toBe(1)
    expect(err).toContain('input=g/reports/query_perf_daily_20251002.csv code=SOURCE_READ_FAILED')
    expect(err).toContain('error="g/reports/query_perf_daily_20251002.csv: the header at line 1 lacks required column timestamp; header column no column reads: tstamp"')
    expect(err).not.toContain('rejected=')
    expect(out).toMatch(/✗ Export finished with failures/)
  })

  it('header columns the schema lacks, and schema columns the header lacks, are warnings naming them; strictHeader makes them errors', async () => {
    const text = await readFile(daily('02'), 'utf8')
    await writeFile(daily('02'), text.replace(',cpu_time_ms,', ',cpu_tme_ms,'))
    const warned = await cli('export', 'query_perf', '--historical')
    expect(warned.code).toBe(0)
    expect(warned.err).toContain('input=g/reports/query_perf_daily_20251002.csv unknown_columns=cpu_tme_ms g/reports/query_perf_daily_20251002.csv:1:')
    expect(warned.err).toContain('input=g/reports/query_perf_daily_20251002.csv missing_columns=cpu_time_ms g/reports/query_perf_daily_20251002.csv:1:')
    await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ datasets: { query_perf: { strictHeader: true } } }))
    await writeFile(daily('02'), `${await readFile(daily('02'), 'utf8')}\n`)
    const strict = await cli('export', '--historical')
    expect(strict.code).toBe(1)
    expect(strict.err).toMatch(/input=g\/reports\/query_perf_daily_20251002\.csv code=SOURCE_READ_FAILED error=".*cpu_tme_ms/)
  })
})
