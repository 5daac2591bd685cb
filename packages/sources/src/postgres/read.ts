import type { RecordSource } from '../types.js'
import { namingSource, postgresFailure } from './errors.js'
import type { ReadPostgresOptions } from './options.js'
import { PgSession } from './session.js'

/**
 * One-shot read of a query's rows: connects, `BEGIN ISOLATION LEVEL
 * REPEATABLE READ READ ONLY`, runs `before(session)` (e.g. re-check a digest
 * in the same snapshot; a throw fails the read), streams the rows through
 * binary COPY (`PostgresSession.copyRows`), COMMITs and closes. Breaking out
 * of the loop, aborting `signal` or an error closes everything.
 *
 * @throws ParquetryError `SOURCE_READ_FAILED` (connection, query or read
 *   failures, naming `name` and never a password); `ABORTED`; a `before`
 *   throw passes on (a foreign one wrapped as `SOURCE_READ_FAILED`).
 */
export function readPostgres(options: ReadPostgresOptions): RecordSource {
  const { query, params = [], name, before, signal } = options
  return {
    async *[Symbol.asyncIterator]() {
      let session: PgSession
      try {
        session = await PgSession.create(options)
      } catch (error) {
        throw namingSource(error, name)
      }
      try {
        try {
          await session.begin('repeatable read', true)
        } catch (error) {
          throw namingSource(error, name)
        }
        if (before) {
          try {
            await before(session)
          } catch (error) {
            throw postgresFailure(error, `${name}: the check before reading failed`, session.redact)
          }
        }
        yield* session.copyRows(query, params, {
          name,
          ...(options.columns ? { columns: options.columns } : {}),
          ...(options.batchSize ? { batchSize: options.batchSize } : {}),
          ...(signal ? { signal } : {}),
          ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        })
        try {
          await session.commit()
        } catch (error) {
          throw namingSource(error, name)
        }
      } finally {
        await session.close()
      }
    },
  }
}
