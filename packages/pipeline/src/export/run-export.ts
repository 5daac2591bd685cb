import { renderOutputPath } from '@parquetry/partitioner'
import { isParquetryError, ParquetryError, type Row } from '@parquetry/schema'
import { checkRejects, readBytes, validateRecords } from '@parquetry/sources'
import { createLocalStorage, type LocalStorage } from '@parquetry/storage'
import { readFooter, type FooterInfo } from '@parquetry/writer'
import { createHash } from 'node:crypto'
import { basename, join } from 'node:path'
import type { ResolvedConfig, ResolvedDataset } from '../config/schema.js'
import { getOpsDataset, type OpsDataset } from '../ops/datasets.js'
import { discoverInputs, type InputFile } from './inputs.js'
import { Partition } from './partitions.js'
import { planInputs, type DateSelection } from './select.js'
import type { ExportDatasetResult, ExportEvent, ExportFileResult, ExportResult, InputRejects } from './types.js'
import { dateInZone } from './zoned-date.js'

/** Options for {@link runExport}. */
export interface ExportOptions {
  config: ResolvedConfig
  /** Datasets to export; default: every enabled one. */
  datasets?: readonly string[]
  /** Dates to export. Default: the latest input present. */
  selection?: DateSelection
  /** Find and plan, but write nothing. */
  dryRun?: boolean
  /** Rewrite files even when their sources are unchanged. */
  force?: boolean
  signal?: AbortSignal
  onEvent?: (event: ExportEvent) => void
}

/**
 * Exports datasets to partitioned Parquet. Each row goes to the file of its
 * own date (`date_partition`, in the config's time zone); a file fed by
 * several inputs holds all their rows and lists every input and checksum in
 * its footer. A file whose footer already lists exactly the current inputs
 * and checksums (and the same schema) is skipped — a touched but unchanged
 * input changes nothing — unless `force`. Every file is read back before it
 * appears. An input whose rejects pass the threshold keeps the files it feeds
 * from being written. A dataset that fails is reported and the others go on.
 */
export async function runExport(options: ExportOptions): Promise<ExportResult> {
  const { config } = options
  const started = Date.now()
  const names = options.datasets ?? config.datasets.filter((dataset) => dataset.enabled).map((dataset) => dataset.name)
  const storage = createLocalStorage({ root: config.outputDir })
  const results: ExportDatasetResult[] = []
  for (const name of names) {
    const settings = config.datasets.find((dataset) => dataset.name === name)
    const definition = getOpsDataset(name)
    if (!settings || !definition) throw new ParquetryError('USAGE', `unknown dataset ${JSON.stringify(name)}; known: ${config.datasets.map((dataset) => dataset.name).join(', ')}`)
    const result: ExportDatasetResult = { dataset: name, inputs: [], missing: [], files: [], rejects: [], rowsOutsideDates: 0 }
    results.push(result)
    try {
      await exportDataset({ ...options, storage, settings, definition, result })
    } catch (error) {
      if (!isParquetryError(error) || error.code === 'ABORTED') throw error
      result.error = { code: error.code, message: error.message }
      options.onEvent?.({ type: 'dataset-error', dataset: name, error: result.error })
    }
  }
  const files = results.flatMap((result) => result.files)
  const failed = files.filter((file) => file.status === 'failed').length
  return {
    ok: failed === 0 && results.every((result) => !result.error),
    dryRun: options.dryRun ?? false,
    datasets: results,
    written: files.filter((file) => file.status === 'written').length,
    skipped: files.filter((file) => file.status === 'skipped').length,
    failed,
    durationMs: Date.now() - started,
  }
}

interface DatasetContext extends ExportOptions {
  storage: LocalStorage
  settings: ResolvedDataset
  definition: OpsDataset
  result: ExportDatasetResult
}

async function readExistingFooter(storage: LocalStorage, path: string): Promise<FooterInfo | undefined> {
  if (!(await storage.stat(path))) return undefined
  const object = await storage.open(path)
  try {
    return await readFooter(object)
  } catch {
    return undefined // unreadable: rewritten
  } finally {
    await object.close()
  }
}

async function exportDataset(context: DatasetContext): Promise<void> {
  const { config, settings, result, storage } = context
  const emit = context.onEvent ?? (() => undefined)

  const found = await discoverInputs(config, settings)
  for (const problem of found.problems) {
    result.missing.push(problem)
    emit({ type: 'missing', dataset: settings.name, what: problem })
  }
  const plan = planInputs(found.inputs, context.selection ?? { kind: 'latest' })
  for (const date of plan.missingDates) {
    const what = `no ${settings.pattern} input for ${date}`
    result.missing.push(what)
    emit({ type: 'missing', dataset: settings.name, what })
  }
  if (found.inputs.length === 0 && plan.missingDates.length === 0) {
    const what = `no input matching ${settings.pattern} in ${settings.inputDir}`
    result.missing.push(what)
    emit({ type: 'missing', dataset: settings.name, what })
  }

  // Files that already exist for the requested dates may list inputs outside
  // the usual window: those are read too, so a rewrite never loses their rows.
  const footers = new Map<string, FooterInfo | undefined>()
  const toRead = new Map(plan.read.map((input) => [input.identity, input]))
  if (plan.targets !== 'all') {
    for (const date of plan.targets) {
      const path = renderOutputPath(settings.output, { dataset: settings.name, date })
      const footer = await readExistingFooter(storage, path)
      footers.set(path, footer)
      for (const source of footer?.parquetry?.sources ?? []) {
        const input = found.inputs.find((candidate) => candidate.identity === source.identity)
        if (input) toRead.set(input.identity, input)
      }
    }
  }
  const inputs = [...toRead.values()].sort((left, right) => left.name.localeCompare(right.name))

  const checksums = new Map<string, string>()
  const partitions = new Map<string, Partition>()
  const failedInputs = new Set<string>()
  const readCounts = new Map<string, number>()
  try {
    await readAndFinish()
  } finally {
    // On an error or an abort, files still open are discarded: nothing half-written appears.
    for (const partition of partitions.values()) await partition.writer?.abort()
  }

  async function readAndFinish(): Promise<void> {
    for (const input of inputs) {
      if (context.signal?.aborted) throw new ParquetryError('ABORTED', `${settings.name}: export aborted; files not yet complete were discarded`)
      result.inputs.push({ identity: input.identity, bytes: input.bytes })
      emit({ type: 'input', dataset: settings.name, identity: input.identity, bytes: input.bytes })
      const { rejects, checksum } = await readInput(context, input, plan.targets, partitions)
      checksums.set(input.identity, checksum)
      readCounts.set(input.identity, rejects.read)
      if (rejects.rejected > 0 || rejects.overThreshold) {
        result.rejects.push(rejects)
        emit({ type: 'rejects', dataset: settings.name, rejects })
      }
      if (rejects.overThreshold) failedInputs.add(input.identity)
    }

    for (const partition of [...partitions.values()].sort((left, right) => left.date.localeCompare(right.date))) {
      const file = await finishPartition(context, partition, {
        checksums,
        readCounts,
        inputs,
        failedInputs,
        footer: footers.has(partition.path) ? footers.get(partition.path) : await readExistingFooter(storage, partition.path),
      })
      result.files.push(file)
      emit({ type: 'file', file })
    }
  }
}

/** Reads one input, routes its rows into partitions, and reports its rejects. */
async function readInput(
  context: DatasetContext,
  input: InputFile,
  targets: Set<string> | 'all',
  partitions: Map<string, Partition>,
): Promise<{ rejects: InputRejects; checksum: string }> {
  const { config, settings, definition, result, storage } = context
  const emit = context.onEvent ?? (() => undefined)
  let bytesRead = 0
  let lastProgress = 0
  // The checksum is taken from the same bytes the rows are parsed from: one read per input.
  const hash = createHash('sha256')
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of readBytes(input.path, input.identity, context.signal)) {
      bytesRead += chunk.length
      hash.update(chunk)
      const now = Date.now()
      if (now - lastProgress > 100) {
        lastProgress = now
        emit({ type: 'progress', dataset: settings.name, identity: input.identity, bytesRead, bytes: input.bytes })
      }
      yield chunk
    }
  }
  const rejectsFile = context.dryRun ? undefined : join(config.rejects.dir, settings.name, `${input.name}.rejects.ndjson`)
  const validated = validateRecords({
    source: definition.read({ input: counted(), name: input.identity }),
    schema: definition.schema,
    // date_partition is the row's own date, in the configured time zone.
    derive: { date_partition: (row) => dateInZone(row['timestamp'] as bigint, config.timezone) },
    ...(rejectsFile ? { rejectsFile } : {}),
  })
  for await (const rows of validated) {
    for (const row of rows) {
      const date = row['date_partition'] as string
      if (targets !== 'all' && !targets.has(date)) {
        result.rowsOutsideDates++
        continue
      }
      let partition = partitions.get(date)
      if (!partition) {
        partition = new Partition(date, renderOutputPath(settings.output, { dataset: settings.name, date }))
        partitions.set(date, partition)
        if (!context.dryRun) {
          await partition.open({ storage, schema: definition.schema, codec: config.codec, rowGroupSize: config.rowGroupSize })
        }
      }
      const pending = partition.add(row as Row, input.identity)
      if (pending) await pending
    }
  }
  emit({ type: 'progress', dataset: settings.name, identity: input.identity, bytesRead, bytes: input.bytes })
  const summary = validated.summary
  const failure = checkRejects(summary.rejected, summary.read, { maxRatio: config.rejects.maxRatio, ...(config.rejects.maxCount !== undefined ? { maxCount: config.rejects.maxCount } : {}) })
  return {
    rejects: {
      input: input.identity,
      read: summary.read,
      rejected: summary.rejected,
      overThreshold: failure !== undefined,
      ...(summary.rejected > 0 && rejectsFile ? { rejectsFile } : {}),
      examples: summary.rejects.slice(0, 20),
    },
    checksum: `sha256:${hash.digest('hex')}`,
  }
}

function sameSources(footer: FooterInfo | undefined, sources: { identity: string; checksum: string }[], fingerprint: string): boolean {
  const recorded = footer?.parquetry
  if (!recorded || recorded.fingerprint !== fingerprint || recorded.sources.length !== sources.length) return false
  const key = (source: { identity: string; checksum?: string }) => `${source.identity}\u0000${source.checksum ?? ''}`
  const current = new Set(sources.map(key))
  return recorded.sources.every((source) => current.has(key(source)))
}

/** Decides a partition's fate (write, skip, would write, fail) and carries it out. */
async function finishPartition(
  context: DatasetContext,
  partition: Partition,
  state: { checksums: Map<string, string>; readCounts: Map<string, number>; inputs: InputFile[]; failedInputs: Set<string>; footer: FooterInfo | undefined },
): Promise<ExportFileResult> {
  const { settings, definition } = context
  const sources = [...partition.rowsBySource.keys()].sort().map((identity) => {
    const input = state.inputs.find((candidate) => candidate.identity === identity) as InputFile
    return { identity, checksum: state.checksums.get(identity) as string, bytes: input.bytes }
  })
  // Each input's bytes count in proportion to the rows it gave this file.
  const sourceBytes = Math.round(
    sources.reduce((sum, source) => sum + (source.bytes * (partition.rowsBySource.get(source.identity) ?? 0)) / Math.max(1, state.readCounts.get(source.identity) ?? 1), 0),
  )
  const base = { dataset: settings.name, date: partition.date, path: partition.path, file: basename(partition.path), rows: partition.rows, sourceBytes, sources }
  const failedInput = sources.find((source) => state.failedInputs.has(source.identity))
  if (failedInput) {
    await partition.writer?.abort()
    return { ...base, status: 'failed', reason: `rejected rows in ${failedInput.identity} are over the threshold; not written` }
  }
  if (!context.force && sameSources(state.footer, sources, definition.schema.fingerprint)) {
    await partition.writer?.abort()
    const existing = await context.storage.stat(partition.path)
    return { ...base, status: 'skipped', ...(existing ? { bytes: existing.size, ratio: ratioOf(sourceBytes, existing.size) } : {}), reason: 'already exists, skipping' }
  }
  if (context.dryRun || !partition.writer) return { ...base, status: 'would-write' }
  await partition.settle()
  const written = await partition.writer.close({ sources })
  return { ...base, status: 'written', bytes: written.bytes, ratio: ratioOf(sourceBytes, written.bytes) }
}

function ratioOf(sourceBytes: number, fileBytes: number): number | undefined {
  if (sourceBytes <= 0) return undefined
  return Math.round((1 - fileBytes / sourceBytes) * 1000) / 10
}
