// Typed query_perf rows shaped like a real day's: times in order with random
// gaps, a long tail of query hashes, log-normal durations with three decimals,
// a few nulls. Seeded, so every run compresses the same bytes.

/** A seeded pseudo-random generator (mulberry32) returning numbers in [0, 1). */
export function seededRandom(seed) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let value = Math.imul(state ^ (state >>> 15), 1 | state)
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296
  }
}

const types = ['SELECT', 'SELECT', 'SELECT', 'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'WITH']
const tables = ['embeddings', 'query_log', 'documents', 'users', 'sessions', 'events', 'orders', 'invoices', 'audit_trail', 'feature_flags']
const indexes = ['idx_namespace', 'PRIMARY', null, 'idx_created_at', 'idx_users_email', 'idx_orders_customer_id', null]

/** `count` rows of one day (2025-10-28, UTC), as @parquetry/writer takes them. */
export function* queryPerfRows(count, seed = 20251028) {
  const random = seededRandom(seed)
  const hashes = Array.from({ length: 20_000 }, () => Math.floor(random() * 2 ** 32).toString(16).padStart(8, '0').slice(0, 6))
  let time = 1761609600000000n // 2025-10-28T00:00:00Z
  const step = Math.floor(86_400_000_000 / count)
  for (let index = 0; index < count; index++) {
    time += BigInt(Math.floor(random() * 2 * step))
    // A long tail: most queries are a few hundred hot hashes.
    const hash = hashes[Math.floor(random() ** 3 * hashes.length)]
    const duration = Math.round(Math.exp(random() * 4 + random() * 3 - 2) * 1000) / 1000
    const examined = BigInt(Math.floor(random() ** 2 * 5_000_000))
    yield {
      timestamp: time,
      query_hash: hash,
      query_type: types[Math.floor(random() * types.length)],
      execution_time_ms: duration,
      rows_examined: examined,
      rows_returned: random() < 0.02 ? null : examined / BigInt(1 + Math.floor(random() * 1000)),
      cache_hit: random() < 0.3,
      table_name: tables[Math.floor(random() ** 2 * tables.length)],
      index_used: indexes[Math.floor(random() * indexes.length)],
      cpu_time_ms: Math.round(duration * random() * 1000) / 1000,
      io_wait_ms: random() < 0.25 ? null : Math.round(duration * random() * 100) / 100,
      date_partition: '2025-10-28',
    }
  }
}
