// Runs one DuckDB statement (a COPY … TO '….parquet') in this process and
// prints what it cost, measured like lib/measured-cli.mjs measures parquetry:
//   node bench/lib/duckdb-copy.mjs "COPY (…) TO '….parquet' (FORMAT parquet)"
// prints DUCKDB_MEASURE {"seconds":…,"cpuSeconds":…,"maxRssMb":…,"rows":…}
// `seconds` runs from before the in-memory database is created to the end of
// the COPY; `rows` is the count the COPY reports. CPU (user + system, every
// thread of DuckDB's) and peak RSS are the whole process's.
import { DuckDBInstance } from '@duckdb/node-api'

const [sql] = process.argv.slice(2)
if (!sql) {
  process.stderr.write('usage: node bench/lib/duckdb-copy.mjs "COPY … TO …"\n')
  process.exit(2)
}
const started = performance.now()
const instance = await DuckDBInstance.create(':memory:')
const connection = await instance.connect()
const result = await connection.run(sql)
const rows = Number(result.rowsChanged)
const seconds = (performance.now() - started) / 1000
connection.closeSync()
instance.closeSync?.()
const cpu = process.cpuUsage()
console.log(`DUCKDB_MEASURE ${JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024), rows })}`)
