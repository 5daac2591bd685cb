import { createLayout } from '@parquetry/partitioner'
import { pageviewsSchema, ParquetryError, type ColumnDefinition, type ColumnType } from '@parquetry/schema'
import { isS3Url } from '@parquetry/storage'
import { DEFAULT_PAGE_INDEX } from '@parquetry/writer'
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { getOpsPreset, opsPreset } from '../presets/ops.js'
import type { z } from 'zod'
import type { Cadence } from '../engine/definition.js'
import { pageviewsTemplates } from '../presets/pageviews.js'
import { checkSchedule, OPS_SCHEDULE, PAGEVIEWS_SCHEDULE, type Schedule } from '../schedule/schedule.js'
import { explainConfigIssue } from './explain-issue.js'
import { configFileSchema, configJsonSchema, type ResolvedWorkerConfig, type customDatasetSchema, type pageviewsDatasetSchema, type postgresDatasetSchema, type ConfigFile, type ResolvedConfig, type ResolvedDataset } from './schema.js'

/** The config file name looked for in the working directory. */
export const CONFIG_FILE_NAME = 'parquetry.config.json'

/** A dataset's settings before its schedule is resolved. */
type Unscheduled = ResolvedDataset extends infer T ? (T extends unknown ? Omit<T, 'schedule'> : never) : never

const DEFAULT_OUTPUT = 'knowledge/optimize/parquet'
const FIVE_GIB = 5 * 1024 ** 3

function location(baseDir: string, value: string): string {
  return isS3Url(value) ? value.replace(/\/+$/, '') : resolve(baseDir, value)
}

/**
 * Validates a parsed config file and resolves it: defaults filled in (seed
 * 000's paths), relative paths made absolute against `baseDir` (the config
 * file's folder). `datasets` lists what the project exports — preset names
 * with their defaults, and datasets of its own; without `datasets`, the four
 * ops datasets of seed 000.
 *
 * @throws ParquetryError `CONFIG_INVALID` naming the field and the problem.
 */
export function resolveConfig(raw: unknown, options: { baseDir: string; path?: string; env?: Readonly<Record<string, string | undefined>> }): ResolvedConfig {
  const where = options.path ?? 'config'
  const parsed = configFileSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0] && unionBranchIssue(parsed.error.issues[0])
    const field = issue?.path.length ? issue.path.join('.') : '(top level)'
    const message = issue ? explainConfigIssue(issue, raw, configJsonSchema()) : 'invalid'
    throw new ParquetryError('CONFIG_INVALID', `${where}: ${field}: ${message}`, { details: { issues: parsed.error.issues } })
  }
  const file: ConfigFile = parsed.data
  const baseDir = resolve(options.baseDir)
  const output = location(baseDir, file.output ?? DEFAULT_OUTPUT)
  const fail = (field: string, message: string): never => {
    throw new ParquetryError('CONFIG_INVALID', `${where}: ${field}: ${message}`)
  }
  // In the order the file lists them.
  const declared = file.datasets as Record<string, Record<string, unknown>> | undefined
  const order = Object.keys(((raw as { datasets?: object }).datasets ?? {}) as object)
  const timezone = file.timezone ?? 'UTC'
  const scheduleOf = (name: string, entry: Record<string, unknown>, preset: Schedule): Schedule | undefined => {
    const value = entry['schedule'] as string | { cron: string; timezone?: string } | false | undefined
    if (value === false) return undefined
    const schedule = value === undefined ? preset : typeof value === 'string' ? { cron: value, timezone } : { cron: value.cron, timezone: value.timezone ?? timezone }
    try {
      return checkSchedule(schedule)
    } catch (error) {
      return fail(`datasets.${name}.schedule`, (error as Error).message)
    }
  }
  const otherSchedule: Schedule = { cron: '0 1 * * *', timezone }
  const entries: [string, Record<string, unknown>][] = declared ? order.map((name) => [name, declared[name] as Record<string, unknown>]) : opsPreset.map((dataset) => [dataset.name, {}])
  const datasets = entries.map(([name, entry]): ResolvedDataset => {
    const dataset = resolveDataset(name, entry)
    const cadence = (entry as { cadence?: Cadence }).cadence
    return { ...dataset, ...(cadence ? { cadence } : {}), schedule: scheduleOf(name, entry, dataset.kind === 'preset' ? OPS_SCHEDULE : dataset.kind === 'pageviews' ? PAGEVIEWS_SCHEDULE : otherSchedule) } as ResolvedDataset
  })
  function resolveDataset(name: string, entry: Record<string, unknown>): Unscheduled {
    if (!/^[a-z][a-z0-9_]*$/.test(name)) fail(`datasets.${name}`, 'dataset names are lower-case letters, digits and underscores')
    // `pageviews` is the preset, unless the entry declares a dataset of its own (its columns).
    if (name === 'pageviews' && !('columns' in entry)) {
      return resolvePageviews(name, entry as z.infer<typeof pageviewsDatasetSchema>, fail)
    }
    if ((entry as { format?: string }).format === 'postgres') return resolvePostgres(name, entry as z.infer<typeof postgresDatasetSchema>, fail)
    const preset = getOpsPreset(name)
    const settings = entry as { enabled?: boolean; view?: string; spread?: number; input?: string; pattern?: string; output?: string; strictHeader?: boolean }
    if (preset) {
      const output = settings.output ?? preset.output
      try {
        createLayout({ template: output, dataset: name, columns: preset.schema.columns })
      } catch (error) {
        fail(`datasets.${name}.output`, (error as Error).message)
      }
      return {
        kind: 'preset',
        name,
        enabled: settings.enabled ?? true,
        view: settings.view ?? preset.view,
        inputDir: resolve(baseDir, settings.input ?? preset.input),
        pattern: settings.pattern ?? preset.pattern,
        output,
        spread: settings.spread,
        strictHeader: settings.strictHeader ?? false,
      }
    }
    const custom = entry as Exclude<z.infer<typeof customDatasetSchema>, { format: 'postgres' }>
    const { enabled, schedule: _schedule, view, spread, input, pattern, output: template, columns, dateColumn, description, ...format } = custom
    try {
      createLayout({ template, dataset: name, columns: columns as { name: string; type: ColumnType }[] })
    } catch (error) {
      fail(`datasets.${name}.output`, (error as Error).message)
    }
    checkDateColumn(name, columns as ColumnDefinition[], dateColumn, fail)
    return {
      kind: 'custom',
      name,
      enabled: enabled ?? true,
      view: view ?? name,
      inputDir: resolve(baseDir, input),
      pattern,
      output: template,
      spread,
      columns: columns as ColumnDefinition[],
      dateColumn,
      description,
      format: format as never,
    }
  }
  const views = new Map<string, string>()
  for (const dataset of datasets) {
    const other = views.get(dataset.view)
    if (other !== undefined) fail(`datasets.${dataset.name}.view`, `view ${dataset.view} is also the view of ${other}`)
    views.set(dataset.view, dataset.name)
  }
  return {
    path: options.path,
    baseDir,
    output,
    timezone,
    codec: (file.codec ?? 'SNAPPY') as ResolvedConfig['codec'],
    rowGroupSize: file.rowGroupSize ?? 100_000,
    pageIndex: file.pageIndex ?? DEFAULT_PAGE_INDEX,
    bloomFilters: file.bloomFilters ?? true,
    rejects: {
      maxRatio: file.rejects?.maxRatio ?? 0.01,
      maxCount: file.rejects?.maxCount,
      dir: file.rejects?.dir === undefined ? undefined : location(baseDir, file.rejects.dir),
    },
    sizeWarningBytes: file.sizeWarningBytes ?? FIVE_GIB,
    s3: { ...file.s3 },
    cacheDir: file.cacheDir === undefined ? undefined : resolve(baseDir, file.cacheDir),
    datasets,
    worker: resolveWorker(file.worker, options.env ?? process.env),
  }
}

function resolveWorker(worker: ConfigFile['worker'], env: Readonly<Record<string, string | undefined>>): ResolvedWorkerConfig {
  const webhookUrl = worker?.webhook?.url ?? env['PARQUETRY_WEBHOOK_URL']
  return {
    http: worker?.http === false ? undefined : { host: worker?.http?.host ?? '127.0.0.1', port: worker?.http?.port ?? 9464 },
    timeoutSeconds: worker?.timeoutSeconds ?? 600,
    catchUpDays: worker?.catchUpDays ?? 30,
    retries: { attempts: worker?.retries?.attempts ?? 5, delaySeconds: worker?.retries?.delaySeconds ?? 30, maxDelaySeconds: worker?.retries?.maxDelaySeconds ?? 900 },
    graceSeconds: worker?.graceSeconds ?? 30,
    webhook: webhookUrl ? { url: webhookUrl, onSuccess: worker?.webhook?.onSuccess ?? false } : undefined,
    queue: worker?.queue ? { connection: worker.queue.connection, schema: worker.queue.schema ?? 'parquetry_boss', ledgerTable: worker.queue.ledgerTable ?? 'parquetry_worker_ledger' } : undefined,
  }
}

/**
 * Loads `parquetry.config.json`: the given path, else the one in `cwd`, else
 * the defaults (paths relative to `cwd`).
 *
 * @throws ParquetryError `CONFIG_INVALID` for a file that is missing (when named), not JSON, or invalid.
 */
export async function loadConfig(options: { path?: string; cwd: string; env?: Readonly<Record<string, string | undefined>> }): Promise<ResolvedConfig> {
  const path = options.path ? resolve(options.cwd, options.path) : resolve(options.cwd, CONFIG_FILE_NAME)
  const env = options.env ? { env: options.env } : {}
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !options.path) return resolveConfig({}, { baseDir: options.cwd, ...env })
    throw new ParquetryError('CONFIG_INVALID', `${path}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error })
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new ParquetryError('CONFIG_INVALID', `${path}: not valid JSON (${(error as Error).message})`, { cause: error })
  }
  return resolveConfig(raw, { baseDir: dirname(path), path, ...env })
}

/** Where `parquetry init` writes the config's JSON Schema: beside the config, which names it in `$schema`. */
export const CONFIG_SCHEMA_FILE_NAME = 'parquetry.config.schema.json'

/** The starter config `parquetry init` writes: the ops datasets' defaults, spelled out; its `$schema` is the file beside it. */
export function starterConfig(): string {
  const datasets = Object.fromEntries(opsPreset.map((dataset) => [dataset.name, { enabled: true, input: dataset.input, pattern: dataset.pattern, output: dataset.output }]))
  const config = {
    $schema: `./${CONFIG_SCHEMA_FILE_NAME}`,
    output: DEFAULT_OUTPUT,
    timezone: 'UTC',
    codec: 'SNAPPY',
    rowGroupSize: 100_000,
    rejects: { maxRatio: 0.01 },
    sizeWarningBytes: FIVE_GIB,
    datasets,
  }
  return `${JSON.stringify(config, null, 2)}\n`
}

function resolvePageviews(name: string, entry: z.infer<typeof pageviewsDatasetSchema>, fail: (field: string, message: string) => never): Unscheduled {
  const output = entry.output ?? (entry.perProject ? pageviewsTemplates.perProject : pageviewsTemplates.daily)
  try {
    createLayout({ template: output, dataset: name, columns: pageviewsSchema.columns })
  } catch (error) {
    fail(`datasets.${name}.output`, (error as Error).message)
  }
  return {
    kind: 'pageviews',
    name,
    enabled: entry.enabled ?? true,
    view: entry.view ?? name,
    output,
    connection: entry.connection,
    perProject: entry.perProject ?? false,
    deleteAfterExport: entry.deleteAfterExport ?? false,
    retentionDays: entry.retentionDays ?? 90,
    ledgerTable: entry.ledgerTable,
    tables: entry.tables ?? {},
  }
}

function resolvePostgres(name: string, entry: z.infer<typeof postgresDatasetSchema>, fail: (field: string, message: string) => never): Unscheduled {
  const columns = entry.columns as ColumnDefinition[]
  try {
    createLayout({ template: entry.output, dataset: name, columns: columns as { name: string; type: ColumnType }[] })
  } catch (error) {
    fail(`datasets.${name}.output`, (error as Error).message)
  }
  checkDateColumn(name, columns, entry.dateColumn, fail)
  if (!/\$1\b/.test(entry.query)) fail(`datasets.${name}.query`, 'must use $1 for the day it reads (WHERE day = $1)')
  return {
    kind: 'postgres',
    name,
    enabled: entry.enabled ?? true,
    view: entry.view ?? name,
    output: entry.output,
    connection: entry.connection,
    query: entry.query,
    digestQuery: entry.digestQuery,
    datesQuery: entry.datesQuery,
    columns,
    dateColumn: entry.dateColumn,
    description: entry.description,
  }
}

function checkDateColumn(name: string, columns: readonly ColumnDefinition[], dateColumn: string, fail: (field: string, message: string) => never): void {
  const date = columns.find((column) => column.name === dateColumn)
  if (!date) fail(`datasets.${name}.dateColumn`, `${dateColumn} is not one of its columns (${columns.map((column) => column.name).join(', ')})`)
  else if (date.type !== 'date' && date.type !== 'timestamp') fail(`datasets.${name}.dateColumn`, `${dateColumn} is a ${date.type}; it must be a date or a timestamp`)
  else if (date.nullable !== false) fail(`datasets.${name}.dateColumn`, `${dateColumn} must be declared "nullable": false (every row needs a date)`)
}

type ConfigIssue = z.core.$ZodIssue

/**
 * The issue to report for a value matching none of a union's shapes (the
 * `pageviews` entry: the preset's settings, or a dataset of one's own): the
 * branch with the fewest issues (the preset's on a tie), with its full path,
 * instead of zod's bare "Invalid input".
 */
function unionBranchIssue(issue: ConfigIssue): ConfigIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue
  const branch = issue.errors.reduce((best, errors) => (errors.length < best.length ? errors : best))
  const first = branch[0]
  return first ? unionBranchIssue({ ...first, path: [...issue.path, ...first.path] } as ConfigIssue) : issue
}
