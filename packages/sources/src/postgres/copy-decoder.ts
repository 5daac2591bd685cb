import { CopyValueProblem, createValueDecoder, type ValueDecoder } from './type-mapping.js'

// "PGCOPY\n\377\r\n\0", then flags (int32) and the header extension's length (int32).
const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00])
const HEADER_LENGTH = SIGNATURE.length + 8
const FLAG_OIDS = 1 << 16

/** Options for {@link CopyBinaryDecoder}. */
export interface CopyBinaryDecoderOptions {
  /** Refuse text that is not valid UTF-8 (a SQL_ASCII database passes bytes on unchecked). Default false. */
  strictUtf8?: boolean
}

/**
 * The decoder of PostgreSQL's binary COPY format
 * (`COPY (…) TO STDOUT (FORMAT binary)`), for the column types of
 * `type-mapping.ts` given by OID, one per column in order.
 *
 * `push(chunk)` takes the stream's bytes however they are split (inside the
 * header, a field's length or its bytes) and returns the rows completed so
 * far, as arrays of values: `null` for NULL, and a {@link CopyValueProblem}
 * where a value has no JavaScript value (a date of `infinity`). `end()` checks
 * that the stream ended with its trailer. Only the bytes of one unfinished row
 * are kept between chunks.
 *
 * @throws Error on a malformed stream (bad signature, a row of another field
 *   count, bytes after the trailer, a value of the wrong size).
 */
export class CopyBinaryDecoder {
  /** Bytes taken so far. */
  bytes = 0
  /** Rows decoded so far. */
  rows = 0
  /** Values decoded so far that are {@link CopyValueProblem}s. */
  problems = 0
  private readonly decoders: ValueDecoder[]
  private readonly fields: number
  private readonly mayFail: boolean[]
  private headerDone = false
  private trailerSeen = false
  private pending: Buffer[] = []
  private pendingLength = 0
  // Bytes the pending ones must reach before a parse can get further.
  private needed = 0

  constructor(oids: readonly number[], options: CopyBinaryDecoderOptions = {}) {
    this.decoders = oids.map((oid) => createValueDecoder(oid, options))
    this.fields = oids.length
    this.mayFail = oids.map((oid) => oid === 1082 || oid === 1114 || oid === 1184)
  }

  /** Whether the trailer (field count -1) has been read. */
  get done(): boolean {
    return this.trailerSeen
  }

  /** Decodes what `chunk` completes; returns the rows finished, in order. */
  push(chunk: Uint8Array): unknown[][] {
    const part = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    this.bytes += part.length
    if (part.length === 0) return []
    if (this.trailerSeen) throw new Error('binary COPY data continues after its trailer')
    let buffer = part
    if (this.pendingLength > 0) {
      this.pending.push(part)
      this.pendingLength += part.length
      if (this.pendingLength < this.needed) return []
      buffer = Buffer.concat(this.pending, this.pendingLength)
      this.pending = []
      this.pendingLength = 0
    }
    const rows: unknown[][] = []
    const position = this.parse(buffer, rows)
    if (position < buffer.length) {
      if (this.trailerSeen) throw new Error('binary COPY data continues after its trailer')
      this.pending = [buffer.subarray(position)]
      this.pendingLength = buffer.length - position
    }
    return rows
  }

  /**
   * Checks that the stream ended where it should: after its trailer, with no
   * row cut short.
   *
   * @throws Error when the trailer was not seen.
   */
  end(): void {
    if (!this.trailerSeen) {
      throw new Error(this.pendingLength > 0 ? `binary COPY data ends inside a row (${this.pendingLength} bytes of it)` : 'binary COPY data ends without its trailer')
    }
  }

  // Returns where parsing stopped; sets `needed` when it stopped inside a row.
  private parse(buffer: Buffer, rows: unknown[][]): number {
    const length = buffer.length
    let position = 0
    if (!this.headerDone) {
      const header = this.parseHeader(buffer)
      if (header < 0) return 0
      position = header
      this.headerDone = true
    }
    const fields = this.fields
    const decoders = this.decoders
    const mayFail = this.mayFail
    while (position + 2 <= length) {
      const count = (((buffer[position]! << 8) | buffer[position + 1]!) << 16) >> 16
      if (count === -1) {
        this.trailerSeen = true
        return position + 2
      }
      if (count !== fields) throw new Error(`binary COPY row ${this.rows + 1} has ${count} fields, expected ${fields}`)
      let cursor = position + 2
      const row = new Array<unknown>(fields)
      let complete = true
      for (let field = 0; field < fields; field++) {
        if (cursor + 4 > length) {
          this.needed = cursor + 4 - position
          complete = false
          break
        }
        const size = (buffer[cursor]! << 24) | (buffer[cursor + 1]! << 16) | (buffer[cursor + 2]! << 8) | buffer[cursor + 3]!
        cursor += 4
        if (size === -1) {
          row[field] = null
          continue
        }
        if (size < 0) throw new Error(`binary COPY row ${this.rows + 1} field ${field + 1} has length ${size}`)
        if (cursor + size > length) {
          this.needed = cursor + size - position
          complete = false
          break
        }
        const value = decoders[field]!(buffer, cursor, size)
        if (mayFail[field] && value instanceof CopyValueProblem) this.problems++
        row[field] = value
        cursor += size
      }
      if (!complete) return position
      rows.push(row)
      this.rows++
      position = cursor
    }
    this.needed = 2
    return position
  }

  // The header's length, or -1 when more bytes are needed.
  private parseHeader(buffer: Buffer): number {
    if (buffer.length < HEADER_LENGTH) {
      this.needed = HEADER_LENGTH
      if (!SIGNATURE.subarray(0, buffer.length).equals(buffer.subarray(0, SIGNATURE.length))) throw new Error('not binary COPY data (no PGCOPY signature)')
      return -1
    }
    if (!buffer.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new Error('not binary COPY data (no PGCOPY signature)')
    const flags = buffer.readInt32BE(SIGNATURE.length)
    if (flags & FLAG_OIDS) throw new Error('binary COPY data with OIDs is not supported')
    // Bits 17-31 are critical: a reader that does not know one must stop.
    if (flags & 0xfffe0000) throw new Error(`binary COPY header has unknown critical flags 0x${(flags >>> 0).toString(16)}`)
    const extension = buffer.readInt32BE(SIGNATURE.length + 4)
    if (extension < 0) throw new Error(`binary COPY header extension of length ${extension}`)
    if (buffer.length < HEADER_LENGTH + extension) {
      this.needed = HEADER_LENGTH + extension
      return -1
    }
    return HEADER_LENGTH + extension
  }
}
