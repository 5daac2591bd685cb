import { ParquetryError } from '@parquetry/schema'
import { rename, rm } from 'node:fs/promises'
import { dirname, join, basename, resolve } from 'node:path'
import { Querier, type FileProblem, type QuerierOptions } from './querier.js'

/**
 * Writes a DuckDB database file holding the views (absolute paths, each
 * read literally) and the macros, so that the duckdb CLI, Grafana's DuckDB
 * data source or any DuckDB client opens the datasets with no setup. The
 * file appears complete or not at all. Every file's footer is checked first:
 * one DuckDB cannot read is left out of its view and returned in `problems`
 * (another client could not leave it out itself). A dataset without files
 * yet gets an empty view: write the catalog again after its first export.
 * Over S3, the views read the files downloaded into the query cache (never
 * httpfs, whose secret would not be saved).
 */
export async function writeCatalog(options: Omit<QuerierOptions, 'database'> & { path: string }): Promise<{ path: string; views: Querier['views']; problems: FileProblem[] }> {
  const path = resolve(options.path)
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`)
  await rm(temp, { force: true })
  let querier: Querier | undefined
  try {
    // Views over downloaded files: another client could not read S3 with this session's secret.
    querier = await Querier.create({ ...options, database: temp, httpfs: false })
    await querier.checkFiles()
    await querier.query('CHECKPOINT')
    const views = querier.views
    const problems = [...querier.problems]
    querier.close()
    querier = undefined
    await rm(`${temp}.wal`, { force: true })
    await rename(temp, path)
    return { path, views, problems }
  } catch (error) {
    querier?.close()
    await rm(temp, { force: true })
    await rm(`${temp}.wal`, { force: true })
    if (error instanceof ParquetryError) throw error
    throw new ParquetryError('QUERY_FAILED', `cannot write the catalog ${path}: ${(error as Error).message}`, { cause: error })
  }
}
