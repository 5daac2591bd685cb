import { dateRange } from '@parquetry/partitioner'
import type { Storage } from '@parquetry/storage'
import { canonicalShape, ParquetryError, type DatasetSchema } from '@parquetry/schema'
import type { FileMetaData } from 'hyparquet'
import { checkFooter, footerInfoFromMetadata, footerKeys, readParquetMetadata, verifyParquetFile, type PartitioningInfo } from '@parquetry/writer'
import { cadenceOf, compileDataset, type CompiledDataset, type DatasetDefinition } from '../engine/definition.js'
import { dateInZone } from '../engine/zoned-date.js'
import { expectedPeriods, type Period } from '../status/cadence.js'

/** One file's verification. */
export interface VerifiedFile {
  dataset: string
  path: string
  /**
   * `stray`: a file in the dataset's folders that its layout does not
   * produce (a copy, a backup, a file of a month 13): no export wrote it, and
   * the dataset's queries do not read it.
   */
  status: 'ok' | 'unreadable' | 'mismatch' | 'stray'
  rows?: number
  reason?: string
}

/** The result of {@link verifyDatasets}. */
export interface VerifyReport {
  /** Every file verified and no requested date without a file. */
  ok: boolean
  files: VerifiedFile[]
  /**
   * Files that should be there and are not, by the dataset's cadence: a
   * requested date of a daily dataset with no file (the path it would have;
   * a glob when the layout splits a day by column values), a week wholly
   * inside the range with no file of a weekly one (`period`, and the path
   * its Monday's file would have), and files another file of their date was
   * made with. A dataset of cadence `input` has no calendar to miss.
   */
  missing: { dataset: string; date: string; path: string; period?: Period }[]
}

/** Options for {@link verifyDatasets}. */
export interface VerifyOptions {
  storage: Storage
  datasets: readonly DatasetDefinition[]
  /** Only the files of these dates (and report the dates, or weeks, that the datasets' cadences expect a file in and that have none). */
  range?: { from: string; to: string }
  /**
   * Every dataset of the project: a file another dataset's layout produces is
   * that dataset's, not a stray of one whose folder holds it. Default `datasets`.
   */
  allDatasets?: readonly DatasetDefinition[]
  /** Folders under the root that are not datasets' (rejects files, locks). Default `['_rejects', '_parquetry']`. */
  ignore?: readonly string[]
}

/**
 * Checks every file of the datasets (or those of the given dates) through
 * the storage: the footer must name the dataset's schema with its current
 * fingerprint and the partitioning in force, its row count must match
 * Parquetry's record of it, its rows' dates (from the date column's
 * statistics) must be the date of its path, and the data must decode to that
 * many rows. Files in a dataset's folders that its layout does not produce
 * are reported as strays. Nothing is thrown for a bad file: it is reported.
 */
export async function verifyDatasets(options: VerifyOptions): Promise<VerifyReport> {
  const files: VerifiedFile[] = []
  const missing: VerifyReport['missing'] = []
  const everyLayout = (options.allDatasets ?? options.datasets).map((definition) => compileDataset(definition).layout)
  const ignore = (options.ignore ?? ['_rejects', '_parquetry']).map((folder) => `${folder.replace(/\/+$/, '')}/`)
  for (const definition of options.datasets) {
    const compiled = compileDataset(definition)
    const { layout } = compiled
    const { schema, name } = definition
    const dates = options.range ? dateRange(options.range.from, options.range.to) : undefined
    const wanted = dates ? new Set(dates) : undefined
    const found: { path: string; date: string }[] = []
    for (const folder of layout.folders(dates)) {
      for await (const object of options.storage.list(folder)) {
        if (ignore.some((prefix) => object.path.startsWith(prefix))) continue
        const match = layout.match(object.path)
        if (match) {
          if (!wanted || wanted.has(match.date)) found.push({ path: object.path, date: match.date })
          continue
        }
        if (everyLayout.some((other) => other !== layout && other.match(object.path))) continue
        files.push({ dataset: name, path: object.path, status: 'stray', reason: `${object.path}: not a file of ${name} (its layout ${layout.template} does not produce this path); no export wrote it and queries do not read it` })
      }
    }
    if (dates) {
      const present = new Set(found.map((object) => object.date))
      for (const period of expectedPeriods(cadenceOf(definition), dates)) {
        if (dateRange(period.from, period.to).some((date) => present.has(date))) continue
        missing.push({ dataset: name, date: period.from, path: layout.pattern(period.from), ...(period.from !== period.to ? { period } : {}) })
      }
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
          metadata = await readParquetMetadata(object)
        } catch (error) {
          files.push({ dataset: name, path, status: 'unreadable', reason: (error as Error).message })
          continue
        }
        const footer = footerInfoFromMetadata(metadata)
        // A file made with this one that is gone (one currency of a day split by currency, say).
        if (footer.parquetry?.schemaName === schema.name) for (const sibling of footer.parquetry.files ?? []) if (!present.has(sibling) && layout.match(sibling)) siblings.set(sibling, date)
        try {
          checkFooter(footer, { schema }, path)
          checkColumns(schema, metadata, footer.keyValues, path)
          checkPartitioning(compiled, footer.parquetry?.partitioning, path)
          checkDates(compiled, metadata, date, path)
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

/**
 * What is wrong, if anything, with how a footer names the dataset's columns:
 * its Parquet schema (`names`, in order) and its `parquetry.schema.columns`
 * must both describe them (a footer damaged there still parses).
 */
export function columnsProblem(schema: DatasetSchema, names: readonly string[] | undefined, keyValues: Record<string, string> | undefined): string | undefined {
  const expected = schema.columns.map((column) => column.name)
  if (names !== undefined && names.join('\u0000') !== expected.join('\u0000')) return `the footer's columns are ${names.join(', ')}; ${schema.name} has ${expected.join(', ')}`
  const shape = keyValues?.[footerKeys.schemaColumns]
  if (shape !== undefined && shape !== canonicalShape(schema.columns)) return `the footer's ${footerKeys.schemaColumns} does not describe ${schema.name}'s columns`
  return undefined
}

function checkColumns(schema: DatasetSchema, metadata: FileMetaData, keyValues: Record<string, string>, where: string): void {
  const problem = columnsProblem(schema, metadata.schema.slice(1).map((element) => element.name), keyValues)
  if (problem !== undefined) throw new ParquetryError('VERIFY_FAILED', `${where}: ${problem}`)
}

function checkPartitioning(dataset: CompiledDataset, recorded: PartitioningInfo | undefined, where: string): void {
  if (recorded === undefined || dataset.samePartitioning(recorded)) return
  const now = dataset.partitioning
  const what =
    recorded.timezone !== now.timezone
      ? `time zone ${recorded.timezone}; the config says ${now.timezone}`
      : recorded.dateColumn !== now.dateColumn
        ? `date column ${recorded.dateColumn}; the config says ${now.dateColumn}`
        : `template ${recorded.template}; the config says ${now.template}`
  throw new ParquetryError('VERIFY_FAILED', `${where}: partitioned by ${what} (rebuild with parquetry export ${dataset.definition.name} --historical)`)
}

/**
 * The dates of the date column's smallest and largest values in each row
 * group must be the file's date (from its path).
 *
 * @throws ParquetryError `VERIFY_FAILED` naming the row group and the date it holds.
 */
export function checkDates(dataset: CompiledDataset, metadata: FileMetaData, date: string, where: string): void {
  const column = dataset.partitioning.dateColumn
  const isDate = dataset.definition.schema.columns.find((candidate) => candidate.name === column)?.type === 'date'
  const dateOf = (value: unknown): string | undefined => {
    let micros: bigint
    if (value instanceof Date) micros = BigInt(value.getTime()) * 1000n
    else if (typeof value === 'bigint') micros = value
    else if (typeof value === 'number') micros = isDate ? BigInt(value) * 86_400_000_000n : BigInt(value)
    else return undefined
    return isDate ? dateInZone(micros, 'UTC') : dateInZone(micros, dataset.partitioning.timezone)
  }
  for (const [index, group] of metadata.row_groups.entries()) {
    const chunk = group.columns.find((candidate) => candidate.meta_data?.path_in_schema.join('.') === column)
    const statistics = chunk?.meta_data?.statistics
    if (!statistics) continue
    for (const [bound, value] of [['smallest', statistics.min_value ?? statistics.min], ['largest', statistics.max_value ?? statistics.max]] as const) {
      const found = dateOf(value)
      if (found !== undefined && found !== date) {
        throw new ParquetryError('VERIFY_FAILED', `${where}: row group ${index} holds rows of ${found} (its ${bound} ${column}), not only of ${date}`)
      }
    }
  }
}
