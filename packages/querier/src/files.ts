import { createLayout, dateRange, dateTokens, type Layout } from '@parquetry/partitioner'
import type { ObjectInfo, Storage } from '@parquetry/storage'
import type { DatasetLayout } from './datasets.js'

/** A dataset's files in a storage. */
export interface DatasetFiles {
  /** The folder they lie under (`query_perf/`, `''` for the root). */
  prefix: string
  /** Exactly the paths the layout renders (`layout.match`), sorted by path. */
  files: ObjectInfo[]
}

/** A value of a layout's `{column}` token to select files by (`{ project_slug: 'docs' }`). */
export type PartitionKeyValue = string | number | boolean

/** Which files of a layout to list: {@link listLayoutFiles}. */
export interface LayoutFileFilter {
  /** Only the files of these dates (inclusive), listed per date folder. */
  range?: { from: string; to: string } | undefined
  /**
   * Only the files whose path holds these values, keyed by the schema
   * column a `{column}` token names: `{ project_slug: 'docs' }` keeps
   * `pageviews/project=docs/…` and lists only under that folder. A key the
   * layout has no token for selects nothing out (every file holds it).
   */
  keys?: Readonly<Record<string, PartitionKeyValue>> | undefined
}

/**
 * The files of a dataset, found through the storage from its layout: only
 * paths the layout renders — a copy beside them (`… (copy).parquet`,
 * `backup/…`, a `month=13` folder, another dataset's file) is never one of
 * them — all of them, or those of a date range and of partition key values,
 * listed from the deepest folders those fix (`pageviews/project=docs/date=2025-10-28/`)
 * rather than from the dataset's root.
 */
export async function listLayoutFiles(storage: Storage, layout: DatasetLayout, filter: LayoutFileFilter = {}): Promise<DatasetFiles> {
  const compiled = createLayout({ template: layout.template, dataset: layout.name, columns: layout.schema.columns })
  const dates = filter.range ? dateRange(filter.range.from, filter.range.to) : undefined
  const dateSet = dates ? new Set(dates) : undefined
  // Only the keys this layout has a token for; the values as a path spells them.
  const keys: Record<string, string> = {}
  for (const [name, value] of Object.entries(filter.keys ?? {})) if (compiled.columns.includes(name)) keys[name] = String(value)
  const folders = keyFolders(compiled, dates, keys)
  const files: ObjectInfo[] = []
  for (const folder of folders) {
    for await (const object of storage.list(folder)) {
      const match = compiled.match(object.path)
      if (!match || (dateSet && !dateSet.has(match.date))) continue
      // The file's own path with the keys' values put in: the same path only when it holds them.
      if (Object.keys(keys).length > 0 && compiled.render(match.date, { ...match.values, ...keys }) !== object.path) continue
      files.push(object)
    }
  }
  return { prefix: folders.length === 1 ? (folders[0] as string) : '', files }
}

const tokenPattern = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g

/**
 * The folders to list for the files of these dates (all, without) holding
 * these column values: per date, the template's folders up to its first
 * token neither gives, rendered. One per distinct folder, none inside another.
 */
function keyFolders(compiled: Layout, dates: readonly string[] | undefined, keys: Readonly<Record<string, string>>): string[] {
  const folderOf = (date: string | undefined): string => {
    const open = [...compiled.template.matchAll(tokenPattern)].find((found) => {
      const name = found[1] as string
      // A date token wins over a column of the same name, as in the layout.
      if ((dateTokens as readonly string[]).includes(name)) return date === undefined
      return name !== 'dataset' && !(name in keys)
    })
    const depth = compiled.template.slice(0, open?.index ?? compiled.template.length).split('/').length - 1
    if (depth === 0) return ''
    // Every value is hive-encoded (no `/`), so the first `depth` segments of a rendered path are
    // exactly those folders, whatever the tokens after them are given (any date, no values).
    return `${compiled.render(date ?? '1970-01-01', keys).split('/').slice(0, depth).join('/')}/`
  }
  const prefixes = [...new Set(dates === undefined ? [folderOf(undefined)] : dates.map(folderOf))].sort()
  return prefixes.filter((one) => !prefixes.some((other) => other !== one && one.startsWith(other)))
}
