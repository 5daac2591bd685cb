import { isParquetryError, isTransientError, ParquetryError, type Row } from '@parquetry/schema'
import { checkRejects, validateRecords, type ByteSink, type RejectPolicy } from '@parquetry/sources'
import type { SourceInfo } from '@parquetry/writer'
import type { CompiledDataset, Input } from './definition.js'
import type { ExistingFile } from './existing.js'
import type { DatasetKnowledge } from './knowledge.js'
import { Partition, type WriterSettings } from './partition.js'
import { existingFileResult, newFileResult, progressOf, ratioOf, reportInputFailure, transientOf } from './results.js'
import type { ExportDatasetResult, ExportEvent, ExportFailure, ExportFileResult, InputRejects } from './types.js'

/** What one dataset's export shares across its passes. */
export interface DatasetRun {
  compiled: CompiledDataset
  knowledge: DatasetKnowledge
  targets: ReadonlySet<string> | 'all'
  settings: WriterSettings
  rejectPolicy: RejectPolicy
  /** Opens the rejects file of an input (at its first reject). */
  rejectsSink: ((input: Input) => () => Promise<ByteSink>) | undefined
  /** Removes the rejects file an earlier run left for an input that now has no rejects; whether there was one. */
  removeRejects: (input: Input) => Promise<boolean>
  /** Where a rejects file is, as people read it. */
  rejectsLocation: (path: string) => string
  /** Rewrite even what is unchanged, and accept that an undated input now gives a date fewer rows. */
  force: boolean
  /** Dates that must not be written (an input they need is gone or unreadable), with why. */
  blocked: Map<string, string>
  /**
   * Marks a date that cannot be rewritten without losing rows (its files hold
   * rows of inputs that are gone) as blocked, reporting its files; returns
   * whether it did.
   */
  blockIfGone: (date: string) => boolean
  result: ExportDatasetResult
  emit: (event: ExportEvent) => void
  signal: AbortSignal | undefined
  /** Inputs whose rejects and rows outside the dates were already reported (by an earlier pass). */
  reported: Set<string>
  /**
   * Inputs that could not be read (or whose rejects passed the threshold),
   * with why and which dates they keep from being written: those they feed.
   */
  failedInputs: Map<string, FailedInput>
  /** Results by path (a later pass may replace an earlier one). */
  files: Map<string, ExportFileResult>
}

/** An input this run could not use, and the dates it keeps from being written. */
export interface FailedInput {
  reason: string
  feeds(date: string): boolean
}

/** A date to (re)write in a pass: the inputs its files are made from, and the files it has now. */
export interface PlannedDate {
  expected: Set<string>
  files: readonly ExistingFile[]
}

interface DateWork extends PlannedDate {
  date: string
  /** Paths of its files by the row's column values (rendering a path per row would cost a string per row). */
  paths: Map<string, string>
  /** Expected inputs not read yet: the date is finished when none is left. */
  remaining: Set<string>
  partitions: Map<string, Partition>
  failed: string | undefined
  /** The failure that set `failed` may pass on a later attempt (a network or S3 error). */
  transient?: boolean
  finished: boolean
}

/**
 * Reads `inputs` in order, routes each typed row to the file of its date (and
 * column values), and finishes a date — commits its files, verified, and
 * removes files of it that no longer get rows — as soon as no input left in
 * the pass can feed it, so that only the dates in reach stay open. Returns
 * the dates found to need inputs this pass did not read in time (a row far
 * from the date its input is named for): the next pass rewrites them.
 */
export async function runPass(run: DatasetRun, plan: { dates: ReadonlyMap<string, PlannedDate>; inputs: readonly Input[] }): Promise<Map<string, Set<string>>> {
  const { compiled, knowledge, settings } = run
  const { definition, layout } = compiled
  const works = new Map<string, DateWork>()
  const add = (date: string, planned: PlannedDate) => {
    // A date that needs an input that could not be read (in this pass or an earlier one) is not written.
    const expected = new Set(planned.expected)
    let failed = run.blocked.get(date)
    for (const identity of planned.expected) {
      const unreadable = run.failedInputs.get(identity)
      if (!unreadable) continue
      if (unreadable.feeds(date)) failed ??= unreadable.reason
      else expected.delete(identity)
    }
    const work: DateWork = { date, paths: new Map(), expected, files: planned.files, remaining: new Set(expected), partitions: new Map(), failed, finished: false }
    works.set(date, work)
    return work
  }
  for (const [date, planned] of plan.dates) add(date, planned)
  const notStarted = new Set(plan.inputs.map((input) => input.identity))
  // Per input read in this pass: its rows on each date.
  const fanOut = new Map<string, Map<string, number>>()
  const accepted = new Map<string, number>()
  const discovered = new Map<string, Set<string>>()

  const discover = (date: string, identity: string) => {
    const set = discovered.get(date) ?? new Set<string>()
    set.add(identity)
    discovered.set(date, set)
  }

  // Dates of the input being read whose rows go nowhere in this pass (decided once per input, not per row).
  let passedOver = new Set<string>()
  // Dates outside the selection whose files already hold the input being read (decided once per input and date).
  let heldOutside = new Map<string, boolean>()

  const route = (row: Row, input: Input, firstRead: boolean): Promise<void> | undefined => {
    const date = compiled.dateOf(row)
    const counts = fanOut.get(input.identity) as Map<string, number>
    counts.set(date, (counts.get(date) ?? 0) + 1)
    let work = works.get(date)
    if (!work) {
      // An input read by an earlier pass of this run had all its rows placed then.
      if (!firstRead) return undefined
      if (run.targets !== 'all' && !run.targets.has(date)) {
        // Already stored there (its file lists this input at this content): not left out.
        let held = heldOutside.get(date)
        if (held === undefined) heldOutside.set(date, (held = knowledge.holds(date, input.identity)))
        if (held) return undefined
        run.result.rowsOutsideDates++
        run.result.outsideDates[date] = (run.result.outsideDates[date] ?? 0) + 1
        return undefined
      }
      if (passedOver.has(date)) return undefined
      // Already stored in a date that is up to date, or in one that must not be touched.
      if (knowledge.holds(date, input.identity) || run.blocked.has(date) || run.blockIfGone(date)) {
        passedOver.add(date)
        return undefined
      }
      const expected = knowledge.expectedFor(date)
      expected.add(input.identity)
      // A date no plan foresaw can be written now only if every other input it needs is still to be read.
      if (![...expected].every((identity) => identity === input.identity || notStarted.has(identity) || run.failedInputs.has(identity))) {
        discover(date, input.identity)
        passedOver.add(date)
        return undefined
      }
      work = add(date, { expected, files: knowledge.existing.get(date) ?? [] })
    }
    if (work.finished) {
      discover(date, input.identity)
      return undefined
    }
    if (work.failed !== undefined) return undefined
    if (!work.expected.has(input.identity)) {
      work.expected.add(input.identity)
      work.remaining.add(input.identity)
    }
    const path = pathOf(work, row)
    let partition = work.partitions.get(path)
    if (!partition) {
      // Published only over what the file was when it was read (or only if it is still absent).
      const existing = work.files.find((file) => file.path === path)
      partition = new Partition(date, path, existing?.etag ? { etag: existing.etag } : 'absent')
      work.partitions.set(path, partition)
    }
    if (partition.failure) {
      if (work.failed === undefined) work.transient = isTransientError(partition.failure)
      work.failed ??= partition.failure.message
      return undefined
    }
    return partition.add(row, input.identity, settings)
  }

  const columns = layout.columns
  const pathOf = (work: DateWork, row: Row): string => {
    // Length-prefixed, so no value can run into the next: `3:EUR` `-` (null).
    let key = ''
    for (const column of columns) {
      const value = row[column]
      if (value === null || value === undefined) key += '-'
      else {
        const text = String(value)
        key += `${text.length}:${text}`
      }
    }
    let path = work.paths.get(key)
    if (path === undefined) {
      path = layout.render(work.date, row)
      work.paths.set(key, path)
    }
    return path
  }

  /**
   * An input that could not be read fails the dates it feeds: those it is
   * named for, those its rows reached before it failed, and those whose files
   * hold rows of an earlier version of it (rewriting them without it would
   * lose those). Other dates in its reach are written without it; they do not
   * list it, so it is read again once fixed, and rewrites them if it gives them rows.
   */
  const failInput = (input: Input, error: unknown) => {
    const identity = input.identity
    const seen = new Set(fanOut.get(identity)?.keys())
    const failure: FailedInput = {
      reason: `input ${identity} could not be read`,
      feeds: (date) => input.dates.includes(date) || seen.has(date) || knowledge.listsWithRows(date, identity),
    }
    run.failedInputs.set(identity, failure)
    reportInputFailure(run, identity, error)
    for (const work of works.values()) {
      if (work.finished || work.failed !== undefined || !work.expected.has(identity)) continue
      if (failure.feeds(work.date)) work.failed = failure.reason
      else work.expected.delete(identity)
    }
    failNamedDates(input)
  }

  /**
   * The dates a new (or changed) input that failed is named for, when no plan
   * opened them and it gave them no row: still dates this run did not write,
   * so they get a failed result too (`finish` records it), not silence.
   */
  const failNamedDates = (input: Input) => {
    if (knowledge.isKnown(input.identity)) return
    for (const date of input.dates) {
      if (works.has(date) || (run.targets !== 'all' && !run.targets.has(date))) continue
      if ([...run.files.values()].some((file) => file.date === date)) continue
      // Failed by `add`: the input is in `run.failedInputs`, and feeds the dates it is named for.
      add(date, { expected: new Set([input.identity]), files: knowledge.existing.get(date) ?? [] })
    }
  }

  const readInput = async (input: Input): Promise<void> => {
    const firstRead = !run.reported.has(input.identity)
    run.reported.add(input.identity)
    if (firstRead) {
      run.result.inputs.push({ identity: input.identity, bytes: input.bytes ?? 0 })
      run.emit({ type: 'input', dataset: definition.name, identity: input.identity, bytes: input.bytes ?? 0 })
    }
    fanOut.set(input.identity, new Map())
    passedOver = new Set()
    heldOutside = new Map()
    const validated = validateRecords({
      source: input.open({ ...(run.signal ? { signal: run.signal } : {}), onProgress: progressOf(run.emit, definition.name, input, 'read') }),
      schema: definition.schema,
      ...(definition.derive ? { derive: definition.derive } : {}),
      ...(run.rejectsSink && settings.write && firstRead ? { rejectsFile: run.rejectsSink(input) } : {}),
    })
    try {
      for await (const rows of validated) {
        for (const row of rows) {
          const pending = route(row, input, firstRead)
          if (pending) await pending
        }
      }
    } catch (error) {
      if (isParquetryError(error, 'ABORTED') || run.signal?.aborted) throw abortError(definition.name, error)
      // What was read of it is incomplete: no date it feeds is written.
      failInput(input, error)
      return
    }
    const summary = validated.summary
    if (summary.read === 0) {
      // An input that holds nothing is never a success: a daily file truncated to its header would
      // otherwise empty its date (or remove its file) and pass.
      failInput(input, new ParquetryError('SOURCE_READ_FAILED', `${input.identity}: no records (an empty file, or only a header); nothing of it was exported`, { details: { source: input.identity } }))
      return
    }
    accepted.set(input.identity, summary.accepted)
    const failure = checkRejects(summary.rejected, summary.read, run.rejectPolicy)
    const rejects: InputRejects = {
      input: input.identity,
      read: summary.read,
      rejected: summary.rejected,
      overThreshold: failure !== undefined,
      ...(summary.rejectsFile ? { rejectsFile: run.rejectsLocation(summary.rejectsFile) } : {}),
      examples: summary.rejects.slice(0, 20),
      skipped: summary.skipped,
      skips: summary.skips.slice(0, 20),
      noticed: summary.noticed,
      notices: summary.notices.slice(0, 20),
    }
    // Fixed since an earlier run: its old rejects file would describe rows that are no longer there.
    if (firstRead && settings.write && summary.rejected === 0 && (await run.removeRejects(input))) {
      run.emit({ type: 'rejects-removed', dataset: definition.name, path: input.identity, reason: 'the input has no rejected rows any more' })
    }
    if (firstRead && (rejects.rejected > 0 || rejects.skipped > 0 || rejects.noticed > 0)) {
      run.result.rejects.push(rejects)
      run.emit({ type: 'rejects', dataset: definition.name, rejects })
    }
    if (failure !== undefined) {
      // Its files are not written: those it gave rows to, or — when it gave none — every date it may feed.
      const reason = `rejected rows in ${input.identity} are over the threshold`
      const fed = (work: DateWork) => [...work.partitions.values()].some((partition) => partition.rowsBySource.has(input.identity))
      const gaveRows = [...works.values()].some(fed)
      run.failedInputs.set(input.identity, { reason, feeds: () => true })
      for (const work of works.values()) {
        if (!work.finished && work.failed === undefined && (gaveRows ? fed(work) : work.expected.has(input.identity))) work.failed = reason
      }
      if (!gaveRows) failNamedDates(input)
      run.result.failures.push({ input: input.identity, code: 'REJECTS_EXCEEDED', message: `${input.identity}: ${failure}` })
      run.emit({ type: 'failure', dataset: definition.name, failure: run.result.failures.at(-1) as ExportFailure })
      return
    }
    const digest = knowledge.digestOf(input.identity)
    if (digest !== undefined) knowledge.learn(input.identity, digest, fanOut.get(input.identity) as Map<string, number>)
  }

  const sourcesOf = (work: DateWork, partition: Partition | undefined): SourceInfo[] =>
    [...work.expected].sort().map((identity) => {
      const input = knowledge.inputs.get(identity)
      return {
        identity,
        checksum: knowledge.digestOf(identity) as string,
        ...(input?.bytes !== undefined ? { bytes: input.bytes } : {}),
        rows: partition?.rowsBySource.get(identity) ?? 0,
        ...(accepted.has(identity) ? { sourceRows: accepted.get(identity) as number } : {}),
        dates: [...(fanOut.get(identity)?.keys() ?? [])].sort(),
        dateRows: Object.fromEntries([...(fanOut.get(identity) ?? [])].sort(([left], [right]) => (left < right ? -1 : 1))),
      }
    })

  const record = (file: ExportFileResult) => {
    run.files.set(file.path, file)
    run.emit({ type: 'file', file })
  }

  // An undated input rotated or truncated gives a date fewer rows than its earlier version did: the date is kept.
  const shrunk = (work: DateWork): string | undefined => {
    if (run.force) return undefined
    for (const identity of work.expected) {
      const before = knowledge.earlierRows(work.date, identity)
      if (before === 0) continue
      let now = 0
      for (const partition of work.partitions.values()) now += partition.rowsBySource.get(identity) ?? 0
      if (now < before) return `${identity} now gives it ${now} row${now === 1 ? '' : 's'} where its earlier version gave ${before} (rotated or truncated?); rewriting would lose them (export with --force to replace them)`
    }
    return undefined
  }

  const finish = async (work: DateWork): Promise<void> => {
    work.finished = true
    const partitions = [...work.partitions.values()].sort((left, right) => (left.path < right.path ? -1 : 1))
    for (const partition of partitions) await partition.settle().catch(() => undefined)
    if (run.signal?.aborted) throw abortError(definition.name)
    // A file that could not be written fails its date (the other files of the date are not published either).
    const failure = partitions.find((partition) => partition.failure)?.failure
    if (work.failed === undefined && failure) work.transient = isTransientError(failure)
    work.failed ??= failure?.message
    work.failed ??= shrunk(work)
    if (work.failed !== undefined) {
      for (const partition of partitions) await partition.abort()
      const reason = work.failed
      const transient = work.transient ? ({ transient: true } as const) : {}
      for (const partition of partitions) {
        // A file kept as it was is reported as it is (its rows and sources), not as what this run routed to it.
        const kept = work.files.find((file) => file.path === partition.path)
        record({ ...(kept ? existingFileResult(compiled, kept, 'failed', `${reason}; not rewritten`) : { ...newFileResult(compiled, work.date, partition, []), status: 'failed' as const, reason: `${reason}; not written` }), ...transient })
      }
      for (const file of work.files) if (!work.partitions.has(file.path)) record({ ...existingFileResult(compiled, file, 'failed', `${reason}; not rewritten`), ...transient })
      // A date that had no file and got no row is still a date this run did not write: say so.
      if (partitions.length === 0 && work.files.length === 0) {
        const path = layout.pattern(work.date)
        record({ ...newFileResult(compiled, work.date, { path, rows: 0 }, []), status: 'failed', reason: `${reason}; not written`, ...transient })
      }
      return
    }
    for (const partition of partitions) {
      const sources = sourcesOf(work, partition)
      const base = newFileResult(compiled, work.date, partition, sources)
      if (!settings.write || !partition.writer) {
        record({ ...base, status: 'would-write' })
        continue
      }
      try {
        const written = await partition.writer.close({ sources, files: partitions.map((entry) => entry.path), partitioning: compiled.partitioning })
        const ratio = ratioOf(base.sourceBytes, written.bytes)
        const file: ExportFileResult = { ...base, status: 'written', bytes: written.bytes, ...(ratio !== undefined ? { ratio } : {}) }
        record(file)
        await definition.afterCommit?.(file, { storage: settings.storage, ...(run.signal ? { signal: run.signal } : {}) }).catch((error: unknown) => {
          const code = isParquetryError(error) ? error.code : 'WRITE_FAILED'
          run.result.failures.push({ path: file.path, code, message: `${file.path}: after the commit: ${messageOf(error)}`, ...transientOf(error) })
          run.emit({ type: 'failure', dataset: definition.name, failure: { path: file.path, code, message: messageOf(error) } })
        })
      } catch (error) {
        if (isParquetryError(error, 'ABORTED') || run.signal?.aborted) throw abortError(definition.name, error)
        record({ ...base, status: 'failed', reason: messageOf(error), ...transientOf(error) })
      }
    }
    // Files of this date that get no rows any more (their inputs changed): removed, so no row is stored twice.
    for (const file of work.files) {
      if (work.partitions.has(file.path)) continue
      if (!settings.write) {
        record(existingFileResult(compiled, file, 'would-remove', 'its inputs no longer give it rows'))
        continue
      }
      await settings.storage.remove(file.path)
      record(existingFileResult(compiled, file, 'removed', 'its inputs no longer give it rows'))
    }
  }

  try {
    for (const input of plan.inputs) {
      if (run.signal?.aborted) throw abortError(definition.name)
      notStarted.delete(input.identity)
      await readInput(input)
      for (const work of [...works.values()]) {
        if (work.finished || !work.remaining.delete(input.identity) || work.remaining.size > 0) continue
        await finish(work)
      }
    }
    for (const work of works.values()) {
      if (work.finished) continue
      // Every input it needs was read, or it is not written.
      if (work.failed === undefined && work.remaining.size > 0) work.failed = `input ${[...work.remaining].sort().join(', ')} was not read`
      await finish(work)
    }
  } finally {
    // On an error or an abort, files not committed are discarded: nothing half-written appears.
    for (const work of works.values()) for (const partition of work.partitions.values()) await partition.abort()
  }
  return discovered
}

/** What a thrown value says: its message, or the value itself when something other than an Error was thrown. */
function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** The abort of a dataset's pass: an ABORTED error passes through (wrapped once); another error the abort caused becomes its cause. */
function abortError(dataset: string, cause?: unknown): ParquetryError {
  if (isParquetryError(cause, 'ABORTED')) return cause
  return new ParquetryError('ABORTED', `${dataset}: export aborted; files not yet complete were discarded`, cause === undefined ? {} : { cause })
}
