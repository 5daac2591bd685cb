import { useTempDir } from '@parquetry/testing'
import { execFileSync } from 'node:child_process'
import { readdir, readFile, writeFile } from 'node:fs/promises'
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
    expect(text.err).toMatch(/✗ Export finished with failures/)
    expect(text.out).not.toMatch(/✗/)
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
    const { code, err } = await cli('verify', 'query_perf')
    expect(code).toBe(1)
    expect(err.split('\n')).toEqual([
      expect.stringMatching(/^✗ query_perf\/year=2025\/month=10\/query_perf_20251001 \(copy\)\.parquet: stray: .*not a file of query_perf/),
      '✗ 4 of 4 files verified, 1 stray',
      '',
    ])
  })

  it('a header without a required column fails its input at line 1, before any row', async () => {
    const text = await readFile(daily('02'), 'utf8')
    await writeFile(daily('02'), text.replace(/^timestamp,/, 'tstamp,'))
    const { code, err } = await cli('export', 'query_perf', '--historical')
    expect(code).toBe(1)
    expect(err).toContain('input=g/reports/query_perf_daily_20251002.csv code=SOURCE_READ_FAILED')
    expect(err).toContain('error="g/reports/query_perf_daily_20251002.csv: the header at line 1 lacks required column timestamp; header column no column reads: tstamp"')
    expect(err).not.toContain('rejected=')
    expect(err).toMatch(/✗ Export finished with failures/)
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

  it('a JSON report cut short fails its input and exports nothing of it; the other datasets are exported', async () => {
    const report = join(dir.path, 'knowledge/optimize/index_advisor_report.json')
    const text = await readFile(report, 'utf8')
    // Cut between two records: what came before is well-formed JSON, the document never ends.
    await writeFile(report, text.slice(0, text.indexOf('},') + 2))
    const { code, err } = await cli('export', '--historical', '--json')
    expect(code).toBe(1)
    expect(err).toBe('')
    const { code: again, err: said, out } = await cli('export', 'index_advisor', 'query_perf', '--historical')
    expect(again).toBe(1)
    expect(said).toMatch(/dataset=index_advisor input=knowledge\/optimize\/index_advisor_report\.json code=SOURCE_READ_FAILED error=".*index_advisor_report\.json/)
    expect(out).not.toMatch(/file=index_advisor_\d+\.parquet rows=/)
    expect(out).toMatch(/file=query_perf_20251001\.parquet/)
    const written = (await readdir(join(dir.path, 'knowledge/optimize/parquet'), { recursive: true })).filter((name) => name.endsWith('.parquet'))
    expect(written.filter((name) => name.includes('index_advisor'))).toEqual([])
    expect(written.filter((name) => name.includes('query_perf_2025'))).toHaveLength(4)
  })

  it('an event nested 10,000 levels deep in the event log is a located reject; every dataset is exported', async () => {
    const log = join(dir.path, 'knowledge/optimize/optimization_summary.txt')
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`
    await writeFile(log, `${await readFile(log, 'utf8')}{"timestamp":"2025-10-03T05:00:00Z","event_type":"deep","payload":${deep}}\n`)
    const lines = (await readFile(log, 'utf8')).trim().split('\n').length
    // One bad event among 16 is over the default 1% threshold: allow 10% so that the run shows it as the reject it is.
    await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ rejects: { maxRatio: 0.1 } }))
    const { code, err, out } = await cli('export', '--historical')
    expect(err).toContain(`optimization_summary.txt:${lines}: `)
    expect(err).toMatch(/dataset=optimization_summary input=knowledge\/optimize\/optimization_summary\.txt rejected=1 of=/)
    expect(err).toContain('nested deeper than 1000 levels')
    expect(err).not.toContain('Maximum call stack')
    expect(code).toBe(0)
    for (const dataset of ['query_perf', 'query_perf_weekly', 'index_advisor', 'optimization_summary']) expect(out).toMatch(new RegExp(`file=${dataset}_\\d{8}\\.parquet rows=`))
  })

  it('every codec the config offers exports, verifies and is read back by DuckDB', async () => {
    const counts = new Map<string, string>()
    for (const codec of ['SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'UNCOMPRESSED']) {
      await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ codec, output: `out-${codec}` }))
      const exported = await cli('export', 'query_perf', '--historical')
      expect({ codec, code: exported.code, err: exported.err.split('\n').filter((line) => line.includes('ERROR')) }).toEqual({ codec, code: 0, err: [] })
      expect((await cli('verify', 'query_perf')).code).toBe(0)
      const described = await cli('query', 'SELECT DISTINCT compression FROM parquet_metadata($glob)', '--param', `glob=${join(dir.path, `out-${codec}`, 'query_perf/**/*.parquet')}`, '--format', 'csv')
      expect(described.out.trim().split('\n').slice(1)).toEqual([codec])
      const counted = await cli('query', 'SELECT count(*) AS n, bit_xor(hash(timestamp, query_hash, query_type, execution_time_ms, rows_examined, cache_hit, table_name, index_used, cpu_time_ms, io_wait_ms)) AS fingerprint FROM query_performance', '--format', 'csv')
      expect(counted.code).toBe(0)
      counts.set(codec, counted.out)
    }
    // The same rows and values whatever the codec.
    expect([...counts.values()]).toEqual([...counts.values()].map(() => counts.get("SNAPPY")))
  })

  it('a row dated far away is advised with a command per date, not a range of centuries', async () => {
    await writeFile(daily('02'), `${await readFile(daily('02'), 'utf8')}0001-01-01T00:00:00Z,eeeeee,SELECT,1.5,10,1,false,users,PRIMARY,1.0,0.1\n`)
    const { err } = await cli('export', 'query_perf', '--date', '2025-10-02')
    expect(err).toMatch(/export_them_with="parquetry export query_perf --date 0001-01-01 && parquetry export query_perf --from 2025-10-01 --to 2025-10-04"/)
    const advised = await cli('export', 'query_perf', '--date', '0001-01-01')
    expect(advised.code).toBe(0)
    expect(advised.out).toMatch(/file=query_perf_00010101\.parquet rows=1 /)
  })

  it('the advised command carries the --config of the run', async () => {
    await writeFile(join(dir.path, 'other.json'), JSON.stringify({ datasets: { query_perf: {} } }))
    const { err } = await cli('export', 'query_perf', '--date', '2025-10-02', '--config', 'other.json')
    expect(err).toContain('export_them_with="parquetry export query_perf --from 2025-10-01 --to 2025-10-04 --config other.json"')
  })

  it('a range of centuries is a usage error, not a run that never ends', async () => {
    const { code, err } = await cli('export', 'query_perf', '--from', '2025-10-01', '--to', '9999-12-31')
    expect(code).toBe(2)
    expect(err).toContain('a range may span at most 36,600 (100 years)')
  })
})
