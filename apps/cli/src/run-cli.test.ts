import { queryPerfSchema } from '@parquetry/schema'
import { duckDbQuery, readParquetRows, useTempDir } from '@parquetry/testing'
import { mkdir, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { commandCwd } from './io.js'
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
    // One log line per day's file, each naming it: a failure says which line.
    expect(lines.slice(0, 3)).toEqual(
      ['20251030', '20251031', '20251101'].map((day) => expect.stringMatching(new RegExp(`^\\[\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z\\] \\[INFO\\] export:parquet file=query_perf_${day}\\.parquet rows=200 compressed_kb=\\d+ ratio=\\d+\\.\\d%$`))),
    )
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
    expect(bad.err()).toBe('parquetry demo: --days "many": expected a number\n(parquetry demo --help shows its options)\n')
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
    expect(JSON.parse(io.out())).toEqual({ error: '--start "2025-13-45": expected a real date as YYYY-MM-DD', code: 'USAGE' })
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

describe('messages a new user meets', () => {
  const run = async (args: string[], options: { notes?: boolean } = {}) => {
    const io = captureIo(dir.path, false, options)
    const code = await runCli(args, io)
    return { code, out: io.out(), err: io.err() }
  }

  it('an unknown command or option names the nearest one; a flag without its value, or with a bad one, says what is expected', async () => {
    expect(await run(['exprot'])).toMatchObject({ code: 2, err: expect.stringMatching(/^parquetry: unknown command "exprot"; did you mean "export"\? \(parquetry export --help\)\n/) })
    expect(await run(['verfiy'])).toMatchObject({ code: 2, err: expect.stringMatching(/did you mean "verify"\?/) })
    expect((await run(['xyzzy'])).err).not.toContain('did you mean')
    const cases: [string[], string][] = [
      [['export', '--histrical'], 'parquetry export: unknown option --histrical; did you mean --historical? (options: --config, --json, --quiet, --verbose, --date, --from, --to, --historical, --dry-run, --force, --delete-after-export, --summary, --timeout, --wait)'],
      [['export', '--date'], 'parquetry export: --date needs a value (YYYY-MM-DD)'],
      [['export', '--date', '--force'], 'parquetry export: --date needs a value (YYYY-MM-DD), and the word after it looks like an option; a value that starts with a dash is written --date=-…'],
      [['export', '--date', '2025-02-30'], 'parquetry export: --date "2025-02-30": expected a real date as YYYY-MM-DD'],
      [['export', '--timeout', 'abc'], 'parquetry export: --timeout "abc": expected a number (seconds)'],
      [['export', '--timeout', '-3'], 'parquetry export: --timeout needs a value (seconds), and the word after it looks like an option; a value that starts with a dash is written --timeout=-…'],
      [['export', '--timeout=-3'], 'parquetry export: --timeout "-3": expected a number above 0 (seconds)'],
      [['export', '--force=yes'], 'parquetry export: --force takes no value (it is a switch: --force alone)'],
      [['catalog'], 'parquetry catalog: --out is required'],
      [['catalog', '--out', 'x.duckdb', 'extra'], 'parquetry catalog: unexpected argument "extra": this command takes options only'],
    ]
    for (const [args, message] of cases) {
      const result = await run(args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.err, args.join(' ')).toBe(`${message}\n(parquetry ${args[0]} --help shows its options)\n`)
    }
  })

  it('help <command>, version and --quiet', async () => {
    expect(await run(['help', 'export'])).toMatchObject({ code: 0, out: expect.stringMatching(/^Usage: parquetry export /) })
    expect(await run(['help', 'exprot'])).toMatchObject({ code: 2, err: expect.stringContaining('did you mean "export"?') })
    expect(await run(['version'])).toMatchObject({ code: 0, out: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) })
    expect(await run(['help'])).toMatchObject({ code: 0, out: expect.stringContaining('pnpm -s parquetry') })
  })

  it('says which config it loaded, or that it uses the defaults and how to write one; quiet under --json and --quiet', async () => {
    const none = await run(['describe'], { notes: true })
    expect(none.err.split('\n')).toEqual([
      `parquetry: no parquetry.config.json in ${dir.path}; using the defaults (inputs ./g/reports, ./knowledge/optimize, output ./knowledge/optimize/parquet); run \`parquetry init\` to write one, or pass --config FILE`,
      'parquetry: the output ./knowledge/optimize/parquet does not exist yet, so there are no files to read (`parquetry export` writes them there)',
      '',
    ])
    expect((await run(['describe', '--json'], { notes: true })).err).toBe('')
    expect((await run(['describe', '--quiet'], { notes: true })).err).toBe('')
    expect((await run(['describe', '-q'], { notes: true })).err).toBe('')
    await writeFile(join(dir.path, 'parquetry.config.json'), '{}')
    await mkdir(join(dir.path, 'knowledge/optimize/parquet'), { recursive: true })
    expect((await run(['describe'], { notes: true })).err).toBe('parquetry: config ./parquetry.config.json\n')
    await mkdir(join(dir.path, 'elsewhere'))
    await writeFile(join(dir.path, 'elsewhere/p.json'), '{}')
    await mkdir(join(dir.path, 'elsewhere/knowledge/optimize/parquet'), { recursive: true })
    expect((await run(['describe', '--config', 'elsewhere/p.json'], { notes: true })).err).toBe('parquetry: config ./elsewhere/p.json\n')
  })

  it('--verbose also lists the settings in force', async () => {
    await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ timezone: 'Asia/Bangkok', codec: 'ZSTD', datasets: { index_advisor: { enabled: false } } }))
    const { err } = await run(['describe', '--verbose'], { notes: true })
    expect(err.split('\n')).toEqual([
      'parquetry: config ./parquetry.config.json',
      'parquetry:   output ./knowledge/optimize/parquet',
      'parquetry:   timezone Asia/Bangkok',
      'parquetry:   codec ZSTD, row groups of 100,000 rows',
      // A config that lists datasets has those only.
      'parquetry:   dataset index_advisor (disabled) from ./knowledge/optimize',
      'parquetry: the output ./knowledge/optimize/parquet does not exist yet, so there are no files to read (`parquetry export` writes them there)',
      '',
    ])
  })

  it('run through pnpm (a package script), the working directory is the one the user ran it in', () => {
    const script = { INIT_CWD: '/home/me/examples/ops', npm_package_json: '/repo/package.json', npm_lifecycle_event: 'parquetry' }
    expect(commandCwd(script, '/repo')).toBe('/home/me/examples/ops')
    // A process a script starts in a folder of its own inherits the variables, and keeps its folder.
    expect(commandCwd(script, '/tmp/job')).toBe('/tmp/job')
    expect(commandCwd({ INIT_CWD: '/stale' }, '/repo')).toBe('/repo')
    expect(commandCwd({}, '/repo')).toBe('/repo')
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
