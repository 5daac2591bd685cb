import type { Storage } from '@parquetry/storage'

/**
 * A real storage with some of its methods replaced (tests only): to count
 * what an export asks of it, or to make one call fail as a network would.
 */
export function delegateStorage(inner: Storage, overrides: Partial<Storage>): Storage {
  return {
    url: inner.url,
    createSink: (path, options) => inner.createSink(path, options),
    open: (path) => inner.open(path),
    readBytes: (path) => inner.readBytes(path),
    stream: (path, options) => inner.stream(path, options),
    stat: (path) => inner.stat(path),
    list: (prefix) => inner.list(prefix),
    remove: (path) => inner.remove(path),
    cleanup: (prefix) => inner.cleanup(prefix),
    close: () => inner.close(),
    ...overrides,
  }
}
