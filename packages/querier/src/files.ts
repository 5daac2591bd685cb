import { createLayout, dateRange } from '@parquetry/partitioner'
import type { ObjectInfo, Storage } from '@parquetry/storage'
import type { DatasetLayout } from './datasets.js'

/** A dataset's files in a storage, and whether they are all the Parquet files under their folder. */
export interface DatasetFiles {
  /** The folder they lie under (`query_perf/`, `''` for the root). */
  prefix: string
  files: ObjectInfo[]
  /** True when no other `.parquet` file lies under `prefix` (a glob of it reads exactly these files). */
  alone: boolean
}

/**
 * The files of a dataset, found through the storage from its layout: paths
 * the layout renders, all of them or those of a date range (listed per date
 * folder: with many small daily files, naming the files is what keeps a
 * date-range query fast).
 */
export async function listLayoutFiles(storage: Storage, layout: DatasetLayout, range?: { from: string; to: string }): Promise<DatasetFiles> {
  const compiled = createLayout({ template: layout.template, dataset: layout.name, columns: layout.schema.columns })
  const dates = range ? new Set(dateRange(range.from, range.to)) : undefined
  const folders = compiled.folders(dates)
  const files: ObjectInfo[] = []
  let others = 0
  for (const folder of folders) {
    for await (const object of storage.list(folder)) {
      const match = compiled.match(object.path)
      if (match && (!dates || dates.has(match.date))) files.push(object)
      else if (object.path.endsWith('.parquet')) others++
    }
  }
  return { prefix: folders.length === 1 ? (folders[0] as string) : '', files, alone: !dates && others === 0 && (folders[0] as string) !== '' }
}
