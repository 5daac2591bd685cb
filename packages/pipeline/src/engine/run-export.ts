import { isParquetryError, ParquetryError, wrapError, type Row } from '@parquetry/schema'
import type { RejectPolicy } from '@parquetry/sources'
import type { Storage } from '@parquetry/storage'
import { createLayout } from '@parquetry/partitioner'
import { DEFAULT_PAGE_INDEX, DEFAULT_ROW_GROUP_SIZE, type ParquetCodec, type PartitioningInfo } from '@parquetry/writer'
import { columnsProblem } from '../verify/verify.js'
import { checkLayoutsApart, compileDataset, type CompiledDataset, type DatasetDefinition, type Input } from './definition.js'
import { checkDefinitions } from './check-definition.js'
import { listDatasetFiles, readExistingFile, readExistingFiles, type ExistingCheck, type ExistingFile } from './existing.js'
import { readState, writeState, type DatasetState } from './state.js'
import { DatasetKnowledge, windowOf } from './knowledge.js'
import { acquireLock, type HeldLock, type LockOptions } from './lock.js'
import { runPass, type DatasetRun, type PlannedDate } from './pass.js'
import { existingFileResult, progressOf, reportInputFailure, transientOf } from './results.js'
import { targetsOf, type DateSelection } from './select.js'
import { describePath } from '../storage.js'
import type { ExportDatasetResult, ExportEvent, ExportFailure, ExportResult } from './types.js'

/** Where rejected rows go, and when they fail a run. */
export interface RejectsOptions extends RejectPolicy {
  /** Storage the rejects files go to. Default: the export's storage. */
  storage?: Storage
  /** Folder under that storage. Default `_rejects` (with the export's storage), `''` (with a storage of its own). */
  prefix?: string
}

/**
 * Options for {@link runExport}. `Rows` holds the row type of each dataset
 * (`InferRow` of its schema), inferred by `runExport` from the definitions.
 */
export interface ExportOptions<Rows extends readonly Row[] = readonly Row[]> {
  /**
   * What to export: dataset definitions (a preset's, one from config, or your
   * own). Each definition's `derive` sees rows of its own schema's type.
   */
  datasets: { readonly [Index in keyof Rows]: DatasetDefinition<Rows[Index]> }
  /** Where the Parquet files go. */
  storage: Storage
  /** Dates to export. Default: the latest input present. */
  selection?: DateSelection
  /** Plan and read, but write nothing. */
  dryRun?: boolean
  /** Rewrite files even when their inputs are unchanged. */
  force?: boolean
  /** Compression codec. Default `'SNAPPY'`. */
  codec?: ParquetCodec
  /** Rows per row group. Default 100,000. */
  rowGroupSize?: number
  /** The Parquet page index on every column (`ParquetWriterOptions.pageIndex`). Default the writer's (true). */
  pageIndex?: boolean
  /** Bloom filters on the columns each schema marks; false writes none. Default true. */
  bloomFilters?: boolean
  /** Rejects threshold (default 1% per input) and where rejects files go. */
  rejects?: RejectsOptions
  /**
   * One export of a dataset in a storage at a time: each dataset's lock
   * (`_parquetry/locks/<dataset>.lock`, see {@link acquireLock}) is taken
   * before its files are planned. `waitMs`: how long to wait for another
   * export holding it (default 0: the dataset fails with `LOCKED` at once,
   * naming the holder). A dry run takes no lock.
   */
  lock?: Pick<LockOptions, 'waitMs' | 'staleAfterMs' | 'heartbeatMs'>
  /**
   * How much of the files already there is read before they are trusted:
   * `'checksums'` (default on a local disk) checks every column chunk against
   * the CRC-32 its footer records — a file whose pages were damaged is
   * rebuilt, not skipped; `'footer'` (default on S3, whose objects change only
   * as a whole) reads the footer only.
   */
  checkExisting?: ExistingCheck
  /**
   * Datasets that can delete their exported rows from the source (the
   * pageviews preset) do so, once the files verify, when true; never when
   * false; undefined leaves it to each dataset's own setting. Others ignore it.
   */
  deleteAfterExport?: boolean
  /** Aborting stops the run: files not yet complete are discarded. */
  signal?: AbortSignal
  onEvent?: (event: ExportEvent) => void
}

const MAX_PASSES = 4

/**
 * Exports datasets to partitioned, verified Parquet files in a storage. For
 * each dataset: its inputs are listed and digested (one sequential read of
 * each that may feed the selected dates), the footers of the files those
 * dates already have are read, and only dates whose files do not record
 * exactly the current inputs and digests are rebuilt — an unchanged rerun
 * parses no row and writes nothing ("already exists, skipping"). The inputs
 * of stale dates are read in date order; each row goes to the file of its
 * date (and column values); a date's files are committed, verified, as soon
 * as no input left can feed it, so memory holds only the dates in reach.
 * Every file lists in its footer the inputs its date was built from, their
 * digests and the dates each feeds. An input whose rejects pass the threshold,
 * or that cannot be read, keeps the files it feeds from being written. A
 * dataset that fails is reported and the others go on.
 *
 * @throws ParquetryError `CONFIG_INVALID` for a bad definition (before anything is read), `ABORTED` when `signal` aborts.
 */
export async function runExport<const Rows extends readonly Row[] = readonly Row[]>(options: ExportOptions<Rows>): Promise<ExportResult>
export async function runExport(options: ExportOptions): Promise<ExportResult> {
  const started = Date.now()
  checkDefinitions(options.datasets)
  const compiled = options.datasets.map((definition) => compileDataset(definition))
  const names = new Set<string>()
  for (const { definition } of compiled) {
    if (names.has(definition.name)) throw new ParquetryError('CONFIG_INVALID', `dataset ${definition.name} is given twice`)
    names.add(definition.name)
  }
  checkLayoutsApart(compiled)
  const results: ExportDatasetResult[] = []
  for (const dataset of compiled) {
    const result = emptyResult(dataset.definition.name)
    results.push(result)
    let lock: HeldLock | undefined
    // A lock lost mid-run (another export took it as stale) stops this dataset, not the run.
    let lost: ParquetryError | undefined
    const stop = new AbortController()
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal
    try {
      // Planned without the lock first: a run with nothing to write (an unchanged rerun) writes
      // nothing at all, not even a lock. When there is work, the lock is taken and the plan
      // made again under it (another export may have done the work meanwhile).
      const planning: Planning = { events: [], listed: undefined, needsLock: !options.dryRun }
      try {
        await exportDataset(dataset, { ...options, signal, onEvent: (event) => planning.events.push(event) }, result, planning)
        for (const event of planning.events) options.onEvent?.(event)
      } catch (error) {
        if (error !== NEEDS_LOCK) {
          for (const event of planning.events) options.onEvent?.(event)
          throw error
        }
        lock = await lockDataset(dataset, options, (lostError) => {
          lost = lostError
          stop.abort()
        })
        Object.assign(result, emptyResult(dataset.definition.name))
        await exportDataset(dataset, { ...options, signal }, result, { ...planning, events: [], needsLock: false })
      }
      if (dataset.definition.afterExport) await afterExport(dataset, { ...options, signal }, result)
    } catch (error) {
      if (lost && !options.signal?.aborted) error = lost
      if (isParquetryError(error, 'ABORTED')) throw error
      // A foreign error of an aborted run (a socket torn down, an AbortError) is the abort, wrapped once.
      if (options.signal?.aborted && !isParquetryError(error)) throw wrapError(error, 'ABORTED', `${dataset.definition.name}: export aborted`)
      // Whatever went wrong, the datasets after this one are still exported.
      const failure = wrapError(error, 'WRITE_FAILED', `${dataset.definition.name}: unexpected error`)
      result.error = { code: failure.code, message: failure.message, ...transientOf(failure) }
      options.onEvent?.({ type: 'dataset-error', dataset: dataset.definition.name, error: result.error })
    } finally {
      await lock?.release().catch(() => undefined)
    }
  }
  const files = results.flatMap((result) => result.files)
  const failed = files.filter((file) => file.status === 'failed').length
  return {
    ok: failed === 0 && results.every((result) => !result.error && result.failures.length === 0),
    dryRun: options.dryRun ?? false,
    datasets: results,
    written: files.filter((file) => file.status === 'written').length,
    skipped: files.filter((file) => file.status === 'skipped').length,
    failed,
    durationMs: Date.now() - started,
  }
}

/** What {@link planExport} finds. */
export interface ExportPlan {
  /** Dates whose files do not record exactly their current inputs and digests (new, changed or missing files). */
  dates: string[]
  /** An input that names no date is new or changed: which dates it feeds is known only by reading it. */
  undated: boolean
  /** Requested dates no input is named for, and inputs that could not be listed. */
  missing: string[]
  /** Inputs that could not be digested. */
  failures: ExportFailure[]
}

/**
 * The plan of {@link runExport} for one dataset, without reading a row or
 * taking a lock: the selected dates whose files are missing or do not record
 * their inputs' current digests (footers against digests, as an export
 * decides). What a scheduler asks to know which days are still to do.
 *
 * @throws ParquetryError `CONFIG_INVALID` for a bad definition, `ABORTED` when `signal` aborts.
 */
export async function planExport(options: Omit<ExportOptions, 'datasets' | 'dryRun' | 'onEvent' | 'lock'> & { dataset: DatasetDefinition }): Promise<ExportPlan> {
  checkDefinitions([options.dataset])
  const dataset = compileDataset(options.dataset)
  const result = emptyResult(options.dataset.name)
  const planning: Planning = { events: [], listed: undefined, needsLock: true }
  try {
    await exportDataset(dataset, { ...options, datasets: [options.dataset] }, result, planning)
  } catch (error) {
    if (error !== NEEDS_LOCK) throw error
  }
  return { dates: planning.stale?.dates ?? [], undated: planning.stale?.undated ?? false, missing: result.missing, failures: result.failures }
}

function emptyResult(dataset: string): ExportDatasetResult {
  return { dataset, inputs: [], missing: [], files: [], rejects: [], rowsOutsideDates: 0, outsideDates: {}, failures: [], actions: [] }
}

/** Runs the dataset's `afterExport`: its steps and failures go into the result. */
async function afterExport(dataset: CompiledDataset, options: ExportOptions, result: ExportDatasetResult): Promise<void> {
  const name = dataset.definition.name
  const fail = (failure: ExportFailure) => {
    result.failures.push(failure)
    options.onEvent?.({ type: 'failure', dataset: name, failure })
  }
  try {
    await dataset.definition.afterExport?.({
      storage: options.storage,
      result,
      selection: options.selection ?? { kind: 'latest' },
      dryRun: options.dryRun ?? false,
      deleteAfterExport: options.deleteAfterExport,
      files: (dates) => readExistingFiles(options.storage, dataset.layout, dates),
      describe: (path) => describePath(options.storage, path),
      report: (action) => {
        result.actions.push(action)
        options.onEvent?.({ type: 'action', dataset: name, action })
      },
      fail,
      ...(options.signal ? { signal: options.signal } : {}),
    })
  } catch (error) {
    if (isParquetryError(error, 'ABORTED')) throw error
    if (options.signal?.aborted) throw wrapError(error, 'ABORTED', `${name}: export aborted`)
    fail({ code: isParquetryError(error) ? error.code : 'WRITE_FAILED', message: `${name}: after the export: ${error instanceof Error ? error.message : String(error)}`, ...transientOf(error) })
  }
}

/** Thrown by a plan made without the lock that finds work to do. */
const NEEDS_LOCK = Symbol('needs the lock')

/** A dataset's planning: events held back until it is known whether the plan stands, and the inputs listed. */
interface Planning {
  events: ExportEvent[]
  listed: { inputs: Input[]; problems: string[] } | undefined
  /** Stop with NEEDS_LOCK once the plan has something to write or read. */
  needsLock: boolean
  /** Set before NEEDS_LOCK is thrown: the dates the plan would rewrite, and whether an undated input must be read to know its dates. */
  stale?: { dates: string[]; undated: boolean }
}

async function exportDataset(dataset: CompiledDataset, options: ExportOptions, result: ExportDatasetResult, planning: Planning): Promise<void> {
  const { definition, layout } = dataset
  const emit = options.onEvent ?? (() => undefined)
  const signal = options.signal
  const missing = (what: string) => {
    result.missing.push(what)
    emit({ type: 'missing', dataset: definition.name, what })
  }

  // Listed once (the second plan, under the lock, reuses the inputs and their digests).
  const listed = (planning.listed ??= await definition.inputs.list({ selection: options.selection ?? { kind: 'latest' }, ...(signal ? { signal } : {}) }))
  for (const problem of listed.problems) missing(problem)
  const targets = targetsOf(listed.inputs, options.selection ?? { kind: 'latest' })
  for (const date of targets.missingDates) missing(`no ${definition.inputs.description} input for ${date}`)
  if (listed.inputs.length === 0 && targets.missingDates.length === 0) missing(`no input matching ${definition.inputs.description}`)

  // What the storage remembers of the dataset: the partitioning its files were made by, and far-reaching inputs.
  const state = (await readState(options.storage, definition.name)) ?? {}

  // What the selected dates hold now, from their footers (a few KB each; ranged reads on S3).
  const check = options.checkExisting ?? (options.storage.url.startsWith('file:') ? 'checksums' : 'footer')
  const existing = await readExistingFiles(options.storage, layout, targets.dates === 'all' ? undefined : targets.dates, check)

  // Digest every input that may feed those dates: its window meets them, it names no date, or a footer lists it.
  const digests = new Map<string, string>()
  const blocked = new Map<string, string>()
  const usable: Input[] = []
  const digested = new Set<string>()
  const digestFor = async (dates: ReadonlySet<string> | 'all') => {
    const listedIdentities = new Set([...existing.values()].flat().flatMap((file) => (file.footer?.parquetry?.sources ?? []).map((source) => source.identity)))
    const relevant = listed.inputs.filter((input) => {
      if (digested.has(input.identity)) return false
      if (dates === 'all') return true
      const window = windowOf(input, dataset.spread)
      const far = state.far?.[input.identity] ?? []
      return window === 'any' || listedIdentities.has(input.identity) || [...window].some((date) => dates.has(date)) || far.some((date) => dates.has(date))
    })
    for (const input of relevant) {
      if (signal?.aborted) throw new ParquetryError('ABORTED', `${definition.name}: export aborted`)
      digested.add(input.identity)
      try {
        digests.set(input.identity, await input.digest({ onProgress: progressOf(emit, definition.name, input, 'digest'), ...(signal ? { signal } : {}) }))
        usable.push(input)
      } catch (error) {
        if (isParquetryError(error, 'ABORTED') || signal?.aborted) throw error
        reportInputFailure({ result, emit, compiled: dataset }, input.identity, error)
        // The dates it feeds are not written: those it is named for, and those holding rows of an earlier version of it.
        const reason = `input ${input.identity} could not be read`
        for (const date of input.dates) blocked.set(date, reason)
        for (const [date, files] of existing) {
          if (files.some((file) => file.footer?.parquetry?.sources.some((source) => source.identity === input.identity && (source.rows ?? 0) > 0))) blocked.set(date, reason)
        }
      }
    }
  }
  let targetDates = targets.dates
  await digestFor(targetDates)
  // The footers of the dates the digested inputs are named for, outside the selection: what they hold is
  // known without reading them again (a weekly input whose week ended yesterday is not re-read every day).
  if (targetDates !== 'all') {
    const selected = targetDates
    const named = new Set(usable.flatMap((input) => input.dates).filter((date) => !selected.has(date) && !existing.has(date)))
    if (named.size > 0) for (const [date, files] of await readExistingFiles(options.storage, layout, named, check)) existing.set(date, files)
  }
  // Dates outside the selection whose files hold rows of an earlier version of a dated input
  // that changed: rewritten too, or a row the change moved would be stored in both.
  if (targetDates !== 'all') {
    const also = new Set<string>()
    for (let round = 0; round < 8; round++) {
      const extra = await datesOfChangedInputs(options.storage, dataset, existing, targetDates, usable, digests, check)
      if (extra.size === 0) break
      for (const date of extra) also.add(date)
      targetDates = new Set([...targetDates, ...extra])
      await digestFor(targetDates)
    }
    if (also.size > 0) emit({ type: 'also', dataset: definition.name, dates: [...also].sort(), reason: 'their files hold rows of an earlier version of an input that changed' })
  }
  // The partitioning the dataset's files were made by: remembered, else seen in a footer (of the
  // selected dates, or of any file). Another one than the definition's moves rows between dates:
  // only a run of every date may rebuild them.
  const recorded = state.partitioning ?? (await partitioningInUse(options.storage, dataset, existing, targetDates !== 'all'))
  const changed = recorded !== undefined && !dataset.samePartitioning(recorded) ? partitioningChange(dataset, recorded) : undefined
  // A rebuild under other rules must not lose the rows of inputs that are gone (only their old files hold them).
  let goneUnderChange: string | undefined
  // Files of the template the dataset was made by before, when that changed (removed once every date is rebuilt).
  let oldFiles: ExistingFile[] = []
  if (changed !== undefined && targetDates === 'all') {
    const present = new Set(listed.inputs.map((input) => input.identity))
    if (recorded !== undefined && recorded.template !== dataset.partitioning.template) oldFiles = await filesOfTemplate(options.storage, dataset, recorded.template)
    const gone = new Set<string>()
    for (const file of [...[...existing.values()].flat(), ...oldFiles]) {
      for (const source of file.footer?.parquetry?.sources ?? []) if ((source.rows ?? 0) > 0 && !present.has(source.identity)) gone.add(source.identity)
    }
    if (gone.size > 0) {
      goneUnderChange = `its files were partitioned by other rules and hold rows of ${[...gone].sort().join(', ')}, which ${gone.size === 1 ? 'is' : 'are'} gone: rebuilding would lose them (restore ${gone.size === 1 ? 'it' : 'them'}, or go back to the old settings)`
    }
  }
  const refusal = targetDates !== 'all' ? changed : goneUnderChange
  if (refusal !== undefined) {
    result.failures.push({ code: 'CONFIG_INVALID', message: `${definition.name}: ${refusal}` })
    emit({ type: 'failure', dataset: definition.name, failure: result.failures.at(-1) as ExportFailure })
  }
  const knowledge = new DatasetKnowledge({ inputs: usable, digests, existing, spread: dataset.spread, isCurrent: (file) => file.damaged === undefined && dataset.samePartitioning(file.footer?.parquetry?.partitioning) && columnsProblem(dataset.definition.schema, file.columns, file.footer?.keyValues) === undefined })
  for (const files of existing.values()) {
    for (const file of files) if (file.damaged !== undefined) emit({ type: 'damaged', dataset: definition.name, path: file.path, reason: file.damaged })
  }
  const inTargets = (date: string) => targetDates === 'all' || targetDates.has(date)

  // Every date the inputs are known (or named) to feed, and every date with files.
  const candidates = new Set<string>()
  for (const input of usable) {
    const cover = knowledge.coverOf(input)
    if (cover !== 'any') for (const date of cover) if (inTargets(date)) candidates.add(date)
  }
  for (const date of existing.keys()) if (inTargets(date)) candidates.add(date)

  const run: DatasetRun = {
    compiled: dataset,
    knowledge,
    targets: targetDates,
    settings: {
      storage: options.storage,
      schema: definition.schema,
      codec: options.codec ?? 'SNAPPY',
      rowGroupSize: options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE,
      pageIndex: options.pageIndex ?? DEFAULT_PAGE_INDEX,
      bloomFilters: options.bloomFilters ?? true,
      write: !options.dryRun,
    },
    rejectPolicy: { ...(options.rejects?.maxRatio !== undefined ? { maxRatio: options.rejects.maxRatio } : {}), ...(options.rejects?.maxCount !== undefined ? { maxCount: options.rejects.maxCount } : {}) },
    blockIfGone: (date) => {
      const gone = knowledge.goneFor(date)
      if (gone.length === 0) return false
      const files = knowledge.existing.get(date) ?? []
      const reason = `its file${files.length === 1 ? ' holds' : 's hold'} rows of ${gone.join(', ')}, which ${gone.length === 1 ? 'is' : 'are'} gone; rewriting would lose them (restore ${gone.length === 1 ? 'it' : 'them'} to rewrite)`
      blocked.set(date, reason)
      for (const file of files) {
        const failed = existingFileResult(dataset, file, 'failed', `${reason}; not rewritten`)
        run.files.set(file.path, failed)
        if (planned) emit({ type: 'file', file: failed })
      }
      return true
    },
    force: options.force ?? false,
    rejectsSink: rejectsSinkFor(definition.name, options),
    removeRejects: async (input) => {
      const { storage, path } = rejectsPathOf(definition.name, input, options)
      if ((await storage.stat(path)) === undefined) return false
      await storage.remove(path)
      return true
    },
    rejectsLocation: (path) => describePath(options.rejects?.storage ?? options.storage, path),
    blocked,
    result,
    emit,
    signal,
    reported: new Set(),
    failedInputs: new Map(),
    files: new Map(),
  }

  const stale = new Map<string, PlannedDate>()
  const tentative: string[] = []
  // Results are emitted once planning is done; after that, as they happen.
  let planned = false
  for (const date of [...candidates].sort()) {
    const files = existing.get(date) ?? []
    // Files placed by other rules (another time zone, date column or template): rows would move
    // between dates, so rewriting some dates and not the others would store rows twice or lose them.
    const moved = refusal ?? (targetDates === 'all' ? undefined : movedRows(dataset, files))
    if (moved !== undefined) blocked.set(date, moved)
    const expected = knowledge.expectedFor(date)
    if (blocked.has(date)) {
      for (const file of files) run.files.set(file.path, existingFileResult(dataset, file, 'failed', `${blocked.get(date)}; not rewritten`))
      continue
    }
    if (expected.size === 0 || (!options.force && knowledge.isFresh(date, expected, definition.schema))) {
      for (const file of files) run.files.set(file.path, existingFileResult(dataset, file, 'skipped', 'already exists, skipping'))
      continue
    }
    // Stale only because changed inputs might now feed it: decided by reading them (see isTentative).
    if (knowledge.isTentative(date, expected, definition.schema, { force: options.force ?? false })) {
      tentative.push(date)
      continue
    }
    if (run.blockIfGone(date)) continue
    stale.set(date, { expected, files })
  }
  // Inputs whose current content no footer knows (new or changed) are always read.
  // A partial run under another partitioning reads nothing: any date it wrote (even one without a
  // file yet, fed by an undated input) could hold rows another date's file still holds.
  const refused = refusal !== undefined
  let dates = refused ? new Map<string, PlannedDate>() : stale
  let extra = refused ? [] : usable.filter((input) => !knowledge.isKnown(input.identity))
  if (refused) tentative.length = 0
  if (planning.needsLock && (dates.size > 0 || extra.length > 0 || tentative.length > 0)) {
    const named = extra.flatMap((input) => input.dates).filter(inTargets)
    planning.stale = { dates: [...new Set([...dates.keys(), ...tentative, ...named])].sort(), undated: extra.some((input) => input.dates.length === 0) }
    throw NEEDS_LOCK
  }
  for (const file of run.files.values()) emit({ type: 'file', file })
  planned = true

  for (let pass = 1; dates.size > 0 || extra.length > 0; pass++) {
    if (pass > MAX_PASSES) throw new ParquetryError('WRITE_FAILED', `${definition.name}: rows kept turning up in dates already written after ${MAX_PASSES} passes; dates ${[...dates.keys()].join(', ')} were not rewritten`)
    const needed = new Set([...dates.values()].flatMap((planned) => [...planned.expected]))
    for (const input of extra) needed.add(input.identity)
    const inputs = orderInputs(usable.filter((input) => needed.has(input.identity) && !run.failedInputs.has(input.identity)), knowledge)
    const discovered = await runPass(run, { dates, inputs })
    // Dates a row reached too late: rewritten by a next pass from every input they need,
    // over the files they have now (this run may have written some).
    dates = new Map()
    if (discovered.size > 0) {
      const current = options.dryRun ? existing : await readExistingFiles(options.storage, layout, discovered.keys())
      for (const [date, identities] of discovered) {
        knowledge.refresh(date, current.get(date) ?? [])
        if (run.blockIfGone(date)) continue
        const expected = knowledge.expectedFor(date)
        for (const identity of identities) expected.add(identity)
        dates.set(date, { expected, files: current.get(date) ?? [] })
      }
    }
    extra = []
  }
  // Tentative dates no changed input gave rows to are as they were.
  for (const date of tentative) {
    for (const file of existing.get(date) ?? []) {
      if (run.files.has(file.path)) continue
      const skipped = existingFileResult(dataset, file, 'skipped', 'already exists, skipping')
      run.files.set(file.path, skipped)
      emit({ type: 'file', file: skipped })
    }
  }
  // Rows outside the selection of inputs not read this time (unchanged): known from footers, and
  // reported again as long as no file of their date holds them.
  if (targetDates !== 'all') await reportUnexported(dataset, options, knowledge, usable, targetDates, run.reported, result)
  result.files = [...run.files.values()].sort((left, right) => (left.path < right.path ? -1 : left.path > right.path ? 1 : 0))
  // Rejects files of inputs that are gone describe rows no input holds any more (under the lock only).
  // Under the lock: files of an old template, once every date was rebuilt by the new one; then what to remember.
  if (!options.dryRun && !planning.needsLock) {
    const ok = result.failures.length === 0 && [...run.files.values()].every((file) => file.status !== 'failed')
    if (targetDates === 'all' && ok && recorded !== undefined && oldFiles.length > 0) {
      for (const file of oldFiles) {
        await options.storage.remove(file.path)
        const removed = existingFileResult(dataset, file, 'removed', `made by the old template ${recorded.template}; its rows are in the files of ${dataset.partitioning.template}`)
        run.files.set(file.path, removed)
        emit({ type: 'file', file: removed })
      }
      result.files = [...run.files.values()].sort((left, right) => (left.path < right.path ? -1 : left.path > right.path ? 1 : 0))
    }
    const far = { ...state.far }
    for (const identity of run.reported) {
      const input = knowledge.inputs.get(identity)
      if (!input || !knowledge.isKnown(identity)) continue
      const window = windowOf(input, dataset.spread)
      const cover = knowledge.coverOf(input)
      const beyond = window === 'any' || cover === 'any' ? [] : [...cover].filter((date) => !window.has(date)).sort()
      if (beyond.length > 0) far[identity] = beyond
      else delete far[identity]
    }
    const present = new Set(listed.inputs.map((input) => input.identity))
    for (const identity of Object.keys(far)) if (!present.has(identity)) delete far[identity]
    const partitioning = changed === undefined || (targetDates === 'all' && ok) ? dataset.partitioning : recorded
    const next: DatasetState = { ...(partitioning ? { partitioning } : {}), ...(Object.keys(far).length > 0 ? { far } : {}) }
    if (JSON.stringify(next) !== JSON.stringify(state)) await writeState(options.storage, definition.name, next)
  }
  if (!options.dryRun && !planning.needsLock && listed.problems.length === 0) {
    const { storage, path } = rejectsPathOf(definition.name, { name: '' } as Input, options)
    const folder = path.slice(0, path.lastIndexOf('/'))
    const present = new Set(listed.inputs.map((input) => `${folder}/${input.name}.rejects.ndjson`))
    const stale: string[] = []
    for await (const object of storage.list(folder)) if (object.path.endsWith('.rejects.ndjson') && !present.has(object.path)) stale.push(object.path)
    for (const file of stale) {
      await storage.remove(file)
      emit({ type: 'rejects-removed', dataset: definition.name, path: file, reason: 'its input is gone' })
    }
  }
}

/**
 * Dates outside `targets` whose files list a dated input at a digest other
 * than its current one, with rows: their files are read into `existing`, and
 * the dates returned.
 */
async function datesOfChangedInputs(
  storage: Storage,
  dataset: CompiledDataset,
  existing: Map<string, ExistingFile[]>,
  targets: ReadonlySet<string>,
  inputs: readonly Input[],
  digests: ReadonlyMap<string, string>,
  check: ExistingCheck,
): Promise<Set<string>> {
  const dated = new Set(inputs.filter((input) => input.dates.length > 0).map((input) => input.identity))
  const more = new Set<string>()
  for (const files of existing.values()) {
    for (const file of files) {
      for (const source of file.footer?.parquetry?.sources ?? []) {
        if (!dated.has(source.identity) || source.checksum === digests.get(source.identity) || source.rows === 0) continue
        for (const date of source.dates ?? []) if (!targets.has(date)) more.add(date)
      }
    }
  }
  if (more.size === 0) return more
  const found = await readExistingFiles(storage, dataset.layout, more, check)
  for (const [date, files] of found) existing.set(date, files)
  return new Set(found.keys())
}

/**
 * Adds to `result.outsideDates` the rows that unchanged inputs (not read by
 * this run) have on dates outside the selection, when footers recorded how
 * many, and no file of that date holds them.
 */
async function reportUnexported(
  dataset: CompiledDataset,
  options: ExportOptions,
  knowledge: DatasetKnowledge,
  inputs: readonly Input[],
  targets: ReadonlySet<string>,
  read: ReadonlySet<string>,
  result: ExportDatasetResult,
): Promise<void> {
  const outside = new Map<string, string[]>()
  for (const input of inputs) {
    if (read.has(input.identity) || !knowledge.isKnown(input.identity)) continue
    const cover = knowledge.coverOf(input)
    if (cover === 'any') continue
    for (const date of cover) {
      if (targets.has(date)) continue
      const identities = outside.get(date) ?? []
      identities.push(input.identity)
      outside.set(date, identities)
    }
  }
  if (outside.size === 0) return
  // Footers of those dates not read yet (none of them was written by this run: they are outside it).
  const unread = [...outside.keys()].filter((date) => !knowledge.existing.has(date))
  if (unread.length > 0) {
    const files = await readExistingFiles(options.storage, dataset.layout, unread)
    for (const date of unread) knowledge.refresh(date, files.get(date) ?? [])
  }
  for (const [date, identities] of outside) {
    for (const identity of identities) {
      if (knowledge.holds(date, identity)) continue
      const rows = knowledge.rowsOn(identity, date)
      if (!rows) continue
      result.rowsOutsideDates += rows
      result.outsideDates[date] = (result.outsideDates[date] ?? 0) + rows
    }
  }
}

/** The partitioning some file of the dataset records: of the dates read, else (when `probe`) of the first file found. */
async function partitioningInUse(storage: Storage, dataset: CompiledDataset, existing: ReadonlyMap<string, readonly ExistingFile[]>, probe: boolean): Promise<PartitioningInfo | undefined> {
  for (const files of existing.values()) for (const file of files) if (file.footer?.parquetry?.partitioning) return file.footer.parquetry.partitioning
  if (!probe) return undefined
  for await (const object of listDatasetFiles(storage, dataset.layout)) {
    const file = await readExistingFile(storage, object)
    if (file.footer?.parquetry?.partitioning) return file.footer.parquetry.partitioning
  }
  return undefined
}

/** What changed between the partitioning the files were made by and the definition's, and what to do. */
function partitioningChange(dataset: CompiledDataset, recorded: PartitioningInfo): string {
  const now = dataset.partitioning
  const changes = [
    recorded.timezone !== now.timezone ? `time zone ${recorded.timezone} → ${now.timezone}` : undefined,
    recorded.dateColumn !== now.dateColumn ? `date column ${recorded.dateColumn} → ${now.dateColumn}` : undefined,
    recorded.template !== now.template ? `template ${recorded.template} → ${now.template}` : undefined,
  ].filter((change) => change !== undefined)
  return `its files were partitioned by other rules (${changes.join(', ')}), so rows move between dates: rebuild every date at once with \`parquetry export ${dataset.definition.name} --historical\``
}

/** The dataset's files made by another template (not produced by its current one). */
async function filesOfTemplate(storage: Storage, dataset: CompiledDataset, template: string): Promise<ExistingFile[]> {
  let old
  try {
    old = createLayout({ template, dataset: dataset.definition.name, columns: dataset.definition.schema.columns })
  } catch {
    return []
  }
  const files: ExistingFile[] = []
  for await (const object of listDatasetFiles(storage, old)) {
    if (dataset.layout.match(object.path)) continue
    const file = await readExistingFile(storage, object)
    if (file.footer?.parquetry?.schemaName === dataset.definition.schema.name) files.push(file)
  }
  return files
}

/** Why a date's files cannot be rebuilt alone: they record another partitioning than the definition's. */
function movedRows(dataset: CompiledDataset, files: readonly ExistingFile[]): string | undefined {
  const recorded = files.map((file) => file.footer?.parquetry?.partitioning).find((one) => one !== undefined && !dataset.samePartitioning(one))
  return recorded === undefined ? undefined : partitioningChange(dataset, recorded)
}

function lockDataset(dataset: CompiledDataset, options: ExportOptions, onLost: (error: ParquetryError) => void): Promise<HeldLock> {
  const name = dataset.definition.name
  return acquireLock(options.storage, name, {
    ...options.lock,
    ...(options.signal ? { signal: options.signal } : {}),
    onWait: (holder) => options.onEvent?.({ type: 'lock-wait', dataset: name, holder: holder ? `pid ${holder.pid} on ${holder.host} since ${holder.since}` : 'another process' }),
    onLost,
  })
}

/** Read order: inputs that may feed any date first (their dates stay open until they are read), then by date, then identity. */
function orderInputs(inputs: Input[], knowledge: DatasetKnowledge): Input[] {
  const first = (input: Input): string => {
    const cover = knowledge.coverOf(input)
    if (cover === 'any') return ''
    let lowest = '\uffff'
    for (const date of cover) if (date < lowest) lowest = date
    return lowest
  }
  return inputs
    .map((input) => ({ input, key: first(input) }))
    .sort((left, right) => (left.key < right.key ? -1 : left.key > right.key ? 1 : left.input.identity < right.input.identity ? -1 : 1))
    .map((entry) => entry.input)
}

function rejectsPathOf(dataset: string, input: Input, options: ExportOptions): { storage: Storage; path: string } {
  const storage = options.rejects?.storage ?? options.storage
  const prefix = options.rejects?.prefix ?? (options.rejects?.storage ? '' : '_rejects')
  return { storage, path: `${prefix ? `${prefix}/` : ''}${dataset}/${input.name}.rejects.ndjson` }
}

function rejectsSinkFor(dataset: string, options: ExportOptions): DatasetRun['rejectsSink'] {
  return (input: Input) => async () => {
    const { storage, path } = rejectsPathOf(dataset, input, options)
    return storage.createSink(path)
  }
}
