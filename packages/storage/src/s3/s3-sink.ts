import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { ParquetryError } from '@parquetry/schema'
import type { CommitOptions, ObjectInfo, Sink, WriteCondition } from '../types.js'
import { isPreconditionFailed, s3ErrorKind, storageError } from './errors.js'
import { openS3Object } from './s3-object.js'
import { UPLOAD_MARKER_SUFFIX } from './temp-keys.js'

/** What an {@link S3Sink} needs from its storage. */
export interface S3SinkContext {
  client: S3Client
  bucket: string
  /** Final key and temp key. */
  key: string
  tempKey: string
  partSize: number
  expect: WriteCondition | undefined
  /** Whether the server honours conditional copies (cleared the first time it says it does not). */
  conditional: { enabled: boolean }
}

// S3 refuses a single CopyObject above 5 GiB.
const MAX_COPY_BYTES = 5 * 1024 ** 3

function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`
}

/**
 * A write to S3 that is published only complete and verified: bytes go to a
 * temporary key (one PUT when small, else a multipart upload of `partSize`
 * parts, aborted on failure); `commit` reads the footer back through ranged
 * GETs of that key, then `CopyObject`s it to the final key — conditionally,
 * `If-None-Match: *` for a new key and `If-Match: <etag>` for a replacement —
 * and deletes the temporary key. A multipart upload leaves a small marker
 * object naming its upload id, so that `cleanup()` can abort it after a crash.
 */
export class S3Sink implements Sink {
  readonly path: string
  readonly #context: S3SinkContext
  #bytesWritten = 0
  #buffer: Buffer
  #buffered = 0
  #uploadId: string | undefined
  #parts: { PartNumber: number; ETag: string }[] = []
  #tempWritten = false
  #markerWritten = false
  #state: 'open' | 'committing' | 'committed' | 'aborted' = 'open'

  constructor(path: string, context: S3SinkContext) {
    this.path = path
    this.#context = context
    // Grows to one part; writers kept open per partition start small.
    this.#buffer = Buffer.allocUnsafe(Math.min(1 << 16, context.partSize))
  }

  get bytesWritten(): number {
    return this.#bytesWritten
  }

  get #where(): string {
    return `s3://${this.#context.bucket}/${this.#context.key}`
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#state !== 'open') throw new ParquetryError('STORAGE_FAILED', `write to ${this.path} after it was ${this.#state}`)
    const { partSize } = this.#context
    try {
      let offset = 0
      while (offset < chunk.length) {
        if (this.#buffered === this.#buffer.length && this.#buffer.length < partSize) {
          const grown = Buffer.allocUnsafe(Math.min(partSize, this.#buffer.length * 2))
          this.#buffer.copy(grown, 0, 0, this.#buffered)
          this.#buffer = grown
        }
        const take = Math.min(chunk.length - offset, this.#buffer.length - this.#buffered)
        this.#buffer.set(chunk.subarray(offset, offset + take), this.#buffered)
        this.#buffered += take
        offset += take
        if (this.#buffered === partSize) await this.#uploadPart()
      }
    } catch (error) {
      await this.abort()
      throw storageError(error, `${this.#where}: upload failed`)
    }
    this.#bytesWritten += chunk.length
  }

  async #uploadPart(): Promise<void> {
    const { client, bucket, tempKey } = this.#context
    if (this.#uploadId === undefined) {
      const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: tempKey, ContentType: 'application/vnd.apache.parquet' }))
      this.#uploadId = created.UploadId as string
      // The marker lets the next run abort this upload if the process dies.
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${tempKey}${UPLOAD_MARKER_SUFFIX}`, Body: JSON.stringify({ key: tempKey, uploadId: this.#uploadId }) }))
      this.#markerWritten = true
    }
    const partNumber = this.#parts.length + 1
    const uploaded = await client.send(new UploadPartCommand({ Bucket: bucket, Key: tempKey, UploadId: this.#uploadId, PartNumber: partNumber, Body: this.#buffer.subarray(0, this.#buffered) }))
    this.#parts.push({ PartNumber: partNumber, ETag: uploaded.ETag as string })
    this.#buffered = 0
  }

  async commit(options: CommitOptions = {}): Promise<ObjectInfo> {
    if (this.#state !== 'open') throw new ParquetryError('STORAGE_FAILED', `commit of ${this.path} after it was ${this.#state}`)
    this.#state = 'committing'
    const { client, bucket, tempKey } = this.#context
    try {
      if (this.#uploadId === undefined) {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: tempKey, Body: this.#buffer.subarray(0, this.#buffered), ContentType: 'application/vnd.apache.parquet' }))
      } else {
        if (this.#buffered > 0) await this.#uploadPart()
        await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: tempKey, UploadId: this.#uploadId, MultipartUpload: { Parts: this.#parts } }))
        this.#uploadId = undefined
      }
      this.#tempWritten = true
      this.#buffer = Buffer.alloc(0)
      if (options.verify) {
        const object = await openS3Object(client, bucket, tempKey)
        await options.verify(object)
      }
      if (this.#bytesWritten > MAX_COPY_BYTES) throw new ParquetryError('STORAGE_FAILED', `${this.#where}: ${this.#bytesWritten} bytes is over S3's 5 GiB limit for publishing by copy; use smaller partitions`)
      const copied = await this.#copyIntoPlace()
      this.#state = 'committed'
      await this.#removeTemp()
      return { path: this.path, size: this.#bytesWritten, modifiedAt: copied.modifiedAt, ...(copied.etag ? { etag: copied.etag } : {}) }
    } catch (error) {
      this.#state = 'open'
      await this.abort()
      throw storageError(error, `${this.#where}: publishing failed`)
    }
  }

  async #copyIntoPlace(): Promise<{ etag: string | undefined; modifiedAt: Date }> {
    const { client, bucket, key, tempKey, expect, conditional } = this.#context
    const condition = !conditional.enabled || expect === undefined ? {} : expect === 'absent' ? { IfNoneMatch: '*' } : { IfMatch: expect.etag }
    try {
      const result = await client.send(new CopyObjectCommand({ Bucket: bucket, Key: key, CopySource: copySource(bucket, tempKey), ...condition }))
      return { etag: result.CopyObjectResult?.ETag, modifiedAt: result.CopyObjectResult?.LastModified ?? new Date() }
    } catch (error) {
      if (isPreconditionFailed(error)) {
        throw new ParquetryError('CONFLICT', `${this.path}: ${expect === 'absent' ? 'another writer created it' : 'another writer replaced or removed it'} since it was read; nothing was published`, {
          cause: error,
          details: { path: this.path },
        })
      }
      // A store without conditional writes: publish unconditionally from now on.
      if (Object.keys(condition).length > 0 && s3ErrorKind(error).name === 'NotImplemented') {
        conditional.enabled = false
        return this.#copyIntoPlace()
      }
      throw error
    }
  }

  async #removeTemp(): Promise<void> {
    const { client, bucket, tempKey } = this.#context
    const keys = [...(this.#tempWritten ? [tempKey] : []), ...(this.#markerWritten ? [`${tempKey}${UPLOAD_MARKER_SUFFIX}`] : [])]
    // Best effort: what is left here is removed by the next cleanup.
    for (const target of keys) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: target })).catch(() => undefined)
    this.#tempWritten = false
    this.#markerWritten = false
  }

  async abort(): Promise<void> {
    if (this.#state === 'committed' || this.#state === 'aborted') return
    this.#state = 'aborted'
    const { client, bucket, tempKey } = this.#context
    this.#buffer = Buffer.alloc(0)
    if (this.#uploadId !== undefined) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: tempKey, UploadId: this.#uploadId })).catch(() => undefined)
      this.#uploadId = undefined
    }
    await this.#removeTemp()
  }
}
