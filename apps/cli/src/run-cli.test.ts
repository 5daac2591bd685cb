import { queryPerfSchema } from '@parquetry/schema'
import { duckDbQuery, readParquetRows, useTempDir } from '@parquetry/testing'
import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { captureIo } from './test-io.js'
import { generateQueryPerfDay } from './demo/generate-query-perf.js'
import { formatLogLine, formatRatio } from './output/log-line.js'
import { runCli } from './run-cli.js'


const dir = useTempDir({ each: true })

describe('parquetry demo', () => {
  it('writes the seed layout, and prints log lines, the DuckDB schema and the validation query', async () => {
    const io = captureIo(dir.path)
    expect(await runCli(['demo', '--days', '3', '--rows', '200', '--start', '2025-10-30'], io)).toBe(0)
    expect(await readdir(`${dir.path}/parquetry-demo/query_perf/year=2025/month=10`)).toEqual(['query_perf_20251030.parquet', 'query_perf_20251031.parquet'])
    expect(await readdir(`${dir.path}/parquetry-demo/query_perf/year=2025/month=11`)).toEqual(['query_perf_20251101.parquet'])
    const lines = io.out().split('\n')
    expect(lines.slice(0, 3).every((line) => /^\[\d{4}-\d{2}-\d{2}T[\d:.]+Z\] \[INFO\] export:parquet file=query_perf_\d{8}\.parquet rows=200 compressed_kb=\d+ ratio=\d+\.\d%$/.test(line))).toBe(true)
    expect(io.out()).toMatch(/date_partition\s+DATE\n/)
    expect(io.out()).toMatch(/2025-11-01\s+200\s+[\d.]+\s+[\d.]+\n2025-10-31\s+200/)
    expect(io.err()).toBe('')
  })

  it('--json prints one result whose numbers match the files', async () => {
    const io = captureIo(dir.path)
    expect(await runCli(['demo', '--days', '2', '--rows', '300', '--json', '--out', 'out'], io)).toBe(0)
    const result = JSON.parse(io.out()) as {
      files: { path: string; rows: number; bytes: number }[]
      schema: { column_name: string; column_type: string }[]
      validation: { date_partition: string; query_count: number; avg_execution_ms: number; max_execution_ms: number }[]
    }
    expect(result.files.map((file) => file.path)).toEqual([
      'query_perf/year=2025/month=10/query_perf_20251022.parquet',
      'query_perf/year=2025/month=10/query_perf_20251023.parquet',
    ])
    expect(result.schema.slice(0, 12)).toEqual(queryPerfSchema.columns.map((column) => ({ column_name: column.name, column_type: expect.any(String) })))
    // What the demo wrote is exactly what the generator made, read back by hyparquet.
    const expected = generateQueryPerfDay({ date: '2025-10-22', rows: 300 })
    const read = await readParquetRows(`${dir.path}/out/${result.files[0]?.path}`)
    expect(read.map((row) => ({ ...row, date_partition: '2025-10-22' }))).toEqual(expected)
    const [check] = await duckDbQuery('SELECT max(execution_time_ms) AS max FROM read_parquet($1)', [`${dir.path}/out/${result.files[0]?.path}`])
    expect(result.validation.find((row) => row.date_partition === '2025-10-22')?.max_execution_ms).toBe(check?.['max'])
  })
})

describe('command line', () => {
  it('exits 2 with usage on bad flags, unknown commands and no command', async () => {
    const bad = captureIo(dir.path)
    expect(await runCli(['demo', '--days', 'many'], bad)).toBe(2)
    expect(bad.err()).toContain('parquetry demo: --days:')
    expect(bad.err()).toContain('Usage: parquetry demo')
    const unknown = captureIo(dir.path)
    expect(await runCli(['explode'], unknown)).toBe(2)
    expect(unknown.err()).toContain('unknown command "explode"')
    const none = captureIo(dir.path)
    expect(await runCli([], none)).toBe(2)
    expect(none.out()).toContain('Usage: parquetry <command>')
  })

  it('under --json an error is {"error", "code"} on stdout', async () => {
    const io = captureIo(dir.path)
    expect(await runCli(['demo', '--json', '--start', '2025-13-45'], io)).toBe(2)
    expect(JSON.parse(io.out())).toEqual({ error: '--start: expected a real date as YYYY-MM-DD', code: 'USAGE' })
  })

  it('prints its version and help', async () => {
    const io = captureIo(dir.path)
    expect(await runCli(['--version'], io)).toBe(0)
    expect(io.out()).toMatch(/^\d+\.\d+\.\d+\n$/)
    const help = captureIo(dir.path)
    expect(await runCli(['demo', '--help'], help)).toBe(0)
    expect(help.out()).toContain('--rows N')
  })
})

describe('log lines', () => {
  it('follow the seed format', () => {
    expect(formatLogLine('INFO', 'export:parquet', { file: 'query_perf_20251028.parquet', rows: 1234, compressed_kb: 22, ratio: '82.7%' }, new Date('2025-10-28T05:00:00Z'))).toBe(
      '[2025-10-28T05:00:00.000Z] [INFO] export:parquet file=query_perf_20251028.parquet rows=1234 compressed_kb=22 ratio=82.7%',
    )
    expect(formatLogLine('WARN', 'export:parquet', { reason: 'two words' }, new Date(0))).toBe('[1970-01-01T00:00:00.000Z] [WARN] export:parquet reason="two words"')
    expect(formatRatio(127 * 1024, 22 * 1024)).toBe('82.7%')
  })
})
