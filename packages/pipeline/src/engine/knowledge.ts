import { addDays } from '@parquetry/partitioner'
import type { SourceInfo } from '@parquetry/writer'
import type { Input } from './definition.js'
import type { ExistingFile } from './existing.js'

/** The dates an input feeds, or `'any'` when nothing says (an undated input never exported at this digest). */
export type Cover = ReadonlySet<string> | 'any'

/** The dates an input is named for, give or take `spread` days; `'any'` for an undated input. */
export function windowOf(input: Pick<Input, 'dates'>, spread: number): Cover {
  if (input.dates.length === 0) return 'any'
  const window = new Set<string>()
  for (const date of input.dates) for (let offset = -spread; offset <= spread; offset++) window.add(addDays(date, offset))
  return window
}

/**
 * What a dataset's footers and its inputs' digests tell before anything is
 * parsed: which dates each input feeds (its recorded fan-out when a footer
 * holds its current digest, else the dates it is named for, give or take
 * `spread` days), and which inputs each date's files were made from.
 */
export class DatasetKnowledge {
  /** The inputs present now, by identity. */
  readonly inputs: ReadonlyMap<string, Input>
  readonly #existing: Map<string, readonly ExistingFile[]>
  // Per date, each file's sources by identity: built once, dropped when the date is refreshed.
  readonly #listings = new Map<string, Map<string, SourceInfo>[]>()
  readonly #digests: ReadonlyMap<string, string>
  readonly #spread: number
  readonly #isCurrent: (file: ExistingFile) => boolean
  // identity → digest → dates its rows fell on, as footers recorded them (or as this run found).
  readonly #fanOut = new Map<string, Map<string, Set<string>>>()
  // identity → digest → rows on each date, when recorded.
  readonly #rowsOn = new Map<string, Map<string, Map<string, number>>>()

  /**
   * `isCurrent` says whether a file was made by the rules in force (its
   * partitioning) and is intact; one that is not is rebuilt whatever its inputs.
   */
  constructor(options: { inputs: readonly Input[]; digests: ReadonlyMap<string, string>; existing: ReadonlyMap<string, readonly ExistingFile[]>; spread: number; isCurrent?: (file: ExistingFile) => boolean }) {
    this.inputs = new Map(options.inputs.map((input) => [input.identity, input]))
    this.#digests = options.digests
    this.#existing = new Map(options.existing)
    this.#spread = options.spread
    this.#isCurrent = options.isCurrent ?? (() => true)
    // Footers written before fan-outs were recorded (no `dates`) teach nothing: those inputs are planned by their window.
    for (const files of options.existing.values()) {
      for (const file of files) {
        for (const source of file.footer?.parquetry?.sources ?? []) {
          if (source.checksum && source.dates) this.learn(source.identity, source.checksum, source.dateRows ? new Map(Object.entries(source.dateRows)) : source.dates)
        }
      }
    }
  }

  /** The files each date has (as read before the run, or refreshed). */
  get existing(): ReadonlyMap<string, readonly ExistingFile[]> {
    return this.#existing
  }

  /** Replaces what is known of a date's files (after this run wrote some). */
  refresh(date: string, files: readonly ExistingFile[]): void {
    this.#existing.set(date, files)
    this.#listings.delete(date)
  }

  /** An input's current digest (undefined when it was not digested). */
  digestOf(identity: string): string | undefined {
    return this.#digests.get(identity)
  }

  /** Records the dates an input's rows fell on (from a footer, or from reading it), with their row counts when known. */
  learn(identity: string, digest: string, dates: Iterable<string> | ReadonlyMap<string, number>): void {
    let byDigest = this.#fanOut.get(identity)
    if (!byDigest) this.#fanOut.set(identity, (byDigest = new Map()))
    let known = byDigest.get(digest)
    if (!known) byDigest.set(digest, (known = new Set()))
    if (dates instanceof Map) {
      let rows = this.#rowsOn.get(identity)
      if (!rows) this.#rowsOn.set(identity, (rows = new Map()))
      rows.set(digest, new Map(dates))
      for (const date of dates.keys()) known.add(date)
    } else for (const date of dates as Iterable<string>) known.add(date)
  }

  /** The rows an input's current content has on `date`, when a footer (or this run) recorded them. */
  rowsOn(identity: string, date: string): number | undefined {
    const digest = this.#digests.get(identity)
    return digest === undefined ? undefined : this.#rowsOn.get(identity)?.get(digest)?.get(date)
  }

  /** Whether a footer (or this run) knows exactly which dates the input's current content feeds. */
  isKnown(identity: string): boolean {
    const digest = this.#digests.get(identity)
    return digest !== undefined && this.#fanOut.get(identity)?.has(digest) === true
  }

  /** The dates an input feeds: its known fan-out, else its window. */
  coverOf(input: Input): Cover {
    const digest = this.#digests.get(input.identity)
    const known = digest === undefined ? undefined : this.#fanOut.get(input.identity)?.get(digest)
    return known ?? windowOf(input, this.#spread)
  }

  /** The sources each file of `date` lists. */
  #listedBy(date: string): Map<string, SourceInfo>[] {
    let listed = this.#listings.get(date)
    if (!listed) {
      listed = (this.#existing.get(date) ?? []).map((file) => new Map((file.footer?.parquetry?.sources ?? []).map((source) => [source.identity, source])))
      this.#listings.set(date, listed)
    }
    return listed
  }

  /** Whether an input's current content is known not to feed `date`. */
  #knownNotToFeed(identity: string, date: string): boolean {
    const input = this.inputs.get(identity)
    if (!input || !this.isKnown(identity)) return false
    const cover = this.coverOf(input)
    return cover !== 'any' && !cover.has(date)
  }

  /**
   * The inputs present now that a date's files must be made from: those
   * whose cover holds the date, and those its existing files list — but not
   * a listing of an input whose current content is known not to feed the
   * date, when that listing gave no rows, or when the input is undated (a
   * report or log whose earlier versions' rows stand: see {@link isTentative}).
   */
  expectedFor(date: string): Set<string> {
    const expected = new Set<string>()
    for (const input of this.inputs.values()) {
      const cover = this.coverOf(input)
      if (cover !== 'any' && cover.has(date)) expected.add(input.identity)
    }
    for (const listed of this.#listedBy(date)) {
      for (const [identity, source] of listed) {
        const input = this.inputs.get(identity)
        if (!input) continue
        if (source.checksum !== this.#digests.get(identity) && (source.rows === 0 || input.dates.length === 0) && this.#knownNotToFeed(identity, date)) continue
        expected.add(identity)
      }
    }
    return expected
  }

  /** Inputs a date's files hold rows of that are no longer present: rewriting the date would lose those rows. */
  goneFor(date: string): string[] {
    const gone = new Set<string>()
    for (const listed of this.#listedBy(date)) {
      for (const [identity, source] of listed) if (!this.inputs.has(identity) && source.rows !== 0) gone.add(identity)
    }
    return [...gone].sort()
  }

  /** Whether some file of `date` holds rows of the input (of any version). */
  listsWithRows(date: string, identity: string): boolean {
    return this.#listedBy(date).some((listed) => (listed.get(identity)?.rows ?? 0) > 0)
  }

  /** Whether some file of `date` lists the input at its current digest (its rows there are already stored). */
  holds(date: string, identity: string): boolean {
    const digest = this.#digests.get(identity)
    return this.#listedBy(date).some((listed) => listed.get(identity)?.checksum === digest)
  }

  /**
   * Whether a date's files are all readable Parquetry files of this schema
   * made by the current rules (see `isCurrent`), and all there: none that a
   * footer says was made with them is missing.
   */
  #readable(date: string, schema: { name: string; fingerprint: string }): boolean {
    const files = this.#existing.get(date) ?? []
    const present = new Set(files.map((file) => file.path))
    return files.every((file) => {
      const recorded = file.footer?.parquetry
      return (
        recorded !== undefined &&
        recorded.schemaName === schema.name &&
        recorded.fingerprint === schema.fingerprint &&
        (recorded.files ?? []).every((path) => present.has(path)) &&
        this.#isCurrent(file)
      )
    })
  }

  /**
   * Whether a date's files are up to date: there are some, each is a
   * readable Parquetry file of this schema (same fingerprint), none made with
   * them is missing, and each lists every expected input at its current digest.
   */
  isFresh(date: string, expected: ReadonlySet<string>, schema: { name: string; fingerprint: string }): boolean {
    if ((this.#existing.get(date) ?? []).length === 0 || !this.#readable(date, schema)) return false
    return this.#listedBy(date).every((listed) => [...expected].every((identity) => listed.get(identity)?.checksum === this.#digests.get(identity)))
  }

  /**
   * Whether a stale date is stale only because inputs never seen at their
   * current content might feed it — inputs that gave its files no rows
   * before, or undated inputs (an index advisor report rewritten every day,
   * an event log that is appended to or rotated), whose earlier versions'
   * rows stand. Such a date is not rebuilt up front: the changed inputs are
   * read, and the date is rewritten only if one of them gives it rows. With
   * `force` only the undated inputs count: a forced run rewrites what the
   * current content feeds, and keeps the dates an earlier version fed.
   */
  isTentative(date: string, expected: ReadonlySet<string>, schema: { name: string; fingerprint: string }, options: { force?: boolean } = {}): boolean {
    if (!this.#readable(date, schema)) return false
    if (options.force) return expected.size > 0 && [...expected].every((identity) => this.inputs.get(identity)?.dates.length === 0 && !this.isKnown(identity))
    const listedBy = this.#listedBy(date)
    for (const identity of expected) {
      for (const listed of listedBy) {
        const source = listed.get(identity)
        if (source?.checksum === this.#digests.get(identity)) continue
        if (this.isKnown(identity) || (source !== undefined && source.rows !== 0 && this.inputs.get(identity)?.dates.length !== 0)) return false
      }
      if (listedBy.length === 0 && this.isKnown(identity)) return false
    }
    return true
  }

  /**
   * Rows a date's files hold from earlier versions of an undated input (a
   * listing at another digest than its current one): what rewriting the date
   * from the current version must not shrink unnoticed.
   */
  earlierRows(date: string, identity: string): number {
    if (this.inputs.get(identity)?.dates.length !== 0) return 0
    const digest = this.#digests.get(identity)
    let rows = 0
    for (const listed of this.#listedBy(date)) {
      const source = listed.get(identity)
      if (source && source.checksum !== digest) rows += source.rows ?? 0
    }
    return rows
  }
}
