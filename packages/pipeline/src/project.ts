import { ParquetryError, defineSchema, type DatasetSchema } from '@parquetry/schema'
import type { Storage } from '@parquetry/storage'
import type { ResolvedConfig, ResolvedDataset } from './config/schema.js'
import { loadConfig } from './config/load.js'
import { checkLayoutsApart, compileDataset, type DatasetDefinition } from './engine/definition.js'
import { listDatasetFiles } from './engine/existing.js'
import { runExport, type ExportOptions } from './engine/run-export.js'
import type { ExportResult } from './engine/types.js'
import { todayIn } from './engine/zoned-date.js'
import { fileInputs } from './inputs/file-inputs.js'
import { fileReader } from './presets/file-readers.js'
import { opsDataset } from './presets/ops.js'
import { pageviewsDataset } from './presets/pageviews.js'
import { postgresInputs } from './inputs/postgres-inputs.js'
import { readStatus, type StatusReport } from './status/read-status.js'
import { describePath, openStorage } from './storage.js'
import { verifyDatasets, type VerifyReport } from './verify/verify.js'

/** A dataset as the querier sees it: its view, schema and layout template (a `@parquetry/querier` DatasetLayout). */
export interface DatasetLayoutInfo {
  name: string
  view: string
  schema: DatasetSchema
  template: string
}

/** A config made ready to run: its datasets as definitions, its output as a storage. */
export interface Project {
  readonly config: ResolvedConfig
  /** Every dataset the config declares, enabled or not, in config order. */
  readonly datasets: readonly DatasetDefinition[]
  /** Where the Parquet files are. */
  readonly storage: Storage
  /**
   * The datasets called `names` (default: the enabled ones).
   *
   * @throws ParquetryError `USAGE` naming an unknown dataset and the known ones.
   */
  select(names?: readonly string[]): DatasetDefinition[]
  /** The querier's views: one per dataset, from the same definitions the export uses. */
  layouts(names?: readonly string[]): DatasetLayoutInfo[]
  /** Today in the config's time zone. */
  today(now?: Date): string
  /** Exports the named datasets (default: the enabled ones) with the config's settings. */
  export(options?: Omit<ExportOptions, 'datasets' | 'storage'> & { datasets?: readonly string[] }): Promise<ExportResult>
  /** `parquetry status`: the health of the files, "yesterday" in the config's time zone. */
  status(options?: { datasets?: readonly string[]; now?: Date; today?: string }): Promise<StatusReport>
  /** `parquetry verify`: every file (or those of a date range) checked against its schema. */
  verify(options?: { datasets?: readonly string[]; range?: { from: string; to: string } }): Promise<VerifyReport>
  /**
   * The oldest and newest dates of a dataset's files, by their paths (a
   * listing, no file read): where a report's window defaults to end, and
   * what to say when a window holds nothing. Undefined when it has no file.
   */
  dateSpan(dataset: string): Promise<{ first: string; last: string; files: number } | undefined>
  /** A storage path as people read it (an absolute file path, or an s3:// URL). */
  describe(path: string): string
  /** Releases the storage's connections. */
  close(): Promise<void>
}

/** The definition of a dataset from its config entry: a preset's, or one the config declares, with its cadence. */
export function datasetFromConfig(dataset: ResolvedDataset, config: Pick<ResolvedConfig, 'baseDir' | 'timezone'>, env?: Readonly<Record<string, string | undefined>>, now?: () => Date): DatasetDefinition {
  return withCadence(definitionFromConfig(dataset, config, env, now), dataset)
}

function definitionFromConfig(dataset: ResolvedDataset, config: Pick<ResolvedConfig, 'baseDir' | 'timezone'>, env?: Readonly<Record<string, string | undefined>>, now?: () => Date): DatasetDefinition {
  const clock = now ? { now } : {}
  const connectionOf = (url: string | undefined) => ({ ...(url ? { connectionString: url } : {}), ...(env ? { env } : {}) })
  if (dataset.kind === 'pageviews') {
    return pageviewsDataset({
      name: dataset.name,
      view: dataset.view,
      connection: connectionOf(dataset.connection),
      perProject: dataset.perProject,
      deleteAfterExport: dataset.deleteAfterExport,
      retentionDays: dataset.retentionDays,
      timezone: config.timezone,
      tables: dataset.tables,
      ...(dataset.output ? { output: dataset.output } : {}),
      ...(dataset.ledgerTable ? { ledgerTable: dataset.ledgerTable } : {}),
      ...clock,
    })
  }
  if (dataset.kind === 'postgres') {
    const schema = defineSchema({ name: dataset.name, ...(dataset.description ? { description: dataset.description } : {}), columns: dataset.columns })
    return {
      name: dataset.name,
      schema,
      view: dataset.view,
      inputs: postgresInputs({
        connection: connectionOf(dataset.connection),
        relation: dataset.name,
        query: dataset.query,
        columns: schema.columns,
        timezone: config.timezone,
        ...(dataset.digestQuery ? { digestQuery: dataset.digestQuery } : {}),
        ...(dataset.datesQuery ? { datesQuery: dataset.datesQuery } : {}),
        ...clock,
      }),
      partition: { template: dataset.output, dateColumn: dataset.dateColumn, timezone: config.timezone },
    }
  }
  if (dataset.kind === 'preset') {
    return opsDataset(dataset.name, {
      dir: dataset.inputDir,
      pattern: dataset.pattern,
      output: dataset.output,
      view: dataset.view,
      base: config.baseDir,
      timezone: config.timezone,
      strictHeader: dataset.strictHeader,
      ...(dataset.spread !== undefined ? { spread: dataset.spread } : {}),
    })
  }
  const schema = defineSchema({ name: dataset.name, ...(dataset.description ? { description: dataset.description } : {}), columns: dataset.columns })
  return {
    name: dataset.name,
    schema,
    view: dataset.view,
    inputs: fileInputs({ dir: dataset.inputDir, pattern: dataset.pattern, base: config.baseDir, read: fileReader(schema, dataset.format, { computedColumns: [] }), ...(dataset.spread !== undefined ? { spread: dataset.spread } : {}) }),
    partition: { template: dataset.output, dateColumn: dataset.dateColumn, timezone: config.timezone },
  }
}

/** The config's `cadence`, when it gives one, over the one the dataset's inputs imply. */
function withCadence(definition: DatasetDefinition, dataset: ResolvedDataset): DatasetDefinition {
  return dataset.cadence ? { ...definition, cadence: dataset.cadence } : definition
}

/** Options of {@link openProject}: a resolved config, or where to load one from. */
export type ProjectOptions = ({ config: ResolvedConfig } | { cwd: string; path?: string }) & {
  env?: Readonly<Record<string, string | undefined>>
  /**
   * The clock for "today" (`project.today()`, `status`) and for which days of
   * a PostgreSQL table are over. Default: the system's. For tests and
   * rehearsals: one instant makes every "today" agree.
   */
  now?: () => Date
}

/**
 * Opens a project: loads the config (or takes a resolved one), builds every
 * dataset's definition and opens the output storage (local, or S3 for an
 * `s3://` output). The CLI and the worker run everything through it.
 *
 * @throws ParquetryError `CONFIG_INVALID` for an invalid config or dataset.
 */
export async function openProject(options: ProjectOptions): Promise<Project> {
  const config = 'config' in options ? options.config : await loadConfig({ cwd: options.cwd, ...(options.path ? { path: options.path } : {}), ...(options.env ? { env: options.env } : {}) })
  const env = options.env ? { env: options.env } : {}
  const clock = options.now
  const datasets = config.datasets.map((dataset) => datasetFromConfig(dataset, config, options.env, clock))
  checkLayoutsApart(datasets.map((definition) => compileDataset(definition)))
  const storage = await openStorage(config.output, { s3: config.s3, ...env })
  const rejectsStorage = config.rejects.dir === undefined ? undefined : await openStorage(config.rejects.dir, { s3: config.s3, ...env })
  const select = (names?: readonly string[]) => {
    if (!names || names.length === 0) return datasets.filter((_, index) => config.datasets[index]?.enabled)
    return names.map((name) => {
      const found = datasets.find((definition) => definition.name === name)
      if (!found) throw new ParquetryError('USAGE', `unknown dataset ${JSON.stringify(name)}; known: ${datasets.map((definition) => definition.name).join(', ')}`)
      return found
    })
  }
  return {
    config,
    datasets,
    storage,
    select,
    layouts: (names) => (names && names.length > 0 ? select(names) : datasets).map((definition) => ({ name: definition.name, view: definition.view ?? definition.name, schema: definition.schema, template: definition.partition.template })),
    today: (now) => todayIn(config.timezone, now ?? clock?.()),
    export: (exportOptions = {}) => {
      const { datasets: names, ...rest } = exportOptions
      return runExport({
        codec: config.codec,
        rowGroupSize: config.rowGroupSize,
        pageIndex: config.pageIndex,
        bloomFilters: config.bloomFilters,
        rejects: { maxRatio: config.rejects.maxRatio, ...(config.rejects.maxCount !== undefined ? { maxCount: config.rejects.maxCount } : {}), ...(rejectsStorage ? { storage: rejectsStorage } : {}) },
        ...rest,
        datasets: select(names),
        storage,
      })
    },
    status: (statusOptions = {}) =>
      readStatus({ storage, datasets: select(statusOptions.datasets), timezone: config.timezone, sizeWarningBytes: config.sizeWarningBytes, ...statusClock(statusOptions.now, clock), ...(statusOptions.today ? { today: statusOptions.today } : {}) }),
    verify: (verifyOptions = {}) => verifyDatasets({ storage, datasets: select(verifyOptions.datasets), allDatasets: datasets, ...(verifyOptions.range ? { range: verifyOptions.range } : {}) }),
    dateSpan: async (name) => {
      const [definition] = select([name])
      const { layout } = compileDataset(definition as DatasetDefinition)
      let span: { first: string; last: string; files: number } | undefined
      for await (const object of listDatasetFiles(storage, layout)) {
        if (!span) span = { first: object.date, last: object.date, files: 0 }
        span.files++
        if (object.date < span.first) span.first = object.date
        if (object.date > span.last) span.last = object.date
      }
      return span
    },
    describe: (path) => describePath(storage, path),
    close: async () => {
      await storage.close()
      await rejectsStorage?.close()
    },
  }
}

/** The `now` of a status: the call's, else the project's clock, else none (the system's). */
function statusClock(now: Date | undefined, clock: (() => Date) | undefined): { now?: Date } {
  const instant = now ?? clock?.()
  return instant ? { now: instant } : {}
}
