import { ParquetryError } from '@parquetry/schema'

/** A usage error: bad flags or arguments. The CLI exits 2 on it. */
export function usageError(message: string): ParquetryError {
  return new ParquetryError('USAGE', message)
}
