import { corpusDir } from '@parquetry/testing'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { readJsonl } from '../jsonl/read.js'
import { collect, failure } from '../test-helpers.js'
import type { SourceItem } from '../types.js'
import { readJson } from './read.js'

const corpus = corpusDir('json')
const suite = join(corpus, 'JSONTestSuite')

const render = (items: SourceItem[]) =>
  items.map((item) => (item.kind === 'record' ? item.values : `problem at ${item.location.path ?? item.location.line}: ${item.reason}`))

// A document whose top level is an array of one value: that value is the record, and a
// value that is not an object is a located problem (never a crash, never dropped).
const notAnObject = (type: string) => [`problem at $[0]: expected a JSON object, got ${type}`]

// Parquetry's decisions for the implementation-defined (i_) and transform files.
const decisions: Record<string, unknown[] | { error: string }> = {
  'test_parsing/i_number_huge_exp.json': { error: 'is out of the range of a double' },
  'test_parsing/i_number_real_pos_overflow.json': { error: 'number 123123e100000 is out of the range of a double' },
  'test_parsing/i_number_real_underflow.json': notAnObject('a number'),
  'test_parsing/i_number_too_big_neg_int.json': notAnObject('a number'),
  'test_parsing/i_number_too_big_pos_int.json': notAnObject('a number'),
  'test_parsing/i_string_UTF-16LE_with_BOM.json': notAnObject('a string'),
  'test_parsing/i_string_invalid_utf-8.json': { error: 'invalid UTF-8 byte 0xFF at line 1 (byte 2)' },
  'test_parsing/i_string_iso_latin_1.json': { error: 'invalid UTF-8 byte 0xE9 at line 1 (byte 2)' },
  'test_parsing/i_string_lone_second_surrogate.json': notAnObject('a string'),
  'test_parsing/i_structure_500_nested_arrays.json': notAnObject('an array'),
  'test_parsing/i_structure_UTF-8_BOM_empty_object.json': [{}],
  'test_transform/number_-9223372036854775808.json': notAnObject('a number'),
  'test_transform/number_-9223372036854775809.json': notAnObject('a number'),
  'test_transform/number_1.000000000000000005.json': notAnObject('a number'),
  'test_transform/number_1e-999.json': notAnObject('a number'),
  'test_transform/number_9223372036854775807.json': notAnObject('a number'),
  'test_transform/number_9223372036854775808.json': notAnObject('a number'),
  // Keys are kept as written: NFC and NFD spellings are two keys.
  'test_transform/object_key_nfc_nfd.json': [{ '\u00e9': 'NFC', 'e\u0301': 'NFD' }],
  // A duplicated key keeps its last value (JSON.parse's rule).
  'test_transform/object_same_key_different_values.json': [{ a: 2 }],
  'test_transform/string_with_escaped_NULL.json': notAnObject('a string'),
  'test_parsing/y_array_heterogeneous.json': ['problem at $[0]: expected a JSON object, got null', 'problem at $[1]: expected a JSON object, got a number', 'problem at $[2]: expected a JSON object, got a string', {}],
  'test_parsing/y_object_duplicated_key.json': [{ a: 'c' }],
  'test_parsing/y_object_empty_key.json': [{ '': 0 }],
  'test_parsing/y_object_escaped_null_in_key.json': [{ 'foo\u0000bar': 42 }],
  'test_parsing/y_object_extreme_numbers.json': [{ min: -1e28, max: 1e28 }],
  'test_parsing/y_object_with_newlines.json': [{ a: 'b' }],
  'test_parsing/y_structure_lonely_int.json': ['problem at $: expected a JSON object or an array of objects, got a number'],
}

describe('JSONTestSuite', () => {
  const files = ['test_parsing', 'test_transform'].flatMap((folder) => readdirSync(join(suite, folder)).map((name) => `${folder}/${name}`)).sort()

  it('finds the files', () => {
    expect(files.length).toBe(47)
  })

  it.each(files)('%s', async (file) => {
    const name = file.split('/')[1] as string
    const source = readJson({ input: join(suite, file), name })
    if (name.startsWith('n_')) {
      // Must be rejected: a located read error, never records.
      const error = await failure(collect(source))
      expect(error.code).toBe('SOURCE_READ_FAILED')
      expect(error.message.startsWith(`${name}: `), `the message names the file: ${error.message}`).toBe(true)
      return
    }
    const decision = decisions[file]
    if (decision && !Array.isArray(decision)) {
      const error = await failure(collect(source))
      expect(error.code).toBe('SOURCE_READ_FAILED')
      expect(error.message).toContain(decision.error)
      return
    }
    const items = await collect(source)
    if (decision) expect(render(items)).toEqual(decision)
    else {
      // Valid JSON, an array of values that are not objects: one located problem for each, none dropped.
      const values = JSON.parse(readFileSync(join(suite, file), 'utf8')) as unknown[]
      expect(values.length).toBeGreaterThan(0)
      expect(render(items)).toEqual(values.map((value, index) => `problem at $[${index}]: expected a JSON object, got a ${typeof value}`))
    }
  })

  it('keeps 64-bit integers exact inside records', async () => {
    const input = [new TextEncoder().encode('[{"id": 9223372036854775807, "neg": -9223372036854775808, "small": 5, "big": 100000000000000000000}]')]
    expect(render(await collect(readJson({ input })))).toEqual([{ id: 9223372036854775807n, neg: -9223372036854775808n, small: 5, big: 100000000000000000000n }])
  })
})

describe("DuckDB's JSON and NDJSON files", () => {
  const folder = join(corpus, 'duckdb')
  const files = readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((name) => /\.(json|ndjson|jsonl)$/.test(name)).sort()
  const expected: Record<string, { records?: number; problems?: (number | string)[]; error?: string; first?: unknown }> = {
    '10751.json': { error: 'invalid JSON at line 2: a second JSON value starts here' },
    '14167.json': { records: 1 },
    '15601/bunch_of_key_collisions.json': { records: 1, first: { duck_1_1: 42, duck: 43, Duck: 44, duck_1: 45, Duck_1: 46, Duck_1_1: 47 } },
    'different_schemas.ndjson': { records: 5, first: { id: 1, name: 'O Brother, Where Art Thou?' } },
    'duplicate_column_names.json': { records: 1, first: { id: 42, Id: 43, iD: 44, ID: 45 } },
    'duplicate_key.ndjson': { records: 5 },
    'empty.ndjson': { records: 0 },
    'example_n.ndjson': { records: 5 },
    'example_rn.ndjson': { records: 5, first: { id: 1, name: 'O Brother, Where Art Thou?' } },
    'filter_keystage.ndjson': { records: 3 },
    'inconsistent_schemas.ndjson': { records: 5, first: { id: '1', name: null } },
    'internal_2732.json': { records: 1 },
    // Pretty-printed objects in a one-record-per-line file: every line is a located problem.
    'map_of_mixed_date_timestamps.jsonl': { records: 0, problems: Array.from({ length: 29 }, (_, index) => index + 1) },
    'multiple_objects_per_line.ndjson': { records: 0, problems: [1] },
    'sample_utf8_bom.json': { records: 1 },
    'simple_timestamp.json': { records: 1 },
    'top_level_array.json': { records: 2, first: { conclusion: 'cancelled' } },
    'top_level_two_arrays.json': { error: 'invalid JSON at line 2: a second JSON value starts here' },
    'trailing_content.ndjson': { records: 2, problems: [2] },
    'union.ndjson': { records: 3 },
    'unterminated_quotes.ndjson': { records: 4, problems: [3] },
    'whitespace_only.json': { error: 'no JSON value in the document' },
    'with_uuid.json': { error: 'invalid JSON at line 2: a second JSON value starts here' },
  }

  it('has an expectation for every file', () => {
    expect(files).toEqual(Object.keys(expected).sort())
  })

  it.each(files)('%s', async (file) => {
    const want = expected[file] as (typeof expected)[string]
    const source = file.endsWith('.json') ? readJson({ input: join(folder, file), name: file }) : readJsonl({ input: join(folder, file), name: file })
    if (want.error) {
      const error = await failure(collect(source))
      expect(error.message).toContain(`${file}: ${want.error}`)
      return
    }
    const items = await collect(source)
    const records = items.filter((item) => item.kind === 'record')
    expect(records).toHaveLength(want.records ?? 0)
    expect(items.filter((item) => item.kind === 'problem').map((item) => item.location.line ?? item.location.path)).toEqual(want.problems ?? [])
    if (want.first) expect(records[0]?.values).toEqual(want.first)
  })
})
