import { columnTypes, describeValue, ParquetryError } from '@parquetry/schema'
import { cadences, isCadence, type DatasetDefinition } from './definition.js'

type Test = (value: unknown) => boolean

/** One field of a definition: where it is, whether it may be absent, and what it must be. */
interface FieldRule {
  path: readonly string[]
  optional?: boolean
  test: Test
  expected: string
}

const isObject: Test = (value) => typeof value === 'object' && value !== null && !Array.isArray(value)
const isString: Test = (value) => typeof value === 'string'
const isFunction: Test = (value) => typeof value === 'function'
const isTimeZone: Test = (value) => {
  if (typeof value !== 'string' || value === '') return false
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value })
    return true
  } catch {
    return false
  }
}

// In the order a reader of the definition meets them: the first wrong one is reported.
const RULES: readonly FieldRule[] = [
  { path: ['schema'], test: isObject, expected: 'a schema made by defineSchema()' },
  { path: ['schema', 'name'], test: isString, expected: 'a string' },
  { path: ['schema', 'columns'], test: Array.isArray, expected: 'an array of columns' },
  { path: ['inputs'], test: isObject, expected: 'an input catalog: an object with list() and description' },
  { path: ['inputs', 'list'], test: isFunction, expected: 'a function' },
  { path: ['inputs', 'description'], test: isString, expected: 'a string' },
  { path: ['inputs', 'spread'], optional: true, test: (value) => typeof value === 'number', expected: 'a number of days' },
  { path: ['partition'], test: isObject, expected: 'an object with template and dateColumn' },
  { path: ['partition', 'template'], test: isString, expected: 'a string' },
  { path: ['partition', 'dateColumn'], test: isString, expected: 'a string' },
  { path: ['partition', 'timezone'], optional: true, test: isTimeZone, expected: 'an IANA time zone such as "Asia/Bangkok"' },
  { path: ['view'], optional: true, test: isString, expected: 'a string' },
  { path: ['cadence'], optional: true, test: isCadence, expected: `one of ${cadences.map((name) => `"${name}"`).join(', ')}` },
  { path: ['derive'], optional: true, test: isObject, expected: 'an object of functions by column' },
  { path: ['afterCommit'], optional: true, test: isFunction, expected: 'a function' },
  { path: ['afterExport'], optional: true, test: isFunction, expected: 'a function' },
  { path: ['exportedDates'], optional: true, test: isFunction, expected: 'a function' },
]

function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root
  for (const key of path) value = isObject(value) ? (value as Record<string, unknown>)[key] : undefined
  return value
}

function got(value: unknown): string {
  if (value === undefined) return 'it is missing'
  if (value === null) return 'got null'
  if (Array.isArray(value)) return `got an array ${describeValue(value)}`
  if (typeof value === 'function') return 'got a function'
  return `got ${typeof value} ${describeValue(value)}`
}

/**
 * Checks the shape of the datasets given to `runExport` or `planExport` —
 * definitions written in code, which no config schema has seen — before
 * anything reads them, so a wrong one is a clear error, never a `TypeError`
 * from deep inside the engine. What a definition's values mean (the template
 * against the columns, the date column's type) is checked when it is compiled.
 *
 * @throws ParquetryError `CONFIG_INVALID` naming the dataset (its name, or
 *   `datasets[i]` when it has none) and the field: `details.dataset`, `details.field`.
 */
export function checkDefinitions(datasets: unknown): asserts datasets is readonly DatasetDefinition[] {
  if (!Array.isArray(datasets)) {
    throw new ParquetryError('CONFIG_INVALID', `datasets must be an array of dataset definitions, ${got(datasets)}`, { details: { field: 'datasets' } })
  }
  datasets.forEach((definition: unknown, index) => checkDefinition(definition, index))
}

function checkDefinition(definition: unknown, index: number): void {
  const position = `datasets[${index}]`
  const fail = (dataset: string, field: string, message: string): never => {
    throw new ParquetryError('CONFIG_INVALID', `dataset ${dataset}: ${field} ${message}`, { details: { dataset, field } })
  }
  if (!isObject(definition)) {
    throw new ParquetryError('CONFIG_INVALID', `${position} must be a dataset definition (an object), ${got(definition)}`, { details: { dataset: position } })
  }
  const name = (definition as { name?: unknown }).name
  if (typeof name !== 'string' || name === '') return fail(position, 'name', `must be a non-empty string, ${got(name)}`)
  for (const rule of RULES) {
    const value = valueAt(definition, rule.path)
    if (value === undefined && rule.optional) continue
    if (!rule.test(value)) fail(name, rule.path.join('.'), `must be ${rule.expected}, ${got(value)}`)
  }
  const columns = (definition as { schema: { columns: unknown[] } }).schema.columns
  columns.forEach((column, at) => {
    const field = `schema.columns[${at}]`
    if (!isObject(column)) return fail(name, field, `must be a column (an object with name and type), ${got(column)}`)
    const { name: columnName, type } = column as { name?: unknown; type?: unknown }
    if (typeof columnName !== 'string') fail(name, `${field}.name`, `must be a string, ${got(columnName)}`)
    if (typeof type !== 'string' || !(columnTypes as readonly string[]).includes(type)) fail(name, `${field}.type`, `must be one of ${columnTypes.join(', ')}, ${got(type)}`)
    return undefined
  })
  for (const [column, compute] of Object.entries((definition as { derive?: Record<string, unknown> }).derive ?? {})) {
    if (!isFunction(compute)) fail(name, `derive.${column}`, `must be a function of the typed row, ${got(compute)}`)
  }
}
