/** Severity of a log line. */
export type LogLevel = 'INFO' | 'WARN' | 'ERROR'

/**
 * A log line in seed 000's format:
 * `[TIMESTAMP] [LEVEL] export:parquet file=query_perf_20251028.parquet rows=1234 compressed_kb=22 ratio=82.7%`.
 * Values holding spaces, quotes or `=` are JSON-quoted so the line stays `key=value` parseable.
 */
export function formatLogLine(level: LogLevel, event: string, fields: Record<string, string | number>, now: Date = new Date()): string {
  const parts = Object.entries(fields).map(([key, value]) => {
    const text = String(value)
    return `${key}=${/[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text}`
  })
  return `[${now.toISOString()}] [${level}] ${event}${parts.length > 0 ? ` ${parts.join(' ')}` : ''}`
}
