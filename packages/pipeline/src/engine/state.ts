import { isParquetryError } from '@parquetry/schema'
import type { SinkOptions, Storage } from '@parquetry/storage'
import type { PartitioningInfo } from '@parquetry/writer'

/**
 * What a dataset's storage remembers between runs, beside its files
 * (`_parquetry/datasets/<dataset>.json`, written under the dataset's lock):
 * the partitioning its files were made by — so that a change of template,
 * date column or time zone is seen even on dates that have no file yet, and
 * the files of an old template can be found — and, per input, the dates its
 * rows reach beyond the days around its own (a row far from its input's
 * date), so that a run of such a date reads that input.
 */
export interface DatasetState {
  partitioning?: PartitioningInfo
  /** Input identity → dates beyond its window that its current content feeds. */
  far?: Record<string, string[]>
}

/** Where a dataset's state lives in its storage. */
export function statePath(dataset: string): string {
  return `_parquetry/datasets/${dataset}.json`
}

/** The dataset's state, or undefined when there is none (or it cannot be parsed: it is only a hint). */
export async function readState(storage: Storage, dataset: string): Promise<DatasetState | undefined> {
  const path = statePath(dataset)
  if ((await storage.stat(path)) === undefined) return undefined
  try {
    return wellFormed(JSON.parse(new TextDecoder().decode(await storage.readBytes(path))) as unknown)
  } catch (error) {
    if (isParquetryError(error, 'STORAGE_FAILED')) throw error
    return undefined
  }
}

/** The parts of a parsed state that have the right shape (a damaged part is dropped: the footers still tell). */
function wellFormed(parsed: unknown): DatasetState | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const { partitioning, far } = parsed as { partitioning?: unknown; far?: unknown }
  const state: DatasetState = {}
  const p = partitioning as Partial<PartitioningInfo> | undefined
  if (p && typeof p === 'object' && typeof p.template === 'string' && typeof p.dateColumn === 'string' && typeof p.timezone === 'string') {
    state.partitioning = { template: p.template, dateColumn: p.dateColumn, timezone: p.timezone }
  }
  if (far && typeof far === 'object') {
    const entries = Object.entries(far as Record<string, unknown>).filter(
      (entry): entry is [string, string[]] => Array.isArray(entry[1]) && entry[1].every((date) => typeof date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(date)),
    )
    if (entries.length > 0) state.far = Object.fromEntries(entries)
  }
  return state
}

/** Writes a small JSON object (a state, a lock) in one piece, published atomically; returns its etag. */
export async function writeJson(storage: Storage, path: string, value: unknown, options: SinkOptions = {}): Promise<string | undefined> {
  const sink = await storage.createSink(path, options)
  await sink.write(new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`))
  return (await sink.commit()).etag
}

/** Replaces the dataset's state (the caller holds the dataset's lock). */
export async function writeState(storage: Storage, dataset: string, state: DatasetState): Promise<void> {
  await writeJson(storage, statePath(dataset), state)
}
