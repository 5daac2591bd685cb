import { ParquetryError } from '@parquetry/schema'
import copyStreams from 'pg-copy-streams'
import { columnNotice } from '../notices.js'
import type { RecordLocation, RecordSource, SourceItem } from '../types.js'
import { CopyBinaryDecoder } from './copy-decoder.js'
import { copyStatement, prepareCopy, type CopyHost } from './copy-query.js'
import { namingSource, postgresFailure } from './errors.js'
import type { CopyRowsOptions, PgParam } from './options.js'
import { CopyValueProblem } from './type-mapping.js'

export type { CopyHost } from './copy-query.js'

const DEFAULT_BATCH_SIZE = 512

type ValuesBuilder = (row: readonly unknown[]) => Record<string, unknown>

/**
 * A function making a record's values from a decoded row, as an object
 * literal of the query's column names: measured 3-4x quicker than adding the
 * keys one by one (the objects get their final shape at once). The names are
 * written as JSON string literals, so no column name can become code;
 * `__proto__` is written as a computed key, which makes an own property.
 */
function valuesBuilder(names: readonly string[]): ValuesBuilder {
  const entries = names.map((name, index) => `${name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name)}: row[${index}]`)
  try {
    return new Function('row', `return { ${entries.join(', ')} }`) as ValuesBuilder
  } catch {
    // Code generation disallowed (--disallow-code-generation-from-strings): the same values, key by key.
    return (row) => {
      const values: Record<string, unknown> = {}
      names.forEach((name, index) => Object.defineProperty(values, name, { value: row[index], enumerable: true, writable: true, configurable: true }))
      return values
    }
  }
}

// Notices of columns on one side only, at the query's location, before any row (as a CSV header's).
function columnNotices(name: string, queryColumns: readonly string[], options: CopyRowsOptions): SourceItem[] {
  if (!options.columns) return []
  const wanted = new Set(options.columns.map((column) => column.name))
  const present = new Set(queryColumns)
  const location = { source: name }
  const notices: SourceItem[] = []
  const unknown = queryColumns.filter((column) => !wanted.has(column))
  const missing = options.columns.map((column) => column.name).filter((column) => !present.has(column))
  if (unknown.length > 0) notices.push(columnNotice('unknown-column', unknown, location, 'a column of the query'))
  if (missing.length > 0) notices.push(columnNotice('missing-column', missing, location, 'not among the query\'s columns'))
  return notices
}

/**
 * The rows of `sql` through `COPY (sql) TO STDOUT (FORMAT binary)` on a
 * session inside a transaction (see `PostgresSession.copyRows`). Memory is
 * bounded: the COPY stream is read only as fast as batches are taken (the
 * server waits on its socket meanwhile). Each record's location is
 * `{ source: name, index }` plus `path: 'id=<id>'` when the query has an `id`
 * column; a row holding a value without a JavaScript value (a date of
 * `infinity`) is a `problem` item at that location.
 *
 * Breaking out of the loop, aborting `signal`, or an error closes the
 * session's connection: a COPY cannot be left half read.
 */
export function copyRows(host: CopyHost, sql: string, params: readonly PgParam[], options: CopyRowsOptions): RecordSource {
  const { name, signal, onProgress } = options
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? DEFAULT_BATCH_SIZE))
  return {
    async *[Symbol.asyncIterator]() {
      if (signal?.aborted) throw new ParquetryError('ABORTED', `${name}: read aborted`)
      host.beginCopy(name)
      let completed = false
      let stream: ReturnType<typeof copyStreams.to> | undefined
      const onAbort = () => {
        stream?.destroy()
        host.destroy('aborted')
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      try {
        const prepared = await prepareCopy(host, name, sql, params, options.columns)
        const names = prepared.columns.map((column) => column.name)
        const makeValues = valuesBuilder(names)
        const idField = names.indexOf('id')
        const notices = columnNotices(name, names, options)
        if (notices.length > 0) yield notices
        const decoder = new CopyBinaryDecoder(
          prepared.columns.map((column) => column.oid),
          { strictUtf8: host.strictUtf8 },
        )
        if (signal?.aborted) throw new ParquetryError('ABORTED', `${name}: read aborted`)
        stream = host.client.query(copyStreams.to(copyStatement(prepared)))
        // Errors are delivered through the iteration; this keeps one that comes after it from being unhandled.
        stream.on('error', () => undefined)
        let items: SourceItem[] = []
        let index = 0
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          const problemsBefore = decoder.problems
          const rows = decoder.push(chunk)
          const mayHaveProblems = decoder.problems !== problemsBefore
          for (const row of rows) {
            const location: RecordLocation = idField === -1 ? { source: name, index } : { source: name, index, path: `id=${row[idField] as string}` }
            index++
            const problem = mayHaveProblems ? row.findIndex((value) => value instanceof CopyValueProblem) : -1
            if (problem !== -1) {
              const value = row[problem] as CopyValueProblem
              items.push({ kind: 'problem', reason: `column ${names[problem]}: ${value.reason}`, location, raw: value.text })
            } else {
              items.push({ kind: 'record', values: makeValues(row), location })
            }
            if (items.length >= batchSize) {
              const batch = items
              items = []
              yield batch
              onProgress?.(decoder.rows, decoder.bytes)
            }
          }
        }
        if (signal?.aborted) throw new ParquetryError('ABORTED', `${name}: read aborted`)
        decoder.end()
        completed = true
        if (items.length > 0) yield items
        onProgress?.(decoder.rows, decoder.bytes)
      } catch (error) {
        if (signal?.aborted) throw new ParquetryError('ABORTED', `${name}: read aborted`, { cause: error })
        throw namingSource(postgresFailure(error, `${name}: reading ${host.description} failed`, host.redact), name)
      } finally {
        signal?.removeEventListener('abort', onAbort)
        if (!completed) stream?.destroy()
        // Before COPY began (a refused column type), the session is left as it was.
        host.endCopy(completed || stream === undefined)
      }
    },
  }
}
