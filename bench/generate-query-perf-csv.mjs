// Writes a query_perf daily CSV of N rows (the seed's columns) for the benchmarks.
import { createWriteStream } from 'node:fs'
import { once } from 'node:events'

const types = ['SELECT', 'SELECT', 'SELECT', 'INSERT', 'UPDATE', 'DELETE']
const tables = ['embeddings', 'query_log', 'documents', 'users', 'sessions']
const indexes = ['idx_namespace', 'PRIMARY', '', 'idx_created_at', 'idx_users_email']

/** Writes `rows` rows to `path`; returns the byte count. */
export async function generateQueryPerfCsv(path, rows) {
  const out = createWriteStream(path)
  let bytes = 0
  let text = 'timestamp,query_hash,query_type,execution_time_ms,rows_examined,rows_returned,cache_hit,table_name,index_used,cpu_time_ms,io_wait_ms\n'
  const start = Date.UTC(2025, 9, 28)
  for (let index = 0; index < rows; index++) {
    const spread = (index * 7919) % 1000
    const time = new Date(start + Math.floor((index / rows) * 86_400_000)).toISOString().replace('.000Z', 'Z')
    text += `${time},${((index * 2654435761) >>> 0).toString(16).slice(0, 6)},${types[index % 6]},${(spread / 10 + 0.3).toFixed(1)},${spread * 13},${spread % 50},${spread % 3 === 0},${tables[index % 5]},${indexes[(index >> 3) % 5]},${(spread / 17).toFixed(2)},${(spread / 29).toFixed(2)}\n`
    if (text.length > 1 << 20) {
      bytes += Buffer.byteLength(text)
      if (!out.write(text)) await once(out, 'drain')
      text = ''
    }
  }
  bytes += Buffer.byteLength(text)
  out.end(text)
  await once(out, 'finish')
  return bytes
}
