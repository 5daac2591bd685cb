import type { Layout } from '@parquetry/partitioner'
import { isParquetryError, isTransientError } from '@parquetry/schema'
import type { SourceInfo } from '@parquetry/writer'
import { basename } from 'node:path'
import type { CompiledDataset, Input } from './definition.js'
import type { ExistingFile } from './existing.js'
import type { ExportDatasetResult, ExportEvent, ExportFileResult } from './types.js'

/** Space saved against the inputs' bytes, percent, one decimal. */
export function ratioOf(sourceBytes: number, fileBytes: number): number | undefined {
  if (sourceBytes <= 0) return undefined
  return Math.round((1 - fileBytes / sourceBytes) * 1000) / 10
}

/**
 * Bytes of the inputs behind a file: each input's size, in proportion to the
 * rows it gave the file (so that the shares of all the files an input feeds
 * add up to its size). Unrounded: sum them, then round.
 */
export function sourceShareOf(sources: readonly SourceInfo[]): number {
  return sources.reduce((sum, source) => sum + ((source.bytes ?? 0) * (source.rows ?? 0)) / Math.max(1, source.sourceRows ?? source.rows ?? 1), 0)
}

/** {@link sourceShareOf}, rounded to whole bytes. */
export function sourceBytesOf(sources: readonly SourceInfo[]): number {
  return Math.round(sourceShareOf(sources))
}

/** How a file is named in logs: its name, or its whole path when the layout splits a day by column values. */
export function fileLabel(layout: Layout, path: string): string {
  return layout.columns.length > 0 ? path : basename(path)
}

/** A file result from what is known of a file already stored (skipped, failed or removed). */
export function existingFileResult(dataset: CompiledDataset, file: ExistingFile, status: ExportFileResult['status'], reason: string): ExportFileResult {
  const sources = file.footer?.parquetry?.sources ?? []
  const sourceBytes = sourceBytesOf(sources)
  const ratio = ratioOf(sourceBytes, file.size)
  return {
    dataset: dataset.definition.name,
    date: file.date,
    path: file.path,
    file: fileLabel(dataset.layout, file.path),
    status,
    rows: file.footer?.numRows ?? 0,
    bytes: file.size,
    sourceBytes,
    ...(ratio !== undefined ? { ratio } : {}),
    sources,
    reason,
  }
}

/** A progress callback that reports an input's bytes read at most every 100 ms (and at its end). */
export function progressOf(emit: (event: ExportEvent) => void, dataset: string, input: Input, phase: 'digest' | 'read'): (bytesRead: number) => void {
  const bytes = input.bytes ?? 0
  let shown = 0
  return (bytesRead) => {
    const now = Date.now()
    if (now - shown < 100 && bytesRead < bytes) return
    shown = now
    emit({ type: 'progress', dataset, identity: input.identity, phase, bytesRead, bytes })
  }
}

/** Records (and reports) an input that could not be read; its message names the input. */
export function reportInputFailure(run: { result: ExportDatasetResult; emit: (event: ExportEvent) => void; compiled: CompiledDataset }, identity: string, error: unknown): void {
  const code = isParquetryError(error) ? error.code : 'SOURCE_READ_FAILED'
  const text = error instanceof Error ? error.message : String(error)
  const failure = { input: identity, code, message: text.includes(identity) ? text : `${identity}: ${text}`, ...transientOf(error) }
  run.result.failures.push(failure)
  run.emit({ type: 'failure', dataset: run.compiled.definition.name, failure })
}

/** The result of a file this run writes (its status is set by the caller). */
export function newFileResult(dataset: CompiledDataset, date: string, partition: { path: string; rows: number }, sources: SourceInfo[]): ExportFileResult {
  return {
    dataset: dataset.definition.name,
    date,
    path: partition.path,
    file: fileLabel(dataset.layout, partition.path),
    status: 'would-write',
    rows: partition.rows,
    sourceBytes: sourceBytesOf(sources),
    sources,
  }
}


/** `{ transient: true }` for an error a later attempt may get past, else nothing. */
export function transientOf(error: unknown): { transient?: true } {
  return isTransientError(error) ? { transient: true } : {}
}
