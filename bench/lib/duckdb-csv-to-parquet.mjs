// DuckDB's own CSV → Parquet (what a user would run instead of parquetry):
//   node bench/lib/duckdb-csv-to-parquet.mjs in.csv out.parquet
// prints DUCKDB_MEASURE {"seconds":…,"cpuSeconds":…,"maxRssMb":…,"rows":…}
import { DuckDBInstance } from '@duckdb/node-api'

const [input, output] = process.argv.slice(2)
const started = performance.now()
const instance = await DuckDBInstance.create(':memory:')
const connection = await instance.connect()
// COPY takes no parameters: the two paths (this benchmark's own temporary files) are quoted literals.
const literal = (text) => `'${text.replaceAll("'", "''")}'`
await connection.run(`COPY (SELECT * FROM read_csv(${literal(input)})) TO ${literal(output)} (FORMAT parquet)`)
const rows = Number((await connection.runAndReadAll('SELECT count(*) AS n FROM read_parquet($1)', [output])).getRowObjects()[0].n)
const seconds = (performance.now() - started) / 1000
const cpu = process.cpuUsage()
connection.closeSync()
console.log(`DUCKDB_MEASURE ${JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), rows })}`)
