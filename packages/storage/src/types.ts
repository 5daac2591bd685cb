/**
 * A readable stored object, shaped like hyparquet's `AsyncBuffer`, so a
 * hyparquet reader can take it as its `file` directly.
 */
export interface ReadableObject {
  readonly byteLength: number
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

/** Where Parquetry keeps bytes: a local directory now, S3 later, one interface. */
export interface Storage {
  /** Where the root is, for messages: `file:///abs/dir` or `s3://bucket/prefix`. */
  readonly url: string
  /** Starts a write to `path` (parents are created as needed). */
  createSink(path: string): Promise<Sink>
  /** Opens `path` for reading. @throws ParquetryError `STORAGE_FAILED` when it does not exist. */
  open(path: string): Promise<ReadableObject>
  /** Reads a whole object. */
  readBytes(path: string): Promise<Uint8Array>
  /** Size and modification time of `path`, or undefined when there is none. */
  stat(path: string): Promise<ObjectInfo | undefined>
  /** Every object under `prefix` (recursively, sorted by path), temporary objects excluded. */
  list(prefix?: string): AsyncIterable<ObjectInfo>
  /** Deletes `path`; no error when it does not exist. */
  remove(path: string): Promise<void>
  /** Deletes temporary objects left by writers that died; returns their paths. */
  cleanup(prefix?: string): Promise<string[]>
}
