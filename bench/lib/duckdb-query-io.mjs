// Runs one DuckDB query in this (fresh) process and prints, as its last
// stdout line, its wall time, the CPU time of all of DuckDB's threads (less
// disturbed than wall time by other work on the machine), the rows it
// returned and the bytes this process read while it ran, from /proc/self/io
// (`rchar`: every byte read(2)/pread(2) returned, page cache or not — what a
// remote reader would have fetched; `read_bytes`: what came from the block device):
//   DUCKDB_QUERY {"ms":12.3,"cpuMs":20.1,"rchar":123456,"readBytes":0,"reads":42,"rows":[…]}
// Input: one JSON argument { sql, params, threads? }; params are bound, never interpolated.
import { DuckDBInstance, listValue } from '@duckdb/node-api'
import { readFileSync } from 'node:fs'

function io() {
  const fields = Object.fromEntries(
    readFileSync('/proc/self/io', 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(': '))
      .map(([key, value]) => [key, Number(value)]),
  )
  return { rchar: fields.rchar, readBytes: fields.read_bytes, reads: fields.syscr }
}

const { sql, params, threads } = JSON.parse(process.argv[2])
const instance = await DuckDBInstance.create(':memory:', threads ? { threads: String(threads) } : {})
const connection = await instance.connect()
const before = io()
const cpu = process.cpuUsage()
const started = performance.now()
const reader = await connection.runAndReadAll(sql, params.map((param) => (Array.isArray(param) ? listValue(param) : param)))
const ms = performance.now() - started
const { user, system } = process.cpuUsage(cpu)
const after = io()
const rows = reader.getRowObjectsJson()
connection.closeSync()
console.log(`DUCKDB_QUERY ${JSON.stringify({ ms, cpuMs: (user + system) / 1000, rchar: after.rchar - before.rchar, readBytes: after.readBytes - before.readBytes, reads: after.reads - before.reads, rows })}`)
