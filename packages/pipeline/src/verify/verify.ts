import { dateRange, renderOutputPath } from '@parquetry/partitioner'
import { createLocalStorage } from '@parquetry/storage'
import { checkFooter, readFooter, verifyParquetFile } from '@parquetry/writer'
import type { ResolvedConfig } from '../config/schema.js'
import { getOpsDataset } from '../ops/datasets.js'
import { listDatasetFiles } from '../output-files.js'

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
  ok: boolean
  files: VerifiedFile[]
  /** Requested dates with no file. */
  missing: { dataset: string; path: string }[]
}

/**
 * Checks every file of the datasets (or those of the given dates): the footer
 * must name the dataset's schema with its current fingerprint, its row count
 * must match Parquetry's record of it, and the data must decode to that many
 * rows. Unreadable and mismatching files are reported, not thrown.
 */
export async function verifyDatasets(options: { config: ResolvedConfig; datasets?: readonly string[]; range?: { from: string; to: string } }): Promise<VerifyReport> {
  const { config } = options
  const storage = createLocalStorage({ root: config.outputDir })
  const files: VerifiedFile[] = []
  const missing: VerifyReport['missing'] = []
  for (const dataset of config.datasets.filter((entry) => (options.datasets ? options.datasets.includes(entry.name) : entry.enabled))) {
    const schema = getOpsDataset(dataset.name)?.schema
    if (!schema) continue
    const paths: string[] = []
    if (options.range) {
      for (const date of dateRange(options.range.from, options.range.to)) {
        const path = renderOutputPath(dataset.output, { dataset: dataset.name, date })
        if (await storage.stat(path)) paths.push(path)
        else missing.push({ dataset: dataset.name, path })
      }
    } else {
      for await (const object of listDatasetFiles(storage, dataset)) paths.push(object.path)
    }
    for (const path of paths) {
      let object
      try {
        object = await storage.open(path)
      } catch (error) {
        files.push({ dataset: dataset.name, path, status: 'unreadable', reason: (error as Error).message })
        continue
      }
      try {
        let footer
        try {
          footer = await readFooter(object)
        } catch (error) {
          files.push({ dataset: dataset.name, path, status: 'unreadable', reason: (error as Error).message })
          continue
        }
        try {
          checkFooter(footer, { schema }, path)
          await verifyParquetFile(object, { schema, rowCount: footer.numRows, where: path })
          files.push({ dataset: dataset.name, path, status: 'ok', rows: footer.numRows })
        } catch (error) {
          files.push({ dataset: dataset.name, path, status: 'mismatch', rows: footer.numRows, reason: (error as Error).message })
        }
      } finally {
        await object.close()
      }
    }
  }
  return { ok: files.every((file) => file.status === 'ok'), files, missing }
}
