/**
 * A readable stored object, shaped like hyparquet's `AsyncBuffer`, so a
 * hyparquet reader can take it as its `file` directly.
 */
export interface ReadableObject {
  readonly byteLength: number
  /** The version read (an S3 ETag; size and mtime for a local file); every slice reads that version. */
  readonly etag?: string
  /** Bytes `[start, end)`; `end` defaults to the object's length. */
  slice(start: number, end?: number): Promise<ArrayBuffer>
  /** Releases the underlying handle. Safe to call twice. */
  close(): Promise<void>
}

/** What storage knows about one stored object. */
export interface ObjectInfo {
  /** Path relative to the storage root, with `/` separators. */
  path: string
  size: number
  modifiedAt: Date
  /** Version tag: the S3 ETag, or size and mtime of a local file. Changes whenever the bytes may have. */
  etag?: string
}

/**
 * What a write may replace, checked when it is published: `'absent'` (no
 * object may exist at the path) or the version that was read (`{ etag }`).
 * On S3 these are conditional writes (`If-None-Match: *`, `If-Match`); a
 * mismatch fails the commit with `CONFLICT` and publishes nothing.
 */
export type WriteCondition = 'absent' | { etag: string }

/** Options for {@link Storage.createSink}. */
export interface SinkOptions {
  /** Publish only if the path still holds what the caller saw. Default: unconditional. */
  expect?: WriteCondition
}

/** Options for {@link Sink.commit}. */
export interface CommitOptions {
  /**
   * Runs on the complete, durable bytes before they become visible at the
   * final path. A throw aborts the commit: nothing appears at the final path.
   */
  verify?: (object: ReadableObject) => Promise<void>
}

/**
 * A write in progress to one path. Bytes go to a temporary object; they appear
 * at `path` only on {@link Sink.commit}, complete. {@link Sink.abort} (or a
 * crash) leaves the previous state of `path` untouched.
 */
export interface Sink {
  /** Final path, relative to the storage root. */
  readonly path: string
  /** Bytes written so far. */
  readonly bytesWritten: number
  /** Appends bytes. The chunk may be reused by the caller once the promise resolves. */
  write(chunk: Uint8Array): Promise<void>
  /** Makes the bytes durable, verifies them, and publishes them at `path` atomically. */
  commit(options?: CommitOptions): Promise<ObjectInfo>
  /** Discards the bytes. Idempotent; a no-op after commit. */
  abort(): Promise<void>
}

/** Where Parquetry keeps bytes: a local directory or an S3 prefix, one interface. */
export interface Storage {
  /** Where the root is, for messages: `file:///abs/dir` or `s3://bucket/prefix`. */
  readonly url: string
  /** Starts a write to `path` (parents are created as needed). */
  createSink(path: string, options?: SinkOptions): Promise<Sink>
  /** Opens `path` for reading. @throws ParquetryError `STORAGE_FAILED` when it does not exist. */
  open(path: string): Promise<ReadableObject>
  /** Reads a whole object. */
  readBytes(path: string): Promise<Uint8Array>
  /** Streams a whole object, chunk by chunk. @throws ParquetryError `STORAGE_FAILED` when it does not exist. */
  stream(path: string, options?: { signal?: AbortSignal }): AsyncIterable<Uint8Array>
  /** Size and modification time of `path`, or undefined when there is none. */
  stat(path: string): Promise<ObjectInfo | undefined>
  /** Every object under `prefix` (recursively, sorted by path), temporary objects excluded. */
  list(prefix?: string): AsyncIterable<ObjectInfo>
  /** Deletes `path`; no error when it does not exist. */
  remove(path: string): Promise<void>
  /**
   * Deletes temporary objects (and, on S3, unfinished multipart uploads) left
   * by writers that died; returns their paths.
   */
  cleanup(prefix?: string): Promise<string[]>
  /** Releases connections (an S3 client); the storage is not used afterwards. */
  close(): Promise<void>
}
