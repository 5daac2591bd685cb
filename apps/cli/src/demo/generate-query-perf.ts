import { daysFromCivil, formatTimestamp, type Row } from '@parquetry/schema'

// Deterministic pseudo-random numbers (mulberry32), so the demo's output is the same on every machine.
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = state
    value = Math.imul(value ^ (value >>> 15), value | 1)
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61)
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}

const tables: [string, string[]][] = [
  ['embeddings', ['idx_namespace', 'idx_embedding_vector', '']],
  ['query_log', ['PRIMARY', 'idx_created_at']],
  ['documents', ['PRIMARY', 'idx_documents_slug', '']],
  ['users', ['PRIMARY', 'idx_users_email']],
  ['sessions', ['idx_sessions_token', '']],
]
const queryTypes: [string, number][] = [['SELECT', 0.72], ['INSERT', 0.14], ['UPDATE', 0.1], ['DELETE', 0.04]]

/** Options for {@link generateQueryPerfDay}. */
export interface GenerateQueryPerfOptions {
  /** The day, `YYYY-MM-DD`. */
  date: string
  rows: number
  /** Seed for the generator; the same seed gives the same rows. Default: derived from the date. */
  seed?: number
}

/**
 * One day of realistic query_perf rows (typed), sorted by time: a few hundred
 * recurring query hashes, a skewed mix of statement types, log-normal latencies,
 * a third of reads served from cache, CPU and I/O time that add up to less than
 * the execution time.
 */
export function generateQueryPerfDay(options: GenerateQueryPerfOptions): Row[] {
  const [year, month, day] = options.date.split('-').map(Number) as [number, number, number]
  const dayStart = BigInt(daysFromCivil(year, month, day)) * 86_400_000_000n
  const next = random(options.seed ?? daysFromCivil(year, month, day))
  const offsets = Array.from({ length: options.rows }, () => Math.floor(next() * 86_400)).sort((a, b) => a - b)
  const hashes = Array.from({ length: 300 }, (_, index) => ((index * 2654435761) >>> 0).toString(16).padStart(8, '0').slice(0, 6))
  return offsets.map((offset) => {
    const [table, indexes] = tables[Math.floor(next() * tables.length)] as [string, string[]]
    let pick = next()
    let queryType = 'SELECT'
    for (const [type, share] of queryTypes) {
      if (pick < share) {
        queryType = type
        break
      }
      pick -= share
    }
    const read = queryType === 'SELECT'
    const cacheHit = read && next() < 0.33
    const execution = cacheHit ? 0.2 + next() * 2 : Math.exp(1.5 + next() * 2.5 + (next() < 0.02 ? 3 : 0))
    const examined = read ? Math.floor(Math.exp(next() * 9)) : 1
    const index = indexes[Math.floor(next() * indexes.length)] as string
    return {
      timestamp: dayStart + BigInt(offset) * 1_000_000n,
      query_hash: hashes[Math.floor(Math.pow(next(), 2) * hashes.length)] as string,
      query_type: queryType,
      execution_time_ms: Math.round(execution * 10) / 10,
      rows_examined: BigInt(examined),
      rows_returned: BigInt(read ? Math.max(0, Math.min(examined, Math.floor(next() * 50))) : 1),
      cache_hit: cacheHit,
      table_name: table,
      index_used: index === '' ? null : index,
      cpu_time_ms: Math.round(execution * (0.4 + next() * 0.3) * 10) / 10,
      io_wait_ms: cacheHit ? 0 : Math.round(execution * next() * 0.3 * 10) / 10,
      date_partition: options.date,
    }
  })
}

/** The rows as the seed's daily CSV would hold them (header + lines), for size comparisons. */
export function queryPerfCsv(rows: readonly Row[]): string {
  const header = 'timestamp,query_hash,query_type,execution_time_ms,rows_examined,rows_returned,cache_hit,table_name,index_used,cpu_time_ms,io_wait_ms\n'
  const lines = rows.map((row) =>
    [
      formatTimestamp(row['timestamp'] as bigint).replace('.000000Z', 'Z'),
      row['query_hash'], row['query_type'], row['execution_time_ms'], row['rows_examined'], row['rows_returned'],
      row['cache_hit'], row['table_name'], row['index_used'] ?? '', row['cpu_time_ms'], row['io_wait_ms'],
    ].join(','),
  )
  return header + lines.join('\n') + '\n'
}
