import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { ParquetryError } from '@parquetry/schema'
import type { ReadableObject } from '../types.js'
import { isNotFound, isPreconditionFailed, storageError } from './errors.js'

/** What {@link headObject} learns. */
export interface HeadInfo {
  size: number
  etag: string | undefined
  modifiedAt: Date
}

/** HEAD of a key, or undefined when there is none. */
export async function headObject(client: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<HeadInfo | undefined> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), signal ? { abortSignal: signal } : {})
    return { size: Number(head.ContentLength ?? 0), etag: head.ETag, modifiedAt: head.LastModified ?? new Date(0) }
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw storageError(error, `s3://${bucket}/${key}: HEAD failed`)
  }
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? (bytes.buffer as ArrayBuffer) : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
}

/**
 * An S3 object as a hyparquet `AsyncBuffer`: every `slice` is one ranged GET
 * pinned to the ETag seen when it was opened (`If-Match`), so a file replaced
 * while it is read fails loudly instead of mixing two versions.
 *
 * @throws ParquetryError `STORAGE_FAILED` when the key does not exist.
 */
export async function openS3Object(client: S3Client, bucket: string, key: string): Promise<ReadableObject> {
  const head = await headObject(client, bucket, key)
  if (!head) throw new ParquetryError('STORAGE_FAILED', `s3://${bucket}/${key}: no such object`, { details: { key } })
  const size = head.size
  return {
    byteLength: size,
    ...(head.etag ? { etag: head.etag } : {}),
    async slice(start: number, end: number = size): Promise<ArrayBuffer> {
      const from = Math.max(0, Math.min(start, size))
      const to = Math.max(from, Math.min(end, size))
      if (to === from) return new ArrayBuffer(0)
      try {
        const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${from}-${to - 1}`, ...(head.etag ? { IfMatch: head.etag } : {}) }))
        const bytes = await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()
        if (bytes.byteLength !== to - from) throw new Error(`asked for ${to - from} bytes, got ${bytes.byteLength}`)
        return toArrayBuffer(bytes)
      } catch (error) {
        if (isPreconditionFailed(error)) {
          throw new ParquetryError('CONFLICT', `s3://${bucket}/${key}: the object changed while it was read`, { cause: error, details: { key } })
        }
        throw storageError(error, `s3://${bucket}/${key}: reading bytes ${from}-${to - 1}`)
      }
    },
    async close(): Promise<void> {},
  }
}
