// Writes N query_perf rows (default 5,000,000) into one Parquet file with
// @parquetry/writer and prints rows/s and peak RSS. Rows are generated on the
// fly, so memory is the writer's, not the input's. Then DuckDB checks the file.
//
//   node bench/writer-5m.mjs [--rows N] [--row-group N] [--codec SNAPPY|GZIP|BROTLI|UNCOMPRESSED] [--out DIR]
import { queryPerfSchema } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { ParquetFileWriter } from '@parquetry/writer'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { rows: { type: 'string' }, 'row-group': { type: 'string' }, codec: { type: 'string' }, out: { type: 'string' } },
})
const total = Number(values.rows ?? 5_000_000)
const rowGroupSize = Number(values['row-group'] ?? 100_000)
const codec = values.codec ?? 'SNAPPY'
const root = values.out ?? (await mkdtemp(join(tmpdir(), 'parquetry-bench-')))

const types = ['SELECT', 'SELECT', 'SELECT', 'INSERT', 'UPDATE', 'DELETE']
const tables = ['embeddings', 'query_log', 'documents', 'users', 'sessions']
const indexes = ['idx_namespace', 'PRIMARY', null, 'idx_created_at', 'idx_users_email']
const hashes = Array.from({ length: 500 }, (_, index) => ((index * 2654435761) >>> 0).toString(16).slice(0, 6))
const start = 1761609600000000n // 2025-10-28T00:00:00Z

const storage = createLocalStorage({ root })
const writer = await ParquetFileWriter.create({
  schema: queryPerfSchema,
  sink: await storage.createSink('query_perf/year=2025/month=10/query_perf_20251028.parquet'),
  rowGroupSize,
  codec,
})
const began = process.hrtime.bigint()
for (let index = 0; index < total; index++) {
  const spread = (index * 7919) % 1000
  const pending = writer.append({
    timestamp: start + BigInt(index) * 17_000n,
    query_hash: hashes[(index * 31) % 500],
    query_type: types[index % 6],
    execution_time_ms: spread / 10 + 0.3,
    rows_examined: BigInt(spread * 13),
    rows_returned: BigInt(spread % 50),
    cache_hit: spread % 3 === 0,
    table_name: tables[index % 5],
    index_used: indexes[(index >> 3) % 5],
    cpu_time_ms: spread / 17,
    io_wait_ms: index % 4 === 0 ? null : spread / 29,
    date_partition: '2025-10-28',
  })
  if (pending) await pending
}
const result = await writer.close()
const seconds = Number(process.hrtime.bigint() - began) / 1e9
const peakRssMb = process.resourceUsage().maxRSS / 1024

console.log(`rows:            ${result.rows.toLocaleString('en-US')}`)
console.log(`row groups:      ${result.rowGroups} x ${rowGroupSize.toLocaleString('en-US')} rows, ${codec}`)
console.log(`file:            ${(result.bytes / 1024 / 1024).toFixed(1)} MB`)
console.log(`time:            ${seconds.toFixed(2)} s`)
console.log(`rows/s:          ${Math.round(result.rows / seconds).toLocaleString('en-US')}`)
console.log(`peak RSS:        ${peakRssMb.toFixed(0)} MB (target < 300 MB) ${peakRssMb < 300 ? 'OK' : 'OVER'}`)

// Verification, after the figures (DuckDB's own memory is not the writer's).
const { DuckDBInstance } = await import('@duckdb/node-api')
const instance = await DuckDBInstance.create(':memory:')
const connection = await instance.connect()
const reader = await connection.runAndReadAll('SELECT count(*) AS n, count(io_wait_ms) AS io, max(timestamp) AS last FROM read_parquet($1)', [
  storage.resolvePath(result.path),
])
const [check] = reader.getRowObjectsJson()
const expectedIo = total - Math.ceil(total / 4)
const ok = Number(check.n) === total && Number(check.io) === expectedIo
console.log(`duckdb check:    count=${check.n} io_wait non-null=${check.io} last=${check.last} ${ok ? 'OK' : 'MISMATCH'}`)
connection.closeSync()
instance.closeSync()
if (!values.out) await rm(root, { recursive: true, force: true })
if (!ok || peakRssMb >= 300) process.exitCode = 1
