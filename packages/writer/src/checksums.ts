import type { ColumnChunk, RowGroup } from 'hyparquet'
import { crc32 } from 'node:zlib'

/**
 * The footer key of the column chunk checksums: JSON `{"crc32": [[c0, c1, …], …]}`,
 * one array per row group, one number per column in footer order. Each is the
 * CRC-32 (the zlib/gzip polynomial, as node:zlib `crc32`, unsigned) of the
 * chunk's bytes exactly as the footer locates them: from its first page (the
 * dictionary page when there is one) for `total_compressed_size` bytes.
 */
export const checksumsKey = 'parquetry.checksums'

/** Where a column chunk's bytes lie in its file. */
export function chunkRange(chunk: ColumnChunk): { start: number; length: number } {
  const meta = chunk.meta_data
  if (!meta) return { start: Number(chunk.file_offset), length: 0 }
  return { start: Number(meta.dictionary_page_offset ?? meta.data_page_offset), length: Number(meta.total_compressed_size) }
}

/**
 * CRC-32 of every column chunk, computed as the bytes go by. hyparquet-writer
 * encodes a whole row group into its byte writer in one synchronous call and
 * then flushes it: the flushed bytes hold every chunk of the row groups
 * added since the last flush, summed here from views of the writer's buffer
 * (no copy).
 */
export class ChunkChecksums {
  readonly #rowGroups: number[][] = []

  /**
   * Sums the chunks of `rowGroups` not yet summed; `bytes` are the file's
   * bytes from `fileOffset` on, about to be handed to the sink.
   *
   * @throws Error when a chunk lies outside `bytes` (a row group not flushed whole).
   */
  add(bytes: Uint8Array, fileOffset: number, rowGroups: readonly RowGroup[]): void {
    for (let group = this.#rowGroups.length; group < rowGroups.length; group++) {
      const sums: number[] = []
      for (const chunk of (rowGroups[group] as RowGroup).columns) {
        const { start, length } = chunkRange(chunk)
        const from = start - fileOffset
        if (from < 0 || from + length > bytes.length) {
          throw new Error(`row group ${group}: column chunk at ${start} (+${length}) is not in the flushed bytes ${fileOffset}..${fileOffset + bytes.length}`)
        }
        sums.push(crc32(bytes.subarray(from, from + length)))
      }
      this.#rowGroups.push(sums)
    }
  }

  /** Adds the sums of row groups summed elsewhere (the encoder thread), in order. */
  addSums(rowGroups: readonly (readonly number[])[]): void {
    for (const sums of rowGroups) this.#rowGroups.push([...sums])
  }

  /** Row groups summed so far. */
  get rowGroups(): number {
    return this.#rowGroups.length
  }

  /** The footer key-value pair. */
  keyValue(): { key: string; value: string } {
    return { key: checksumsKey, value: JSON.stringify({ crc32: this.#rowGroups }) }
  }
}

/**
 * The checksums recorded under {@link checksumsKey}, or undefined when the
 * footer has none (files written before they were recorded, or by others);
 * a value of the wrong shape reads as a string saying so.
 */
export function parseChecksums(value: string | undefined): number[][] | string | undefined {
  if (value === undefined) return undefined
  try {
    const parsed = (JSON.parse(value) as { crc32?: unknown } | null)?.crc32
    if (Array.isArray(parsed) && parsed.every((group) => Array.isArray(group) && group.every((sum) => Number.isInteger(sum) && sum >= 0 && sum <= 0xffffffff))) {
      return parsed as number[][]
    }
  } catch {
    // reported below
  }
  return `${checksumsKey} is not {"crc32": [[...], ...]} of unsigned 32-bit integers`
}
