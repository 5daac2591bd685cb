import { describe, expect, expectTypeOf, it } from 'vitest'
import { isParquetryError, isTransientError, ParquetryError, wrapError, type ParquetryErrorCode, type RowInvalidDetails, type StorageFailedDetails } from './errors.js'

type SchemaModule = typeof import('./errors.js')

// Another installed copy of the package: the built file, evaluated again as a module of its own.
const built = new URL('../dist/index.js', import.meta.url).href
const loadCopy = async (copy: number) => (await import(/* @vite-ignore */ `${built}?copy=${copy}`)) as SchemaModule

describe('ParquetryError', () => {
  it('carries its code, message, cause and details', () => {
    const cause = new Error('disk full')
    const error = new ParquetryError('STORAGE_FAILED', 'writing a.parquet: disk full', { cause, details: { path: 'a.parquet', errno: 'ENOSPC' } })
    expect(error).toBeInstanceOf(Error)
    expect([error.name, error.code, error.message, error.cause]).toEqual(['ParquetryError', 'STORAGE_FAILED', 'writing a.parquet: disk full', cause])
    expect(error.details).toEqual({ path: 'a.parquet', errno: 'ENOSPC' })
    expect(new ParquetryError('USAGE', 'no').details).toEqual({})
    expect(Object.hasOwn(new ParquetryError('USAGE', 'no'), 'cause')).toBe(false)
  })

  it('keeps its brand off the instance: logs, JSON and equality see only its fields', () => {
    const error = new ParquetryError('ROW_INVALID', 'bad row', { details: { row: 3 } })
    expect(Object.getOwnPropertySymbols(error)).toEqual([])
    expect((error as unknown as Record<symbol, unknown>)[Symbol.for('parquetry.error')]).toBe(true)
    expect(JSON.parse(JSON.stringify(error))).toEqual({ name: 'ParquetryError', code: 'ROW_INVALID', details: { row: 3 } })
  })
})

describe('isParquetryError', () => {
  it('recognises an error of this copy, by code when one is given', () => {
    const error = new ParquetryError('ROW_INVALID', 'bad row')
    expect(isParquetryError(error)).toBe(true)
    expect(isParquetryError(error, 'ROW_INVALID')).toBe(true)
    expect(isParquetryError(error, 'VALUE_INVALID')).toBe(false)
  })

  it('refuses what only looks like one', () => {
    const lookalikes: [string, unknown][] = [
      ['an Error', new Error('x')],
      ['an Error named ParquetryError with a code', Object.assign(new Error('x'), { name: 'ParquetryError', code: 'ROW_INVALID' })],
      ['a plain object', { name: 'ParquetryError', code: 'ROW_INVALID', details: {} }],
      ['a branded object without a code', { [Symbol.for('parquetry.error')]: true }],
      ['a brand that is not true', { [Symbol.for('parquetry.error')]: 'yes', code: 'ROW_INVALID' }],
      ['null', null],
      ['undefined', undefined],
      ['a string', 'ROW_INVALID'],
    ]
    for (const [what, value] of lookalikes) {
      expect([what, isParquetryError(value), value instanceof ParquetryError]).toEqual([what, false, false])
    }
  })

  it('recognises an error made by another installed copy of the package (Symbol.for brand)', async () => {
    const [copy, third] = await Promise.all([loadCopy(2), loadCopy(3)])
    // Separate module instances: separate classes.
    expect(copy.ParquetryError).not.toBe(ParquetryError)
    expect(copy.ParquetryError).not.toBe(third.ParquetryError)

    const foreign = new copy.ParquetryError('LOCKED', 'orders is being exported by pid 12', { details: { dataset: 'orders', path: '_parquetry/locks/orders.lock' } })
    expect(Object.getPrototypeOf(foreign)).not.toBe(ParquetryError.prototype)
    expect(isParquetryError(foreign)).toBe(true)
    expect(isParquetryError(foreign, 'LOCKED')).toBe(true)
    expect(isParquetryError(foreign, 'ABORTED')).toBe(false)
    expect(foreign instanceof ParquetryError).toBe(true)
    // And the other way round, between two other copies.
    expect(third.isParquetryError(new ParquetryError('USAGE', 'x'), 'USAGE')).toBe(true)
    expect(new third.ParquetryError('USAGE', 'x') instanceof copy.ParquetryError).toBe(true)
    // A foreign copy's error passes through wrapError unchanged, and is judged transient by its code.
    expect(wrapError(foreign, 'STORAGE_FAILED', 'locking')).toBe(foreign)
    expect(isTransientError(foreign)).toBe(true)
    expect(isTransientError(new copy.ParquetryError('STORAGE_FAILED', 'x', { details: { transient: true } }))).toBe(true)
  })

  it('keeps instanceof of a subclass to its own prototype chain', () => {
    class CustomError extends ParquetryError<'USAGE'> {}
    const custom = new CustomError('USAGE', 'x')
    expect([custom instanceof CustomError, custom instanceof ParquetryError, custom instanceof Error]).toEqual([true, true, true])
    expect(new ParquetryError('USAGE', 'x') instanceof CustomError).toBe(false)
  })

  it('types details by the code it narrows to', () => {
    const error: unknown = new ParquetryError('ROW_INVALID', 'orders: row 7: column amount: "x": expected a number', { details: { row: 7, column: 'amount', value: 'x' } })
    if (!isParquetryError(error, 'ROW_INVALID')) throw new Error('expected a ROW_INVALID error')
    expectTypeOf(error.code).toEqualTypeOf<'ROW_INVALID'>()
    expectTypeOf(error.details).toEqualTypeOf<RowInvalidDetails>()
    expectTypeOf(error.details.column).toEqualTypeOf<string | undefined>()
    expectTypeOf(error.details.row).toEqualTypeOf<number | undefined>()
    expect([error.details.column, error.details.row, error.details.value]).toEqual(['amount', 7, 'x'])

    const storage: unknown = new ParquetryError('STORAGE_FAILED', 'x', { details: { path: 'a', errno: 'ENOSPC' } })
    if (!isParquetryError(storage, 'STORAGE_FAILED')) throw new Error('expected a STORAGE_FAILED error')
    expectTypeOf(storage.details).toEqualTypeOf<StorageFailedDetails>()
    expectTypeOf(storage.details.errno).toEqualTypeOf<string | undefined>()
    expect(storage.details.errno).toBe('ENOSPC')

    // Unnarrowed, the code is the union and `transient` the one detail every code has.
    const any: unknown = storage
    if (!isParquetryError(any)) throw new Error('expected a ParquetryError')
    expectTypeOf(any.code).toEqualTypeOf<ParquetryErrorCode>()
    expectTypeOf(any.details.transient).toEqualTypeOf<boolean | undefined>()
    // instanceof narrows as precisely (not to ParquetryError<any>).
    if (any instanceof ParquetryError) expectTypeOf(any.code).toEqualTypeOf<ParquetryErrorCode>()

    // Details that are not the code's do not compile.
    // @ts-expect-error errno is not a detail of ROW_INVALID
    expect(new ParquetryError('ROW_INVALID', 'x', { details: { errno: 'ENOSPC' } }).code).toBe('ROW_INVALID')
    // @ts-expect-error column is a string
    expect(wrapError(new Error('x'), 'VALUE_INVALID', 'x', { column: 3 }).code).toBe('VALUE_INVALID')
  })
})

describe('wrapError', () => {
  it('wraps a foreign error once: its code, the message before the reason, the error as cause, the details', () => {
    const cause = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    const wrapped = wrapError(cause, 'STORAGE_FAILED', 'writing _rejects/orders.rejects.ndjson', { path: '_rejects/orders.rejects.ndjson', errno: 'ENOSPC' })
    expect(wrapped).toBeInstanceOf(ParquetryError)
    expect({ code: wrapped.code, message: wrapped.message, cause: wrapped.cause, details: wrapped.details }).toEqual({
      code: 'STORAGE_FAILED',
      message: 'writing _rejects/orders.rejects.ndjson: ENOSPC: no space left on device, write',
      cause,
      details: { path: '_rejects/orders.rejects.ndjson', errno: 'ENOSPC' },
    })
    // Wrapped again (by an outer edge): the same error, not a second layer.
    expect(wrapError(wrapped, 'WRITE_FAILED', 'exporting orders')).toBe(wrapped)
    expect(wrapError('a string was thrown', 'QUERY_FAILED', 'query failed').message).toBe('query failed: a string was thrown')
  })
})
