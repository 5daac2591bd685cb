import { addDays, dateRange } from '@parquetry/partitioner'
import type { InputFile } from './inputs.js'

/** Which dates an export covers. */
export type DateSelection =
  | { kind: 'latest' }
  | { kind: 'dates'; from: string; to: string }
  | { kind: 'historical' }

/** The inputs to read for a selection, and the partition dates to write. */
export interface InputPlan {
  read: InputFile[]
  /** Partition dates to write; `'all'` means every date the rows hold. */
  targets: Set<string> | 'all'
  /** Requested dates that no input file is named for. */
  missingDates: string[]
}

/**
 * Plans what to read. Rows are partitioned by their own date, so a file may
 * feed the partitions of neighbouring days: for given dates, the files named
 * for those dates and the days either side are read, and fixed-name files
 * (no date in the name) always are. `latest` is the newest dated file's dates
 * (or, for fixed names, every date in the file); `historical` is everything.
 */
export function planInputs(inputs: readonly InputFile[], selection: DateSelection): InputPlan {
  const fixed = inputs.filter((input) => input.dates.length === 0)
  const dated = inputs.filter((input) => input.dates.length > 0)
  if (selection.kind === 'historical') return { read: [...inputs], targets: 'all', missingDates: [] }
  let targets: string[]
  if (selection.kind === 'latest') {
    if (dated.length === 0) return { read: fixed, targets: 'all', missingDates: [] }
    const newest = dated.reduce((best, input) => ((input.dates.at(-1) as string) > (best.dates.at(-1) as string) ? input : best))
    targets = newest.dates
  } else {
    targets = dateRange(selection.from, selection.to)
  }
  const low = addDays(targets[0] as string, -1)
  const high = addDays(targets.at(-1) as string, 1)
  const read = [...fixed, ...dated.filter((input) => input.dates.some((date) => date >= low && date <= high))]
  const named = new Set(dated.flatMap((input) => input.dates))
  const missingDates = dated.length > 0 || fixed.length === 0 ? targets.filter((date) => !named.has(date)) : []
  return { read, targets: new Set(targets), missingDates }
}
