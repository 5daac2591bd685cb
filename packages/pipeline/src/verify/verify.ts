import { dateRange } from '@parquetry/partitioner'
import type { Storage } from '@parquetry/storage'
import { isParquetryError } from '@parquetry/schema'
import { parquetMetadataAsync } from 'hyparquet'
import { checkFooter, footerInfoFromMetadata, verifyParquetFile } from '@parquetry/writer'
import { compileDataset, type DatasetDefinition } from '../engine/definition.js'
import { listDatasetFiles } from '../engine/existing.js'

/** One file's verification. */
export interface VerifiedFile {
  dataset: string
  path: string
  status: 'ok' | 'unreadable' | 'mismatch'
  rows?: number
  reason?: string
}

/** The result of {@link verifyDatasets}. */
export interface VerifyReport {
  /** Every file verified and no requested date without a file. */
  ok: boolean
  files: VerifiedFile[]
  /**
   * Files that should be there and are not: requested dates with no file (the
   * path it would have; a glob when the layout splits a day by column
   * values), and files another file of their date was made with.
   */
  missing: { dataset: string; date: string; path: string }[]
}

/** Options for {@link verifyDatasets}. */
export interface VerifyOptions {
  storage: Storage
  datasets: readonly DatasetDefinition[]
  /** Only the files of these dates (and report dates with none). */
  range?: { from: string; to: string }
}

/**
 * Checks every file of the datasets (or those of the given dates) through
 * the storage: the footer must name the dataset's schema with its current
 * fingerprint, its row count must match Parquetry's record of it, and the
 * data must decode to that many rows. Unreadable and mismatching files are
 * reported, not thrown.
 */
export async function verifyDatasets(options: VerifyOptions): Promise<VerifyReport> {
  const files: VerifiedFile[] = []
  const missing: VerifyReport['missing'] = []
  for (const definition of options.datasets) {
    const { layout } = compileDataset(definition)
    const { schema, name } = definition
    const dates = options.range ? dateRange(options.range.from, options.range.to) : undefined
    const found = []
    for await (const object of listDatasetFiles(options.storage, layout, dates)) found.push(object)
    if (dates) {
      const present = new Set(found.map((object) => object.date))
      for (const date of dates) if (!present.has(date)) missing.push({ dataset: name, date, path: layout.pattern(date) })
    }
    const present = new Set(found.map((object) => object.path))
    const siblings = new Map<string, string>()
    for (const { path, date } of found) {
      let object
      try {
        object = await options.storage.open(path)
      } catch (error) {
        files.push({ dataset: name, path, status: 'unreadable', reason: (error as Error).message })
        continue
      }
      try {
        let metadata
        try {
          metadata = await parquetMetadataAsync(object)
        } catch (error) {
          const reason = isParquetryError(error) ? error.message : `not a readable Parquet file: ${(error as Error).message}`
          files.push({ dataset: name, path, status: 'unreadable', reason })
          continue
        }
        const footer = footerInfoFromMetadata(metadata)
        // A file made with this one that is gone (one currency of a day split by currency, say).
        if (footer.parquetry?.schemaName === schema.name) for (const sibling of footer.parquetry.files ?? []) if (!present.has(sibling) && layout.match(sibling)) siblings.set(sibling, date)
        try {
          checkFooter(footer, { schema }, path)
          await verifyParquetFile(object, { schema, rowCount: footer.numRows, where: path, metadata })
          files.push({ dataset: name, path, status: 'ok', rows: footer.numRows })
        } catch (error) {
          files.push({ dataset: name, path, status: 'mismatch', rows: footer.numRows, reason: (error as Error).message })
        }
      } finally {
        await object.close()
      }
    }
    for (const [path, date] of siblings) missing.push({ dataset: name, date, path })
  }
  return { ok: files.every((file) => file.status === 'ok') && missing.length === 0, files, missing }
}
