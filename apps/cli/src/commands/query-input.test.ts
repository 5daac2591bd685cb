import { useTempDir } from '@parquetry/testing'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { formatNumber, renderTable } from '../output/table.js'
import { runCli } from '../run-cli.js'
import { captureIo } from '../test-io.js'

// Where query's SQL comes from, and tables people read.
const dir = useTempDir({ each: true })

beforeEach(async () => {
  await mkdir(join(dir.path, 'knowledge/optimize/parquet'), { recursive: true })
})

async function query(args: string[], options: { stdin?: string; isTTY?: boolean; columns?: number; notes?: boolean } = {}) {
  const io = captureIo(dir.path, options.isTTY ?? false, { notes: options.notes ?? false })
  if (options.columns !== undefined) Object.assign(io.stdout, { columns: options.columns })
  if (options.stdin !== undefined) io.readStdin = async () => options.stdin as string
  const code = await runCli(['query', ...args], io)
  return { code, out: io.out(), err: io.err() }
}

describe('parquetry query: where the SQL comes from', () => {
  it('--file FILE reads it from a file, relative to where the command runs', async () => {
    await writeFile(join(dir.path, 'q.sql'), 'SELECT 41 + 1 AS answer\n')
    const { code, out } = await query(['--file', 'q.sql'])
    expect(out).toBe('{"answer":42}\n')
    expect(code).toBe(0)
  })

  it('- reads it from standard input', async () => {
    const { code, out } = await query(['-', '--format', 'csv'], { stdin: "SELECT 'a,b' AS text, 2 AS n" })
    expect(out).toBe('text,n\n"a,b",2\n')
    expect(code).toBe(0)
  })

  it('says what is wrong with the SQL source, exit 2', async () => {
    const cases: [string[], string][] = [
      [[], 'give the SQL to run: parquetry query "SELECT ...", --file FILE, or - to read it from standard input'],
      [['SELECT', '1'], 'give the SQL as one argument (quote it): got 2 arguments, "SELECT" "1"'],
      [['--file', 'nope.sql'], '--file nope.sql: cannot read it (ENOENT)'],
      [['--file', 'q.sql', 'SELECT 1'], 'give the SQL either as an argument or with --file, not both (got --file q.sql and "SELECT 1")'],
      [['   '], 'the SQL argument holds no SQL'],
    ]
    for (const [args, message] of cases) {
      const { code, err } = await query(args)
      expect(err.split('\n')[0], args.join(' ')).toBe(`parquetry query: ${message}`)
      expect(code, args.join(' ')).toBe(2)
    }
    const empty = await query(['-'], { stdin: '\n' })
    expect(empty.err.split('\n')[0]).toBe('parquetry query: standard input holds no SQL')
  })
})

describe('parquetry query: several statements', () => {
  it('prints each result in turn, in every format', async () => {
    const sql = 'SELECT 1 AS a; SELECT 2 AS b, NULL AS c'
    expect((await query([sql, '--format', 'json'])).out).toBe('[{"a":1}]\n[{"b":2,"c":null}]\n')
    expect((await query([sql])).out).toBe('{"a":1}\n{"b":2,"c":null}\n')
    expect((await query([sql, '--format', 'csv'])).out).toBe('a\n1\n\nb,c\n2,\n')
    expect((await query([sql, '--format', 'table'])).out).toBe('a\n-\n1\n\nb     c\n-  ----\n2  NULL\n')
  })

  it('a statement without columns prints nothing; the next one sees what it made', async () => {
    const { code, out } = await query(['CREATE TEMP TABLE t AS SELECT 42 AS x; SELECT x FROM t'])
    expect(out).toBe('{"x":42}\n')
    expect(code).toBe(0)
  })

  it('--param with several statements is a usage error naming the count', async () => {
    const { code, err } = await query(['SELECT $n AS a; SELECT 2 AS b', '--param', 'n=1'])
    expect(err).toMatch(/^parquetry query: .*parameters .* 2/)
    expect(code).toBe(2)
  })
})

describe('parquetry query: NDJSON streams', () => {
  it('every row of a result many batches long, in order, BIGINT exact', async () => {
    const { code, out } = await query(['SELECT range AS i, range + 9007199254740000 AS big FROM range(5000) ORDER BY i'])
    const lines = out.trim().split('\n')
    expect(lines).toHaveLength(5000)
    expect(lines[0]).toBe('{"i":0,"big":9007199254740000}')
    expect(lines[4999]).toBe('{"i":4999,"big":9007199254744999}')
    expect(lines.filter((line, index) => line !== `{"i":${index},"big":${9007199254740000n + BigInt(index)}}`)).toEqual([])
    expect(code).toBe(0)
    const strings = await query(['SELECT 9007199254740993::BIGINT AS big', '--bigint-strings'])
    expect(strings.out).toBe('{"big":"9007199254740993"}\n')
  })
})

describe('parquetry query: integers inside lists and structs', () => {
  it('are written the same, with every digit, whether the result streams or not', async () => {
    const sql = "SELECT [1::BIGINT, 9007199254740993] AS l, {'a': 3::BIGINT} AS s"
    const expected = '{"l":[1,9007199254740993],"s":{"a":3}}'
    expect((await query([sql])).out).toBe(`${expected}\n`)
    expect((await query([`SET threads = 1; ${sql}`])).out).toBe(`${expected}\n`)
    expect((await query([sql, '--format', 'json'])).out).toBe(`[${expected}]\n`)
    expect((await query([sql, '--bigint-strings'])).out).toBe('{"l":["1","9007199254740993"],"s":{"a":"3"}}\n')
    expect((await query([sql, '--format', 'table'])).out.split('\n')[2]).toBe('[1,"9007199254740993"]  {"a":3}')
  })

  it('a stream that fails after its first rows exits 1 and says how far it got: never a success with rows missing', async () => {
    const { code, out, err } = await query(["SELECT CASE WHEN range < 1000000 THEN range ELSE error('boom') END AS v FROM range(2000000)"])
    const given = out === '' ? 0 : out.trim().split('\n').length
    expect(given).toBeLessThan(2_000_000)
    expect(err).toContain(`stream failed after ${given} rows`)
    expect(code).toBe(1)
  })

  it('a stream waits for a slow reader between batches', async () => {
    const io = captureIo(dir.path)
    let waits = 0
    Object.assign(io.stdout, { drained: async () => void waits++ })
    expect(await runCli(['query', 'SELECT range AS i FROM range(10000)'], io)).toBe(0)
    expect(io.out().trim().split('\n')).toHaveLength(10000)
    // DuckDB's chunks are 2,048 rows: five batches, a wait after each.
    expect(waits).toBe(5)
  })
})

describe('tables', () => {
  it('round DECIMAL values exactly, whatever their digits', async () => {
    const { out } = await query(["SELECT 440.60::DECIMAL(10,2) AS a, 1.23456::DECIMAL(10,5) AS b, 12345678901234567890.995::DECIMAL(38,3) AS c", '--format', 'table'])
    expect(out.split('\n')[2]).toBe('440.6  1.23  12345678901234567891')
  })

  it('round decimals as the export summary does, keep integers whole, and keep csv/json exact', async () => {
    expect([56.816666666666656, 3, -2.5, 0.000123456, 1e21, Number.NaN].map(formatNumber)).toEqual(['56.82', '3', '-2.5', '0.0001235', '1e+21', 'NaN'])
    const table = await query(['SELECT 56.816666666666656::DOUBLE AS avg_ms', '--format', 'table'])
    expect(table.out).toBe('avg_ms\n------\n 56.82\n')
    const json = await query(['SELECT 56.816666666666656::DOUBLE AS avg_ms', '--format', 'json'])
    expect(json.out).toBe('[{"avg_ms":56.816666666666656}]\n')
  })

  it('align NULL with its column, and tell NULL from the text NULL', () => {
    const { text } = renderTable(
      [
        { name: 'a', n: 1, big: '9007199254740993' },
        { name: null, n: null, big: null },
        { name: 'NULL', n: 10, big: '5' },
      ],
      [{ name: 'name', type: 'VARCHAR' }, { name: 'n', type: 'INTEGER' }, { name: 'big', type: 'BIGINT' }],
    )
    expect(text.split('\n')).toEqual(['name       n               big', '------  ----  ----------------', 'a          1  9007199254740993', 'NULL    NULL              NULL', "'NULL'    10                 5", ''])
  })

  it('fit a terminal: the widest text columns are cut with …, and stderr says how to see them whole', async () => {
    const sql = `SELECT 'short' AS a, repeat('x', 100) AS long_text, 12345 AS n`
    const { out, err } = await query([sql], { isTTY: true, columns: 40, notes: true })
    const lines = out.split('\n')
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(40)
    expect(lines[2]).toMatch(/^short  x+…  12345$/)
    expect(err.split('\n').at(-2)).toBe("parquetry: 1 value cut to fit the terminal's 40 columns (… marks them); --format csv or json prints every value whole")
    // Piped, --format table prints everything.
    const piped = await query([sql, '--format', 'table'], { notes: true })
    expect(piped.out.split('\n')[2]).toBe(`short  ${'x'.repeat(100)}  12345`)
    expect(piped.err).toBe('parquetry: no parquetry.config.json in ' + dir.path + '; using the defaults (inputs ./g/reports, ./knowledge/optimize, output ./knowledge/optimize/parquet); run `parquetry init` to write one, or pass --config FILE\n')
  })
})

describe('the output root', () => {
  it('a file where the output folder should be is an error, not 0 rows', async () => {
    await writeFile(join(dir.path, 'out.txt'), 'not a folder')
    await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ output: 'out.txt' }))
    const { code, err, out } = await query(['SELECT count(*) AS n FROM query_performance'])
    expect(out).toBe('')
    expect(err).toBe('parquetry query: the output ./out.txt is a file, not a folder: point "output" in the config (or --config) at the folder the export writes to\n')
    expect(code).toBe(1)
  })

  it('a view the SQL names that reads no files is named on stderr; verify of nothing says there was nothing', async () => {
    const io = captureIo(dir.path, false, { notes: true })
    expect(await runCli(['query', 'SELECT count(*) AS n FROM Query_Performance'], io)).toBe(0)
    expect(io.out()).toBe('{"n":0}\n')
    expect(io.err().split('\n').slice(1)).toEqual(['parquetry: query_performance reads no files: query_perf has none under ./knowledge/optimize/parquet', ''])
    const verify = captureIo(dir.path)
    expect(await runCli(['verify'], verify)).toBe(0)
    expect(verify.out()).toBe('- no files to verify under ./knowledge/optimize/parquet (parquetry export writes them)\n')
  })

  it('a folder not there yet reads as empty, with a note saying why', async () => {
    await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify({ output: 'not-yet' }))
    const io = captureIo(dir.path, false, { notes: true })
    const code = await runCli(['query', 'SELECT count(*) AS n FROM query_performance'], io)
    expect(io.out()).toBe('{"n":0}\n')
    expect(io.err().split('\n')).toEqual([
      'parquetry: config ./parquetry.config.json',
      'parquetry: the output ./not-yet does not exist yet, so there are no files to read (`parquetry export` writes them there)',
      'parquetry: query_performance reads no files: query_perf has none under ./not-yet',
      '',
    ])
    expect(code).toBe(0)
  })
})
