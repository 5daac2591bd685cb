import { ParquetryError } from '@parquetry/schema'
import { createLocalStorage, isS3Url, type Storage } from '@parquetry/storage'

/** S3 settings for an `s3://` location (credentials come from the AWS variables and profiles). */
export interface S3Settings {
  endpoint?: string
  region?: string
  forcePathStyle?: boolean
  /** Multipart part size in bytes (at least 5 MiB). Default 8 MiB. */
  partSize?: number
}

/**
 * The storage of a location: a local folder, or `s3://bucket/prefix` through
 * `@parquetry/storage/s3` (loaded only then, with the AWS SDK).
 *
 * @throws ParquetryError `CONFIG_INVALID` when an s3:// location is used without `@aws-sdk/client-s3` installed.
 */
export async function openStorage(location: string, options: { s3?: S3Settings; env?: Readonly<Record<string, string | undefined>> } = {}): Promise<Storage> {
  if (!isS3Url(location)) return createLocalStorage({ root: location })
  let module: typeof import('@parquetry/storage/s3')
  try {
    module = await import('@parquetry/storage/s3')
  } catch (error) {
    throw new ParquetryError('CONFIG_INVALID', `${location}: an s3:// location needs the AWS SDK: npm install @aws-sdk/client-s3 (${(error as Error).message})`, { cause: error })
  }
  return module.createS3Storage({ url: location, ...options.s3, ...(options.env ? { env: options.env } : {}) })
}

/** A path in a storage as people read it: an absolute file path, or the object's URL. */
export function describePath(storage: Storage, path: string): string {
  const local = storage as Storage & { resolvePath?: (path: string) => string }
  return local.resolvePath ? local.resolvePath(path) : `${storage.url}/${path}`
}
