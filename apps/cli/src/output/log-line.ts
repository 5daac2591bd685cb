export { formatLogLine } from '@parquetry/pipeline'
export type { LogLevel } from '@parquetry/pipeline'

/** Percent of space saved, one decimal: `82.7%` for 127 KB → 22 KB. */
export function formatRatio(originalBytes: number, compressedBytes: number): string {
  if (originalBytes <= 0) return '0.0%'
  return `${((1 - compressedBytes / originalBytes) * 100).toFixed(1)}%`
}
