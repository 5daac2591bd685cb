import { AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3'
import { ParquetryError } from '@parquetry/schema'
import { normalizeObjectPath, normalizePrefix } from '../paths.js'
import type { ObjectInfo, ReadableObject, Sink, SinkOptions, Storage } from '../types.js'
import { isNotFound, storageError } from './errors.js'
import { headObject, openS3Object } from './s3-object.js'
import { S3Sink } from './s3-sink.js'
import { INTERNAL_FOLDER, isStaleTempKey, tempArea, tempKeyFor, UPLOAD_MARKER_SUFFIX } from './temp-keys.js'
import { parseS3Url } from './url.js'

/** Default multipart part size: 8 MiB (S3's minimum is 5 MiB; some S3-compatible stores cap a PUT near 10 MiB). */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024
const MIN_PART_SIZE = 5 * 1024 * 1024
const DEFAULT_STALE_AFTER_MS = 6 * 60 * 60 * 1000

/** Options for {@link createS3Storage}. */
export interface S3StorageOptions {
  /** `s3://bucket` or `s3://bucket/prefix`: the storage root. */
  url: string
  /** A client to use as it is; otherwise one is made from the options below. */
  client?: S3Client
  /** Endpoint of an S3-compatible store. Default: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, else AWS. */
  endpoint?: string
  /** Region. Default: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`. */
  region?: string
  /** Path-style URLs (`endpoint/bucket/key`). Default: true when an endpoint is set, else false. */
  forcePathStyle?: boolean
  /**
   * Credentials. Default: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
   * (`AWS_SESSION_TOKEN`) of `env` when it sets them, else the AWS SDK's
   * chain (the process's variables, profiles, roles).
   */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** Multipart part size in bytes (at least 5 MiB). Default 8 MiB. */
  partSize?: number
  /** Age after which another host's temporary key counts as abandoned. Default 6 hours. */
  staleAfterMs?: number
  /** Environment to read the AWS variables from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>
}

/** Client settings from options and the standard AWS variables (exported for the querier's DuckDB secret). */
export function s3ClientSettings(options: Omit<S3StorageOptions, 'url' | 'client'>): { region: string; endpoint: string | undefined; forcePathStyle: boolean } {
  const env = options.env ?? process.env
  const endpoint = options.endpoint ?? env['AWS_ENDPOINT_URL_S3'] ?? env['AWS_ENDPOINT_URL'] ?? undefined
  return {
    region: options.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1',
    endpoint: endpoint || undefined,
    forcePathStyle: options.forcePathStyle ?? Boolean(endpoint),
  }
}

/**
 * {@link Storage} over an S3 bucket (or any S3-compatible store). Paths are
 * keys under the URL's prefix. Writes are published only complete and
 * verified (see {@link S3Sink}); reads are ranged GETs, so a footer or one
 * column is read without downloading the object. Listings hide the
 * `_parquetry/` area where unfinished writes live; the first write of a
 * storage removes what dead writers left there (temporary keys and open
 * multipart uploads).
 */
export class S3Storage implements Storage {
  readonly url: string
  readonly bucket: string
  /** Key prefix of the root: `''` or ending in `/`. */
  readonly prefix: string
  readonly client: S3Client
  readonly settings: { region: string; endpoint: string | undefined; forcePathStyle: boolean }
  readonly #ownsClient: boolean
  readonly #partSize: number
  readonly #staleAfterMs: number
  readonly #conditional = { enabled: true }
  #cleaned: Promise<unknown> | undefined

  constructor(options: S3StorageOptions) {
    const { bucket, prefix } = parseS3Url(options.url)
    this.bucket = bucket
    this.prefix = prefix
    this.url = `s3://${bucket}/${prefix}`.replace(/\/$/, '')
    this.settings = s3ClientSettings(options)
    const env = options.env ?? process.env
    const fromEnv =
      options.env && env['AWS_ACCESS_KEY_ID'] && env['AWS_SECRET_ACCESS_KEY']
        ? { accessKeyId: env['AWS_ACCESS_KEY_ID'], secretAccessKey: env['AWS_SECRET_ACCESS_KEY'], ...(env['AWS_SESSION_TOKEN'] ? { sessionToken: env['AWS_SESSION_TOKEN'] } : {}) }
        : undefined
    const credentials = options.credentials ?? fromEnv
    const config: S3ClientConfig = {
      region: this.settings.region,
      forcePathStyle: this.settings.forcePathStyle,
      ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}),
      ...(credentials ? { credentials } : {}),
    }
    this.client = options.client ?? new S3Client(config)
    this.#ownsClient = options.client === undefined
    this.#partSize = options.partSize ?? DEFAULT_PART_SIZE
    if (!Number.isInteger(this.#partSize) || this.#partSize < MIN_PART_SIZE) throw new ParquetryError('CONFIG_INVALID', `S3 partSize must be at least ${MIN_PART_SIZE} bytes, got ${this.#partSize}`)
    this.#staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS
  }

  /** The key of a storage path. */
  keyOf(path: string): string {
    return `${this.prefix}${normalizeObjectPath(path)}`
  }

  async createSink(path: string, options: SinkOptions = {}): Promise<Sink> {
    const normalized = normalizeObjectPath(path)
    // Once per storage, before its first write: what killed writers left is removed.
    this.#cleaned ??= this.cleanup().catch(() => undefined)
    await this.#cleaned
    return new S3Sink(normalized, {
      client: this.client,
      bucket: this.bucket,
      key: this.keyOf(normalized),
      tempKey: tempKeyFor(this.prefix, normalized),
      partSize: this.#partSize,
      expect: options.expect,
      conditional: this.#conditional,
    })
  }

  open(path: string): Promise<ReadableObject> {
    return openS3Object(this.client, this.bucket, this.keyOf(path))
  }

  async readBytes(path: string): Promise<Uint8Array> {
    const key = this.keyOf(path)
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
      return await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()
    } catch (error) {
      throw storageError(error, `s3://${this.bucket}/${key}: reading failed`, { path })
    }
  }

  async *stream(path: string, options: { signal?: AbortSignal } = {}): AsyncIterable<Uint8Array> {
    const key = this.keyOf(path)
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), options.signal ? { abortSignal: options.signal } : {})
      for await (const chunk of response.Body as AsyncIterable<Uint8Array>) yield chunk
    } catch (error) {
      throw storageError(error, `s3://${this.bucket}/${key}: reading failed`, { path })
    }
  }

  async stat(path: string): Promise<ObjectInfo | undefined> {
    const normalized = normalizeObjectPath(path)
    const head = await headObject(this.client, this.bucket, this.keyOf(normalized))
    return head ? { path: normalized, size: head.size, modifiedAt: head.modifiedAt, ...(head.etag ? { etag: head.etag } : {}) } : undefined
  }

  /** Every key under a key prefix, page by page. */
  async *#listKeys(keyPrefix: string): AsyncIterable<{ key: string; size: number; modifiedAt: Date; etag: string | undefined }> {
    let token: string | undefined
    do {
      let page
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: keyPrefix, ...(token ? { ContinuationToken: token } : {}) }))
      } catch (error) {
        throw storageError(error, `s3://${this.bucket}/${keyPrefix}: listing failed`)
      }
      for (const entry of page.Contents ?? []) {
        if (entry.Key === undefined || entry.Key.endsWith('/')) continue
        yield { key: entry.Key, size: Number(entry.Size ?? 0), modifiedAt: entry.LastModified ?? new Date(0), etag: entry.ETag }
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
  }

  async *list(prefix?: string): AsyncIterable<ObjectInfo> {
    const start = normalizePrefix(prefix)
    const internal = `${this.prefix}${INTERNAL_FOLDER}`
    for await (const entry of this.#listKeys(`${this.prefix}${start === '' ? '' : `${start}/`}`)) {
      if (entry.key.startsWith(internal)) continue
      yield { path: entry.key.slice(this.prefix.length), size: entry.size, modifiedAt: entry.modifiedAt, ...(entry.etag ? { etag: entry.etag } : {}) }
    }
  }

  async remove(path: string): Promise<void> {
    const key = this.keyOf(path)
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
    } catch (error) {
      if (isNotFound(error)) return
      throw storageError(error, `s3://${this.bucket}/${key}: delete failed`)
    }
  }

  /**
   * Removes what writers that died left in the temporary area: temporary
   * keys, and the multipart uploads their markers name (aborted). Keys of
   * live writers on this host, and of other hosts younger than
   * `staleAfterMs`, are left alone. Returns the temporary paths removed.
   */
  async cleanup(prefix?: string): Promise<string[]> {
    const area = tempArea(this.prefix)
    const only = prefix === undefined ? '' : normalizePrefix(prefix)
    const removed: string[] = []
    for await (const entry of this.#listKeys(area)) {
      if (!isStaleTempKey(this.prefix, entry.key, entry.modifiedAt, this.#staleAfterMs)) continue
      const target = entry.key.endsWith(UPLOAD_MARKER_SUFFIX) ? entry.key.slice(0, -UPLOAD_MARKER_SUFFIX.length) : entry.key
      const path = target.replace(/^.*?\/\d+-(?:[0-9a-f]{8}-)?[0-9a-f]{12}\//, '')
      if (only !== '' && !path.startsWith(`${only}/`) && path !== only) continue
      try {
        if (entry.key.endsWith(UPLOAD_MARKER_SUFFIX)) {
          const marker = JSON.parse(new TextDecoder().decode(await this.#readKey(entry.key))) as { key?: string; uploadId?: string }
          if (marker.uploadId && marker.key) {
            await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: marker.key, UploadId: marker.uploadId })).catch(() => undefined)
          }
        }
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: entry.key }))
        removed.push(entry.key.slice(this.prefix.length))
      } catch (error) {
        throw storageError(error, `s3://${this.bucket}/${entry.key}: cleanup failed`)
      }
    }
    await this.#abortUnmarkedUploads(area)
    return removed
  }

  // An upload begun just before its writer died has no marker yet: stores that list
  // multipart uploads show it (fauxqs does not; a store that cannot is left as it is).
  async #abortUnmarkedUploads(area: string): Promise<void> {
    let uploads
    try {
      uploads = await this.client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: area }))
    } catch {
      return
    }
    for (const upload of uploads.Uploads ?? []) {
      if (!upload.Key || !upload.UploadId || !isStaleTempKey(this.prefix, upload.Key, upload.Initiated, this.#staleAfterMs)) continue
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId })).catch(() => undefined)
    }
  }

  async #readKey(key: string): Promise<Uint8Array> {
    const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
    return (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()
  }

  /**
   * The credentials the client signs with, resolved through its chain
   * (explicit keys, the AWS variables, profiles, roles): for another S3
   * client, such as DuckDB's httpfs. Never log them.
   */
  async resolveCredentials(): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }> {
    const provider = this.client.config.credentials as () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>
    const resolved = await provider()
    return { accessKeyId: resolved.accessKeyId, secretAccessKey: resolved.secretAccessKey, ...(resolved.sessionToken ? { sessionToken: resolved.sessionToken } : {}) }
  }

  async close(): Promise<void> {
    if (this.#ownsClient) this.client.destroy()
  }
}

/**
 * Storage over `s3://bucket/prefix`. The AWS SDK is loaded only by this
 * subpath (`@parquetry/storage/s3`), so local-only users never load it.
 *
 * @throws ParquetryError `CONFIG_INVALID` for a malformed URL or part size.
 */
export function createS3Storage(options: S3StorageOptions): S3Storage {
  return new S3Storage(options)
}
