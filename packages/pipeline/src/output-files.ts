import type { LocalStorage, ObjectInfo } from '@parquetry/storage'
import type { ResolvedDataset } from './config/schema.js'

/**
 * The Parquet files under a dataset's part of the output tree: the first
 * folder of its output template (or the whole tree when that folder has a token).
 */
export async function* listDatasetFiles(storage: LocalStorage, dataset: ResolvedDataset): AsyncGenerator<ObjectInfo> {
  const top = dataset.output.split('/')[0] as string
  for await (const object of storage.list(top.includes('{') ? '' : top)) if (object.path.endsWith('.parquet')) yield object
}
