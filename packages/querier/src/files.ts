import { createLayout, dateRange } from '@parquetry/partitioner'
import type { ObjectInfo, Storage } from '@parquetry/storage'
import type { DatasetLayout } from './datasets.js'

/** A dataset's files in a storage. */
export interface DatasetFiles {
  /** The folder they lie under (`query_perf/`, `''` for the root). */
  prefix: string
  /** Exactly the paths the layout renders (`layout.match`), sorted by path. */
  files: ObjectInfo[]
}

/**
 * The files of a dataset, found through the storage from its layout: only
 * paths the layout renders — a copy beside them (`… (copy).parquet`,
 * `backup/…`, a `month=13` folder, another dataset's file) is never one of
 * them — all of them or those of a date range (listed per date folder).
 */
export async function listLayoutFiles(storage: Storage, layout: DatasetLayout, range?: { from: string; to: string }): Promise<DatasetFiles> {
  const compiled = createLayout({ template: layout.template, dataset: layout.name, columns: layout.schema.columns })
  const dates = range ? new Set(dateRange(range.from, range.to)) : undefined
  const folders = compiled.folders(dates)
  const files: ObjectInfo[] = []
  for (const folder of folders) {
    for await (const object of storage.list(folder)) {
      const match = compiled.match(object.path)
      if (match && (!dates || dates.has(match.date))) files.push(object)
    }
  }
  return { prefix: folders.length === 1 ? (folders[0] as string) : '', files }
}
