import { describeValue, parseDateText, ParquetryError, type Column, type TypedValue } from '@parquetry/schema'

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const encoder = new TextEncoder()
const decoder = new TextDecoder()

type Typed = Int32Array | Float64Array | BigInt64Array | Uint8Array
type Values = unknown[] | Typed

// Distinct strings a column keeps one copy of: repeated values (a query type, a table name)
// then cost nothing per row; past this many, new values are kept as they come.
const MAX_INTERNED = 4096

/**
 * One column's values for the row group being filled, already in the physical
 * form hyparquet-writer encodes (dates as day numbers, JSON as UTF-8 bytes).
 * Numbers, bigints, booleans and dates live in typed arrays — nulls in a
 * validity mask beside them — so no value holds a heap object while the row
 * group fills; repeated strings share one copy. Buffers are reused across row
 * groups, so memory stays at one row group whatever the input size.
 */
export class ColumnBuffer {
  readonly column: Column
  #values: Values
  /** 1 where a nullable typed column holds a value, 0 for null. */
  #valid: Uint8Array | undefined
  #length = 0
  /** Nulls in the row group being filled. */
  #nulls = 0
  readonly #convert: (value: TypedValue) => unknown
  readonly #interned: Map<string, string> | undefined
  #lastDateText = ''
  #lastDateDays = 0

  readonly #capacity: number

  constructor(column: Column, capacity: number) {
    this.column = column
    this.#capacity = capacity
    // Start small and grow: a writer per open partition must not cost a whole row group up front.
    const size = Math.min(capacity, 1024)
    this.#values = ColumnBuffer.#allocate(column, size)
    this.#valid = column.nullable && !Array.isArray(this.#values) ? new Uint8Array(size) : undefined
    this.#interned = column.type === 'string' ? new Map() : undefined
    this.#convert = this.#converter()
  }

  static #allocate(column: Column, size: number): Values {
    switch (column.type) {
      case 'double':
        return new Float64Array(size)
      case 'int32':
      case 'int16':
      case 'date':
        return new Int32Array(size)
      case 'int64':
      case 'timestamp':
        return new BigInt64Array(size)
      case 'boolean':
        return new Uint8Array(size)
      default:
        return []
    }
  }

  #grow(): void {
    const values = this.#values as Typed
    const size = Math.min(this.#capacity, values.length * 2)
    const grown = ColumnBuffer.#allocate(this.column, size) as Typed
    grown.set(values as never)
    this.#values = grown
    if (this.#valid) {
      const valid = new Uint8Array(size)
      valid.set(this.#valid)
      this.#valid = valid
    }
  }

  get length(): number {
    return this.#length
  }

  /**
   * Appends one typed value. Returns an error message when the value is not
   * of the column's typed form, so the caller can name the row.
   */
  push(value: TypedValue | undefined): string | undefined {
    const values = this.#values
    const typed = !Array.isArray(values)
    if (typed && this.#length === values.length) this.#grow()
    if (value === null || value === undefined) {
      if (!this.column.nullable) return 'null in a column that is not nullable'
      this.#nulls++
      if (typed) (this.#valid as Uint8Array)[this.#length++] = 0
      else (values as unknown[])[this.#length++] = null
      return undefined
    }
    const converted = this.#convert(value)
    if (converted === undefined) return `${describeValue(value)} is not a ${this.column.type} value (${expectedForm[this.column.type]})`
    if (this.#valid) this.#valid[this.#length] = 1
    ;(this.#values as unknown[])[this.#length++] = converted
    return undefined
  }

  /**
   * {@link push}, specialised to the column's type: a function of its own
   * per type, so that a caller holding one per column (the compiled row
   * appender of a file) calls each at a monomorphic site. The usual value
   * is stored at once; nulls and values of the wrong form go through
   * {@link push}, which answers for them.
   */
  pusher(): (value: TypedValue | undefined) => string | undefined {
    switch (this.column.type) {
      case 'double':
        return (value) => (typeof value === 'number' ? this.#appendTyped(value) : this.push(value))
      case 'int64':
      case 'timestamp':
        if (this.column.type === 'timestamp' && this.column.unit === 'millis') return (value) => this.push(value)
        return (value) => (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX ? this.#appendTyped(value) : this.push(value))
      case 'boolean':
        return (value) => (typeof value === 'boolean' ? this.#appendTyped(value ? 1 : 0) : this.push(value))
      case 'int32':
        return (value) => (typeof value === 'number' && (value | 0) === value ? this.#appendTyped(value) : this.push(value))
      case 'int16':
        return (value) => (typeof value === 'number' && (value | 0) === value && value >= -32768 && value <= 32767 ? this.#appendTyped(value) : this.push(value))
      case 'date':
        // Rows of one partition share their date: the last one converted is compared first.
        return (value) => (typeof value === 'string' && value === this.#lastDateText && value !== '' ? this.#appendTyped(this.#lastDateDays) : this.push(value))
      case 'string': {
        const interned = this.#interned as Map<string, string>
        // Once the table is full, a column whose values are mostly new (ids, hashes) stops looking them up.
        let hits = 0
        let misses = 0
        return (value) => {
          if (typeof value !== 'string') return this.push(value)
          let stored = value
          if (misses <= 8192 || hits * 20 >= misses) {
            const known = interned.get(value)
            if (known !== undefined) {
              hits++
              stored = known
            } else if (interned.size < MAX_INTERNED) {
              return this.push(value)
            } else {
              misses++
            }
          }
          ;(this.#values as unknown[])[this.#length++] = stored
          return undefined
        }
      }
      default:
        return (value) => this.push(value)
    }
  }

  /** Stores a non-null value already in the typed array's form. */
  #appendTyped(stored: number | bigint): undefined {
    const length = this.#length
    if (length === (this.#values as Typed).length) this.#grow()
    if (this.#valid) this.#valid[length] = 1
    ;(this.#values as unknown[])[length] = stored
    this.#length = length + 1
    return undefined
  }

  /**
   * The filled part of the buffer, in the form hyparquet-writer takes: a
   * view of the typed array, or — for booleans, and for a nullable column
   * that holds nulls in this row group — an array with the nulls in place.
   */
  data(): Values {
    const values = this.#values
    const length = this.#length
    if (Array.isArray(values)) return length === values.length ? values : values.slice(0, length)
    const boolean = this.column.type === 'boolean'
    if (this.#nulls === 0 && !boolean) return values.subarray(0, length)
    const valid = this.#valid
    const out = new Array<unknown>(length)
    for (let index = 0; index < length; index++) {
      out[index] = valid && valid[index] === 0 ? null : boolean ? values[index] === 1 : values[index]
    }
    return out
  }

  /**
   * The encoding for this row group. For integers and timestamps it compares,
   * on the first 1,000 values, the size of a dictionary (distinct values plus
   * bit-packed indexes) with DELTA_BINARY_PACKED (bit width of the spread of
   * consecutive deltas) and picks delta where it is smaller: sorted times, ids
   * and wide-ranging counters come out about half the size of PLAIN. Other
   * types are left to hyparquet-writer, which uses a dictionary where it pays.
   */
  encoding(): 'DELTA_BINARY_PACKED' | undefined {
    const type = this.column.type
    if (type !== 'int64' && type !== 'timestamp' && type !== 'int32' && type !== 'int16') return undefined
    const window = Math.min(this.#length, 1000)
    if (window < 64) return undefined
    const values = this.#values
    const valid = this.#valid
    const distinct = new Set<unknown>()
    let previous: bigint | undefined
    let minDelta: bigint | undefined
    let maxDelta: bigint | undefined
    for (let index = 0; index < window; index++) {
      const value = valid && valid[index] === 0 ? null : values[index]
      distinct.add(value)
      if (value === null || value === undefined) continue
      const current = BigInt(value as number | bigint)
      if (previous !== undefined) {
        const delta = current - previous
        if (minDelta === undefined || delta < minDelta) minDelta = delta
        if (maxDelta === undefined || delta > maxDelta) maxDelta = delta
      }
      previous = current
    }
    if (minDelta === undefined || maxDelta === undefined) return undefined
    const valueBytes = type === 'int64' || type === 'timestamp' ? 8 : 4
    const dictionaryBytes = distinct.size * valueBytes + (window * Math.ceil(Math.log2(Math.max(distinct.size, 2)))) / 8
    const deltaBytes = (window * (maxDelta - minDelta).toString(2).length) / 8 + window / 32
    return deltaBytes < dictionaryBytes ? 'DELTA_BINARY_PACKED' : undefined
  }

  /** Empties the buffer for the next row group, keeping its memory. */
  reset(): void {
    if (Array.isArray(this.#values)) this.#values.fill(undefined, 0, this.#length)
    this.#length = 0
    this.#nulls = 0
  }

  // Returns undefined for a value of the wrong form.
  #converter(): (value: TypedValue) => unknown {
    switch (this.column.type) {
      case 'string': {
        const interned = this.#interned as Map<string, string>
        return (value) => {
          if (typeof value !== 'string') return undefined
          const known = interned.get(value)
          if (known !== undefined) return known
          if (interned.size >= MAX_INTERNED) return value
          // A copy of its own: the value may be a slice that keeps a whole chunk of input text alive.
          const copy = value.length > 12 ? decoder.decode(encoder.encode(value)) : value
          interned.set(copy, copy)
          return copy
        }
      }
      case 'json':
        return (value) => (typeof value === 'string' ? encoder.encode(value) : undefined)
      case 'boolean':
        return (value) => (typeof value === 'boolean' ? (value ? 1 : 0) : undefined)
      case 'int16':
        return (value) => (Number.isInteger(value) && (value as number) >= -32768 && (value as number) <= 32767 ? value : undefined)
      case 'int32':
        return (value) => (Number.isInteger(value) && (value as number) >= -2147483648 && (value as number) <= 2147483647 ? value : undefined)
      case 'double':
        return (value) => (typeof value === 'number' ? value : undefined)
      case 'int64':
        return (value) => (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX ? value : undefined)
      case 'timestamp':
        if (this.column.unit === 'millis') {
          return (value) => (typeof value === 'bigint' && value % 1000n === 0n ? value / 1000n : undefined)
        }
        return (value) => (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX ? value : undefined)
      case 'date':
        return (value) => {
          if (typeof value !== 'string') return undefined
          // Rows of one partition share their date: remember the last conversion.
          if (value === this.#lastDateText) return this.#lastDateDays
          const days = parseDateText(value)
          if (typeof days === 'string') return undefined
          this.#lastDateText = value
          this.#lastDateDays = days
          return days
        }
    }
  }
}

const expectedForm: Record<Column['type'], string> = {
  string: 'a string',
  json: 'JSON text in a string',
  boolean: 'true or false',
  int16: 'an integer number in [-32768, 32767]',
  int32: 'an integer number in int32 range',
  double: 'a number',
  int64: 'a bigint in int64 range',
  timestamp: 'a bigint of microseconds since the epoch',
  date: 'a YYYY-MM-DD string',
}

/** Throws the error of a value that did not fit its column. */
export function invalidRowError(schemaName: string, rowNumber: number, column: string, message: string): ParquetryError {
  return new ParquetryError('ROW_INVALID', `${schemaName}: row ${rowNumber}: column ${column}: ${message}`, {
    details: { row: rowNumber, column },
  })
}
