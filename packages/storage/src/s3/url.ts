import { ParquetryError } from '@parquetry/schema'
import { normalizePrefix } from '../paths.js'

/** A bucket and a key prefix (`''`, or ending in `/`). */
export interface S3Location {
  bucket: string
  prefix: string
}

/** True for an `s3://` URL. */
export function isS3Url(location: string): boolean {
  return /^s3:\/\//i.test(location)
}

/**
 * Parses `s3://bucket` or `s3://bucket/some/prefix` (a trailing `/` is
 * optional).
 *
 * @throws ParquetryError `CONFIG_INVALID` for anything else.
 */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)(?:\/(.*))?$/i.exec(url)
  const bucket = match?.[1]
  if (!match || !bucket || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    // Credentials written into the URL are never repeated in a message.
    const shown = url.replace(/^([a-z0-9+.-]+:\/\/)[^/@]*@/i, '$1***@')
    throw new ParquetryError('CONFIG_INVALID', `${JSON.stringify(shown)} is not an S3 location (expected s3://bucket or s3://bucket/prefix; credentials come from the AWS variables or profiles, never the URL)`)
  }
  const rest = normalizePrefix(match[2] ?? '')
  return { bucket, prefix: rest === '' ? '' : `${rest}/` }
}
