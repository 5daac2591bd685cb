import type { RecordSource, SourceItem } from './types.js'

/** Every item of a source, flattened (tests only). */
export async function collect(source: RecordSource): Promise<SourceItem[]> {
  const items: SourceItem[] = []
  for await (const batch of source) items.push(...batch)
  return items
}

/** Records as `[line, values]` and problems as `[line, reason]` (tests only). */
export async function summarize(source: RecordSource): Promise<{ records: [number | undefined, unknown[]][]; problems: [number | undefined, string][] }> {
  const items = await collect(source)
  return {
    records: items.filter((item) => item.kind === 'record').map((item) => [item.location.line, Object.values(item.values)]),
    problems: items.filter((item) => item.kind === 'problem').map((item) => [item.location.line, item.reason]),
  }
}

/** The error a promise rejects with (tests only). */
export async function failure(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await promise
  } catch (error) {
    return error as { code?: string; message: string }
  }
  throw new Error('expected a failure')
}
