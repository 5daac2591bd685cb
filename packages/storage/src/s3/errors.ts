import { ParquetryError, wrapError } from '@parquetry/schema'

interface AwsError {
  name?: string
  Code?: string
  $metadata?: { httpStatusCode?: number }
}

/** The S3 error name (`NoSuchKey`, `PreconditionFailed`, ...) and HTTP status of an SDK error. */
export function s3ErrorKind(error: unknown): { name: string; status: number | undefined } {
  const aws = error as AwsError
  return { name: aws?.Code ?? aws?.name ?? 'Error', status: aws?.$metadata?.httpStatusCode }
}

/** True for "no such object" answers (GET/HEAD of a missing key). */
export function isNotFound(error: unknown): boolean {
  const { name, status } = s3ErrorKind(error)
  return status === 404 || name === 'NoSuchKey' || name === 'NotFound'
}

/** True when a conditional write did not hold. */
export function isPreconditionFailed(error: unknown): boolean {
  const { name, status } = s3ErrorKind(error)
  return status === 412 || name === 'PreconditionFailed' || status === 409 || name === 'ConditionalRequestConflict'
}

/** Wraps an SDK error once, naming the object; credentials never appear in SDK messages. */
export function storageError(error: unknown, message: string, details?: Record<string, unknown>): ParquetryError {
  if (error instanceof ParquetryError) return error
  if ((error as Error)?.name === 'AbortError') return new ParquetryError('ABORTED', `${message}: aborted`, { cause: error })
  const { name, status } = s3ErrorKind(error)
  return wrapError(error, 'STORAGE_FAILED', `${message} (${name}${status ? `, HTTP ${status}` : ''})`, details)
}
