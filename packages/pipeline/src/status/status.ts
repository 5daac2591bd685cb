import { renderOutputPath, addDays } from '@parquetry/partitioner'
import { createLocalStorage } from '@parquetry/storage'
import { readFooter } from '@parquetry/writer'
import type { ResolvedConfig } from '../config/schema.js'
import { dateInZone } from '../export/zoned-date.js'
import { listDatasetFiles } from '../output-files.js'

/** Health of one dataset's Parquet files. */
export interface DatasetStatus {
  dataset: string
  /** Date of the newest file, by its partition. */
  lastDate: string | undefined
  /** The seed's daily check: does yesterday's file exist? */
  yesterday: { date: string; path: string; exists: boolean }
  files: number
  bytes: number
  rows: number
  /** Average space saved against the inputs, percent, over files that record their inputs' size. */
  averageRatio: number | undefined
  /** Files that could not be read. */
  unreadable: string[]
}

/** Everything `parquetry status` reports. */
export interface StatusReport {
  outputDir: string
  datasets: DatasetStatus[]
  totalBytes: number
  /** Over `sizeWarningBytes` (the seed's 5 GB alert). */
  sizeWarning: string | undefined
  /** Yesterday's file missing for an enabled dataset, or an unreadable file. */
  ok: boolean
}

/**
 * Reads the output tree: per dataset the newest date, whether yesterday's
 * file exists (yesterday in the config's time zone), file count, bytes, rows
 * and average compression, from each file's footer.
 */
export async function readStatus(options: { config: ResolvedConfig; now?: Date; datasets?: readonly string[] }): Promise<StatusReport> {
  const { config } = options
  const storage = createLocalStorage({ root: config.outputDir })
  const today = dateInZone(BigInt((options.now ?? new Date()).getTime()) * 1000n, config.timezone)
  const yesterday = addDays(today, -1)
  const datasets: DatasetStatus[] = []
  for (const dataset of config.datasets.filter((entry) => entry.enabled && (!options.datasets || options.datasets.includes(entry.name)))) {
    const status: DatasetStatus = {
      dataset: dataset.name,
      lastDate: undefined,
      yesterday: { date: yesterday, path: renderOutputPath(dataset.output, { dataset: dataset.name, date: yesterday }), exists: false },
      files: 0,
      bytes: 0,
      rows: 0,
      averageRatio: undefined,
      unreadable: [],
    }
    const ratios: number[] = []
    for await (const object of listDatasetFiles(storage, dataset)) {
      const handle = await storage.open(object.path)
      try {
        const footer = await readFooter(handle)
        if (footer.parquetry?.schemaName !== dataset.name) continue
        status.files++
        status.bytes += object.size
        status.rows += footer.numRows
        const sourceBytes = footer.parquetry.sources.reduce((sum, source) => sum + (source.bytes ?? 0), 0)
        if (sourceBytes > 0) ratios.push((1 - object.size / sourceBytes) * 100)
        const date = /(\d{4})-?(\d{2})-?(\d{2})\.parquet$/.exec(object.path)
        const fileDate = date ? `${date[1]}-${date[2]}-${date[3]}` : undefined
        if (fileDate && (!status.lastDate || fileDate > status.lastDate)) status.lastDate = fileDate
        if (object.path === status.yesterday.path) status.yesterday.exists = true
      } catch {
        status.unreadable.push(object.path)
      } finally {
        await handle.close()
      }
    }
    status.averageRatio = ratios.length > 0 ? Math.round((ratios.reduce((sum, value) => sum + value, 0) / ratios.length) * 10) / 10 : undefined
    datasets.push(status)
  }
  const totalBytes = datasets.reduce((sum, dataset) => sum + dataset.bytes, 0)
  const sizeWarning =
    totalBytes > config.sizeWarningBytes ? `${(totalBytes / 1024 ** 3).toFixed(2)} GiB stored under ${config.outputDir}, over the ${(config.sizeWarningBytes / 1024 ** 3).toFixed(2)} GiB warning size` : undefined
  return {
    outputDir: config.outputDir,
    datasets,
    totalBytes,
    sizeWarning,
    ok: datasets.every((dataset) => dataset.yesterday.exists && dataset.unreadable.length === 0),
  }
}
