import { DuckDBInstance } from '@duckdb/node-api'
import { duckDbQuery, readParquetRows, useTempDir } from '@parquetry/testing'
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { runCli } from '../run-cli.js'
import { captureIo } from '../test-io.js'

const dir = useTempDir({ each: true })

async function cli(...args: string[]) {
  const io = captureIo(dir.path)
  const code = await runCli(args, io)
  return { code, out: io.out(), err: io.err() }
}

// The dataset exactly as the issue declares it.
const ordersConfig = {
  datasets: {
    orders: {
      format: 'csv',
      input: 'data/orders',
      pattern: 'orders_{yyyymmdd}.csv',
      columns: [
        { name: 'order_id', type: 'int64', nullable: false },
        { name: 'customer', type: 'string' },
        { name: 'amount', type: 'double' },
        { name: 'currency', type: 'string', nullable: false },
        { name: 'created_at', type: 'timestamp', nullable: false },
        { name: 'is_test', type: 'boolean' },
      ],
      dateColumn: 'created_at',
      output: 'orders/currency={currency}/date={date}/orders_{yyyymmdd}.parquet',
    },
  },
}

// Two days of orders: three currencies, one of them ("A/B=x") only writable hive-escaped,
// an id past 2^53, timestamps with offsets (one lands on the next UTC day), and bad rows.
const currencies = ['EUR', 'USD', 'A/B=x']
function day(date: string, from: number): string {
  const lines = ['order_id,customer,amount,currency,created_at,is_test']
  for (let index = 0; index < 150; index++) {
    const id = from + index
    lines.push(`${id},cust${id % 7},${(id * 1.25).toFixed(2)},${currencies[id % 3]},${date}T${String(index % 24).padStart(2, '0')}:15:00+00:00,${id % 10 === 0}`)
  }
  return `${lines.join('\n')}\n`
}

beforeEach(async () => {
  await mkdir(join(dir.path, 'data/orders'), { recursive: true })
  await writeFile(join(dir.path, 'parquetry.config.json'), JSON.stringify(ordersConfig, null, 2))
  await writeFile(
    join(dir.path, 'data/orders/orders_20251027.csv'),
    `${day('2025-10-27', 1)}9007199254740993,big,10.5,EUR,2025-10-27T21:30:00-05:00,false\nnot-a-number,bad,1,EUR,2025-10-27T10:00:00Z,false\n`,
  )
  await writeFile(join(dir.path, 'data/orders/orders_20251028.csv'), `${day('2025-10-28', 1001)}2000,nobody,3.0,USD,yesterday,false\n`)
})

const root = () => join(dir.path, 'knowledge/optimize/parquet')

describe('a dataset declared in parquetry.config.json', () => {
  it('exports, skips on a rerun, and answers queries from typed views', async () => {
    const first = await cli('export', '--historical')
    expect(first.code).toBe(0)
    // Each bad row is rejected with its file, line, column and value; under 1%, the files are written.
    expect(first.err).toContain('data/orders/orders_20251027.csv:153: column order_id: "not-a-number": expected an integer')
    expect(first.err).toMatch(/data\/orders\/orders_20251028\.csv:152: column created_at: "yesterday"/)
    const files = (await readdir(join(root(), 'orders'), { recursive: true })).filter((name) => name.endsWith('.parquet')).sort()
    expect(files).toEqual([
      'currency=A%2FB%3Dx/date=2025-10-27/orders_20251027.parquet',
      'currency=A%2FB%3Dx/date=2025-10-28/orders_20251028.parquet',
      'currency=EUR/date=2025-10-27/orders_20251027.parquet',
      'currency=EUR/date=2025-10-28/orders_20251028.parquet',
      'currency=USD/date=2025-10-27/orders_20251027.parquet',
      'currency=USD/date=2025-10-28/orders_20251028.parquet',
    ])
    // 21:30 at UTC-5 is 02:30 UTC the next day: the row is in the 28th's EUR file.
    const [late] = await duckDbQuery("SELECT order_id::VARCHAR AS id, created_at::VARCHAR AS at FROM read_parquet($1) WHERE customer = 'big'", [join(root(), 'orders/currency=EUR/date=2025-10-28/orders_20251028.parquet')])
    expect(late).toEqual({ id: '9007199254740993', at: '2025-10-28 02:30:00' })
    // Read back exactly by a second reader.
    const rows = await readParquetRows(join(root(), 'orders/currency=EUR/date=2025-10-28/orders_20251028.parquet'))
    expect(rows.find((row) => row['customer'] === 'big')).toEqual({ order_id: 9007199254740993n, customer: 'big', amount: 10.5, currency: 'EUR', created_at: 1761618600000000n, is_test: false })
    // The 28th's 50 EUR orders and the late one of the 27th: nothing but EUR in the EUR folder.
    expect(rows.map((row) => row['currency'])).toEqual(Array.from({ length: 51 }, () => 'EUR'))

    const mtime = (await stat(join(root(), 'orders/currency=USD/date=2025-10-27/orders_20251027.parquet'))).mtimeMs
    const second = await cli('export', '--historical')
    expect(second.code).toBe(0)
    // One line per file, day by day, each saying it was skipped: a failure names the line.
    const skipped = ['2025-10-27', '2025-10-28'].flatMap((date) => ['A%2FB%3Dx', 'EUR', 'USD'].map((currency) => `orders/currency=${currency}/date=${date}/orders_${date.replaceAll('-', '')}.parquet`))
    expect(second.out.trim().split('\n').slice(0, -1).map((line) => line.replace(/^\[\d{4}-\d{2}-\d{2}T[\d:.]+Z\] /, ''))).toEqual(
      skipped.map((file) => `[INFO] export:parquet file="${file}" already exists, skipping`),
    )
    expect(second.out.trim().split('\n').at(-1)).toMatch(/^✓ Export complete \(0 new files, 6 skipped\)/)
    expect((await stat(join(root(), 'orders/currency=USD/date=2025-10-27/orders_20251027.parquet'))).mtimeMs).toBe(mtime)

    const query = await cli('query', 'SELECT currency, count(*) FROM orders GROUP BY 1 ORDER BY 1', '--format', 'json')
    expect(query.code).toBe(0)
    expect(JSON.parse(query.out)).toEqual([
      { currency: 'A/B=x', 'count_star()': 100 },
      { currency: 'EUR', 'count_star()': 101 },
      { currency: 'USD', 'count_star()': 100 },
    ])
    const typed = JSON.parse((await cli('query', "SELECT typeof(date) AS d, typeof(currency) AS c, typeof(order_id) AS o, count(*) AS n FROM orders WHERE date = DATE '2025-10-28' GROUP BY ALL", '--format', 'json')).out)
    expect(typed).toEqual([{ d: 'DATE', c: 'VARCHAR', o: 'BIGINT', n: 151 }])
  })

  it('status, verify, describe, catalog and dry runs serve it with the same flags as the presets', async () => {
    await cli('export', '--historical')
    const status = JSON.parse((await cli('status', '--json')).out) as { datasets: { dataset: string; files: number; rows: number; lastDate: string; yesterday: { path: string } }[] }
    expect(status.datasets).toEqual([expect.objectContaining({ dataset: 'orders', files: 6, rows: 301, lastDate: '2025-10-28' })])
    expect(status.datasets[0]?.yesterday.path).toMatch(/^orders\/currency=\*\/date=\d{4}-\d{2}-\d{2}\/orders_\d{8}\.parquet$/)

    const verify = await cli('verify', '--from', '2025-10-26', '--to', '2025-10-28')
    expect(verify.code).toBe(1)
    expect(verify.err).toContain('✗ orders/currency=*/date=2025-10-26/orders_20251026.parquet: missing (orders, 2025-10-26)\n✗ 6 of 6 files verified, 1 missing\n')
    expect(verify.out).toBe('')
    expect((await cli('verify', 'orders', '--date', '2025-10-27')).out).toBe('✓ 3 of 3 files verified\n')

    const described = JSON.parse((await cli('describe', 'orders', '--json')).out) as { files: number; columns: { name: string; type: string }[] }[]
    expect(described[0]?.files).toBe(6)
    expect(described[0]?.columns.map((column) => `${column.name} ${column.type}`)).toEqual([
      'order_id BIGINT', 'customer VARCHAR', 'amount DOUBLE', 'currency VARCHAR', 'created_at TIMESTAMP', 'is_test BOOLEAN', 'date DATE',
    ])

    const catalog = await cli('catalog', '--out', 'orders.duckdb')
    expect(catalog.code).toBe(0)
    const instance = await DuckDBInstance.create(join(dir.path, 'orders.duckdb'))
    const connection = await instance.connect()
    try {
      expect((await connection.runAndReadAll("SELECT count(*) AS n FROM orders WHERE currency = 'A/B=x'")).getRowObjects()).toEqual([{ n: 100n }])
    } finally {
      connection.closeSync()
      instance.closeSync()
    }

    await writeFile(join(dir.path, 'data/orders/orders_20251029.csv'), day('2025-10-29', 5001))
    const dry = await cli('export', 'orders', '--date', '2025-10-29', '--dry-run')
    // The 28th's input is known (from its own date's footers) not to feed the 29th: not read again.
    expect(dry.out.split('\n')).toEqual([
      expect.stringMatching(/^✓ Found orders_20251029\.csv/),
      '→ Would create orders/currency=A%2FB%3Dx/date=2025-10-29/orders_20251029.parquet (50 rows)',
      '→ Would create orders/currency=EUR/date=2025-10-29/orders_20251029.parquet (50 rows)',
      '→ Would create orders/currency=USD/date=2025-10-29/orders_20251029.parquet (50 rows)',
      'DRY RUN - no files written',
      '',
    ])
    expect((await readdir(join(root(), 'orders/currency=EUR'))).sort()).toEqual(['date=2025-10-27', 'date=2025-10-28'])
    // The rejects of every input are in files of their own.
    expect((await readFile(join(root(), '_rejects/orders/orders_20251027.csv.rejects.ndjson'), 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { line: number }).line)).toEqual([153])
  })
})
