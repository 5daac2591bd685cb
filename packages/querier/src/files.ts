import { dateRange, renderOutputPath } from '@parquetry/partitioner'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { DatasetLayout } from './datasets.js'

/**
 * The files of a dataset for a date range, built from its layout (one
 * rendered path per day, kept when it exists) rather than by globbing the
 * whole tree: with many small daily files, naming the files is what keeps a
 * date-range query fast.
 */
export async function filesForRange(root: string, layout: DatasetLayout, range: { from: string; to: string }): Promise<string[]> {
  const files: string[] = []
  for (const date of dateRange(range.from, range.to)) {
    const path = join(root, ...renderOutputPath(layout.template, { dataset: layout.name, date }).split('/'))
    const info = await stat(path).catch(() => undefined)
    if (info?.isFile()) files.push(path)
  }
  return files
}

/** The glob of every file of a dataset: the template's first directory, recursively. */
export function globFor(root: string, layout: DatasetLayout): string {
  const top = layout.template.split('/')[0] as string
  return `${root}/${top.includes('{') ? '' : `${top}/`}**/*.parquet`
}
