import { addDays } from '@parquetry/partitioner'
import type { Storage } from '@parquetry/storage'
import { footerInfoFromMetadata, readParquetMetadata } from '@parquetry/writer'
import { checkDates } from '../verify/verify.js'
import { cadenceOf, compileDataset, type Cadence, type DatasetDefinition } from '../engine/definition.js'
import { listDatasetFiles, mapLimit } from '../engine/existing.js'
import { ratioOf, sourceShareOf } from '../engine/results.js'
import { todayIn } from '../engine/zoned-date.js'
import { lastDuePeriod, type Period } from './cadence.js'

/** Health of one dataset's Parquet files. */
export interface DatasetStatus {
  dataset: string
  /** Date of the newest file, by its partition. */
  lastDate: string | undefined
  /** How often it gets a file (its definition's `cadence`), which decides `due`. */
  cadence: Cadence
  /**
   * The seed's daily check: is there a file for yesterday? `path` is that
   * file's path, or their glob when the layout splits a day by column values.
   * Reported for every dataset; only a daily one is judged by it.
   */
  yesterday: { date: string; path: string; exists: boolean }
  /**
   * The check by cadence: for a daily dataset, yesterday's file; for a weekly
   * one, a file in the last week that ended by yesterday (`path`: its
   * Monday's file). Undefined for cadence `input`, whose files follow its
   * inputs and have no calendar to be late by.
   */
  due: { period: Period; path: string; exists: boolean } | undefined
  /** Bytes of the inputs behind the counted files that record them (each file's share). */
  inputBytes: number
  files: number
  bytes: number
  rows: number
  /** Space saved against the inputs, percent: 1 − bytes / input bytes (each file's share of its inputs), over files that record their inputs' size. The export's formula. */
  averageRatio: number | undefined
  /** Files that could not be read. */
  unreadable: string[]
  /** Files whose rows are not of the date their path says (a copy of another day's file): not counted above. */
  misplaced: string[]
}

/** Everything `parquetry status` reports. */
export interface StatusReport {
  /** Where the files are (`file:///…` or `s3://…`). */
  location: string
  datasets: DatasetStatus[]
  totalBytes: number
  /** Over `sizeWarningBytes` (the seed's 5 GB alert). */
  sizeWarning: string | undefined
  /** No dataset's due file missing (by its cadence), and no unreadable or misplaced file. */
  ok: boolean
}

/** Options for {@link readStatus}. */
export interface StatusOptions {
  storage: Storage
  datasets: readonly DatasetDefinition[]
  /** Time zone whose calendar decides "yesterday". Default `'UTC'`. */
  timezone?: string
  /** Warn above this many bytes stored. Default 5 GiB. */
  sizeWarningBytes?: number
  now?: Date
  /** The day to judge freshness on (`YYYY-MM-DD`): what is due is due by the day before. Default: today in `timezone`. */
  today?: string
}

/**
 * Reads the output tree through the storage: per dataset the newest date,
 * whether yesterday's file exists (yesterday in the given time zone), file
 * count, bytes, rows and average compression, from each file's footer (a
 * ranged read on S3). Files are found from each dataset's layout.
 */
export async function readStatus(options: StatusOptions): Promise<StatusReport> {
  const yesterday = addDays(options.today ?? todayIn(options.timezone ?? 'UTC', options.now), -1)
  const sizeWarningBytes = options.sizeWarningBytes ?? 5 * 1024 ** 3
  const datasets: DatasetStatus[] = []
  for (const definition of options.datasets) {
    const compiled = compileDataset(definition)
    const { layout } = compiled
    const status: DatasetStatus = {
      dataset: definition.name,
      lastDate: undefined,
      cadence: cadenceOf(definition),
      yesterday: { date: yesterday, path: layout.pattern(yesterday), exists: false },
      due: undefined,
      inputBytes: 0,
      files: 0,
      bytes: 0,
      rows: 0,
      averageRatio: undefined,
      unreadable: [],
      misplaced: [],
    }
    const period = lastDuePeriod(status.cadence, yesterday)
    if (period) status.due = { period, path: layout.pattern(period.from), exists: false }
    const objects = []
    for await (const object of listDatasetFiles(options.storage, layout)) objects.push(object)
    let measuredBytes = 0
    let inputBytes = 0
    await mapLimit(objects, 8, async (object) => {
      let handle
      try {
        handle = await options.storage.open(object.path)
        const metadata = await readParquetMetadata(handle)
        const footer = footerInfoFromMetadata(metadata)
        if (footer.parquetry?.schemaName !== definition.schema.name) return
        try {
          checkDates(compiled, metadata, object.date, object.path)
        } catch {
          status.misplaced.push(object.path)
          return
        }
        status.files++
        status.bytes += object.size
        status.rows += footer.numRows
        const sourceBytes = sourceShareOf(footer.parquetry.sources)
        if (sourceBytes > 0) {
          measuredBytes += object.size
          inputBytes += sourceBytes
        }
        if (!status.lastDate || object.date > status.lastDate) status.lastDate = object.date
        if (object.date === yesterday) status.yesterday.exists = true
        if (status.due && object.date >= status.due.period.from && object.date <= status.due.period.to) status.due.exists = true
      } catch {
        status.unreadable.push(object.path)
      } finally {
        await handle?.close()
      }
    })
    status.unreadable.sort()
    status.misplaced.sort()
    // The export's formula (ratioOf), over every file at once.
    status.averageRatio = ratioOf(inputBytes, measuredBytes)
    status.inputBytes = inputBytes
    datasets.push(status)
  }
  const totalBytes = datasets.reduce((sum, dataset) => sum + dataset.bytes, 0)
  const sizeWarning =
    totalBytes > sizeWarningBytes ? `${(totalBytes / 1024 ** 3).toFixed(2)} GiB stored under ${options.storage.url}, over the ${(sizeWarningBytes / 1024 ** 3).toFixed(2)} GiB warning size` : undefined
  return {
    location: options.storage.url,
    datasets,
    totalBytes,
    sizeWarning,
    ok: datasets.every((dataset) => (dataset.due?.exists ?? true) && dataset.unreadable.length === 0 && dataset.misplaced.length === 0),
  }
}
