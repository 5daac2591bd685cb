import { corpusDir } from '@parquetry/testing'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { collect, failure, summarize } from '../test-helpers.js'
import type { CsvOptions } from './options.js'
import { readCsv } from './read.js'

const corpus = corpusDir('csv')
const spectrum = join(corpus, 'csv-spectrum')
const duck = join(corpus, 'duckdb')

describe('csv-spectrum: every file parses to its expected JSON', () => {
  const names = readdirSync(join(spectrum, 'csvs')).filter((name) => name.endsWith('.csv')).map((name) => name.slice(0, -4))

  it('finds the files', () => {
    expect(names).toHaveLength(12)
  })

  it.each(names)('%s', async (name) => {
    const items = await collect(readCsv({ input: join(spectrum, 'csvs', `${name}.csv`) }))
    const expected = JSON.parse(readFileSync(join(spectrum, 'json', `${name}.json`), 'utf8')) as Record<string, string>[] | Record<string, string>
    // No problem and no notice: the records below are all there is.
    expect(items.filter((item) => item.kind !== 'record')).toEqual([])
    const records = items.map((item) => (item.kind === 'record' ? item.values : {}))
    if (name === 'location_coordinates') {
      // Upstream's expected file is a single object whose phone number is not the one in the CSV
      // (1234567890 vs 2095257564); everything else, the literal U+FFFD characters included, matches.
      expect(records).toEqual([{ ...(expected as Record<string, string>), 'Contact Phone Number': '2095257564' }])
    } else {
      expect(records).toEqual(expected)
    }
  })
})

// What is right for each of DuckDB's test files, written down: the records
// (line and values), the problems (line and reason), or the read's error.
interface Expectation {
  options?: Omit<CsvOptions, 'input'>
  records?: [number, string[]][]
  recordCount?: number
  problems?: [number, string][]
  error?: string
  header?: string[]
}

const expectations: Record<string, Expectation> = {
  'all_quotes.csv': {
    records: [
      [2, ['33333', 'Laderach Chocolate', 'This is the\nbest chocolate', '5']],
      [4, ['11112', 'Laderach Chocolate', 'This is the best chocolate', '5']],
      [5, ['11113', 'Laderach Chocolate', 'This is the best chocolate', '5']],
      [6, ['11114', 'Laderach Chocolate', 'This is the best chocolate', '5']],
    ],
    // `, "The best, ..."`: a space before the quote makes the field unquoted under RFC 4180, so its comma splits it.
    problems: [[7, '6 fields, expected 4']],
  },
  'auto/backslash_escape.csv': {
    options: { escape: '\\', header: false },
    records: [[1, ['123', 'TEST7', 'text1']], [2, ['345', 'TEST7', 'text"2"']], [3, ['567', 'TEST7', 'text3']]],
  },
  'auto/duplicate_header_col.csv': { header: ['a', 'b', 'a'], records: [[2, ['123', 'TEST2', 'text1']], [3, ['345', 'TEST2', 'text2']]] },
  'auto/duplicate_header_collision.csv': { recordCount: 2 },
  'auto/empty_header.csv': { recordCount: 2 },
  'auto/int_bol.csv': { records: [[2, ['1', 'true']], [3, ['2', 'false']], [4, ['3', 'false']], [5, ['4', 'true']]] },
  'auto/mock_duckdb_test_data.csv': { recordCount: 7, problems: [[4, '4 fields, expected 5'], [7, '6 fields, expected 5']] },
  'auto/multi_column_string_mix.csv': { options: { header: false }, recordCount: 9 },
  // CR-only line endings.
  'auto/multi_column_string_r.csv': { options: { header: false }, records: [[1, ['1', '6370', '371', 'p1']], [2, ['10', '214', '465', 'p2']], [9, ['100000000', '15519', '785', 'p9']]], recordCount: 9 },
  'auto/normalize_names_6.csv': { header: ['#  Aₐₓ #', 'ᴴᵉᴸᴸᵒ   ᵂᵒᴿᴸᵈ ', ' Qty (m²) '], recordCount: 2 },
  'auto/semicolon_quote.csv': { options: { header: false }, records: [[1, ['123', 'TEST10', 'text1']], [2, ['345', 'TEST10', 'text2']], [3, ['567', 'TEST10', 'te;xt3']]] },
  'auto/tab.csv': { options: { header: false }, records: [[1, ['123', 'TEST12', 'text1']], [2, ['345', 'TEST12', 'text2']], [3, ['567', 'TEST12', 'text3']]] },
  'auto/utf8bom.csv': { header: ['id', 'name'], records: [[2, ['1', 'Mark']], [3, ['2', 'Hannes']]] },
  'big_not_bool.csv': { recordCount: 2449 },
  'big_number.csv': { records: [[2, ['82544000000000707.52']]] },
  'blank_line.csv': { recordCount: 11, records: [[11, ['']], [12, ['11']]] },
  'bool.csv': { records: [[2, ['True']], [3, ['False']]] },
  'comma_decimal_null.csv': { recordCount: 8 },
  'csv_quoted_newline_odd.csv': { recordCount: 1, problems: [[11, '2 fields, expected 1']] },
  'decimal_separators/decimal_separators.csv': { recordCount: 5, records: [[5, ['+1,53e4', '+1.53e4']]] },
  'dirty_line.csv': { options: { skipRows: 1 }, header: ['COL1', 'COL2', 'COL3'], records: [[3, ['1.5', 'a', '3']], [4, ['2.5', 'b', '4']]] },
  'double_quoted_header.csv': { header: ['foo "bar', 'name'], records: [[2, ['1', 'rob']], [3, ['2', 'sally']]] },
  'empty.csv': { recordCount: 0, problems: [] },
  'empty_first_line.csv': { options: { delimiter: ' ', header: false }, records: [[2, ['a', '1']], [3, ['b', '2']], [4, ['c', '3']]] },
  'encodings/latin1.csv': { error: 'invalid UTF-8 byte 0xE9 at line 2 (byte 13)' },
  'encodings/shift_jis.csv': { error: 'invalid UTF-8 byte 0x96 at line 1 (byte 0)' },
  'encodings/utf16.csv': { header: ['name', 'age'], recordCount: 20 },
  'error.csv': { records: [[2, ['yes', 'no']]], problems: [[3, '3 fields, expected 2'], [4, '1 field, expected 2']] },
  'header_only.csv': { header: ['abs_file_name'], recordCount: 0 },
  'inconsistencies/inconsistent_columns_6.csv': { recordCount: 4, problems: [[3, '5 fields, expected 4']] },
  'inconsistent_cells.csv': { header: ['One', 'two', 'three'], records: [[4, ['1', '2', '3']]], problems: [[3, '4 fields, expected 3'], [6, '5 fields, expected 3'], [7, '5 fields, expected 3']] },
  // UTF-16LE by its BOM: "bla", "bla", then U+FFFD (the bytes FD FF), a real character in UTF-16.
  'invalid_utf8.csv': { header: ['bla'], records: [[2, ['bla']], [3, ['\ufffd']]] },
  'issue2628_中文.csv': { records: [[2, ['1', '1']], [3, ['2', '2']], [4, ['3', '3']]] },
  'leading_zeros.csv': { recordCount: 6, records: [[2, ['09001', '0', '0', '0', '1', '1', '1', '0']]] },
  'locations_header_trailing_comma.csv': { header: ['id', 'name', 'lat', 'lon', ''], problems: [[2, '4 fields, expected 5']], recordCount: 0 },
  'manycolumns.csv': { options: { header: false }, recordCount: 1 },
  'missing_column.csv': { recordCount: 19, problems: [[7, '1 field, expected 2'], [10, '1 field, expected 2'], [17, '1 field, expected 2']] },
  'mixed_new_line.csv': { options: { header: false }, records: [[1, ['1', '2', '3']], [2, ['4', '5', '6']], [3, ['7', '8', '9']]] },
  'mixed_timestamps.csv': { recordCount: 5, records: [[4, ['3', '03/10/2024 01:25:58']]] },
  'null/multiple_nulls.csv': { records: [[2, ['Pedro', '31', '1.73']], [3, ['Mark', 'null', '']], [4, ['Thijs', '26', 'none']]] },
  'null/multiple_quoted_nulls.csv': { records: [[2, ['Pedro', '31', '1.73']], [3, ['Mark', 'null', '']], [4, ['Thijs', '26', 'none']]] },
  'nullbyte.csv': { records: [[2, ['val1', 'val\u00002', 'val3']]] },
  // With ' as the quote, the apostrophe of "It's" inside a quoted field breaks the quoting.
  'pollock/file_quotation_char_0x27.csv': { options: { quote: "'", header: false }, recordCount: 0, problems: [[1, 'malformed quotes: trailing quote on quoted field is malformed']] },
  'real/ncvoter.csv': { recordCount: 9 },
  'response.csv': { options: { header: false }, records: [[1, ['Y']], [2, ['Y']], [3, ['N']], [4, ['Null']]] },
  'test/invalid_utf_quoted_nl.csv': { error: 'invalid UTF-8 byte 0xFF at line 12 (byte 216)' },
  // NFC and NFD spellings are kept as written, not normalised.
  'test/nfc.csv': { options: { header: false }, records: [[1, ['\u00fc']], [2, ['u\u0308']]] },
  'test/quoted_newline.csv': { options: { header: false }, records: [[1, ['hello\nworld', '5']], [3, ['what,\n brings, you here\n , today', '6']]] },
  'test/test_long_line.csv': { options: { header: false }, recordCount: 2 },
  'test/test_null_option.csv': { options: { header: false }, records: [[1, ['0', '', 'test', 'null', 'NULL']], [2, ['1', '', 'test', 'null', 'NULL']], [3, ['2', '', 'test', 'null', 'NULL']]] },
  'test/unterminated.csv': { error: 'quote opened at line 1 is never closed' },
  'thousands_separator/multi_column.csv': { recordCount: 5, records: [[4, ['lorry', '300,000,000.40', 'amsterdam']]] },
  'thousands_separator/multi_column_quote.csv': { recordCount: 5, records: [[4, ['lorry', '300,000,000.40', 'amsterdam']]] },
  'thousands_separator/thousands_broken.csv': { recordCount: 3, records: [[3, ['300,0,00.40']]] },
  'timestamp_timezone.csv': { recordCount: 8, records: [[8, ['2020-01-01T00:00:00+13:45', 'Pacific/Chatham']]] },
  'timestamp_with_tz.csv': { records: [[2, ['1', '2021-05-25 04:55:03.382494 UTC']], [3, ['2', '2021-05-25 04:55:03.382494 EST']]] },
  'unescaped_quotes/some_escaped_some_not.csv': {
    header: ['Pedro "the" legend'],
    problems: [[2, 'malformed quotes: trailing quote on quoted field is malformed'], [4, 'malformed quotes: trailing quote on quoted field is malformed']],
    recordCount: 1,
  },
}

describe("DuckDB's CSV test files: the right records, or a clear located error", () => {
  const files = readdirSync(duck, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.csv')).sort()

  it('has an expectation for every file', () => {
    expect(files).toEqual(Object.keys(expectations).sort())
  })

  it.each(files)('%s', async (file) => {
    const expectation = expectations[file] as Expectation
    const source = readCsv({ input: join(duck, file), name: file, ...expectation.options })
    if (expectation.error) {
      const error = await failure(summarize(source))
      expect(error.code).toBe('SOURCE_READ_FAILED')
      expect(error.message).toBe(`${file}: ${expectation.error}${expectation.error.startsWith('invalid UTF-8') ? '; if the file is not UTF-8, set its encoding (latin1, utf-16le, windows-1252, ...)' : ''}`)
      return
    }
    const { records, problems } = await summarize(source)
    if (expectation.header) expect(source.info.header).toEqual(expectation.header)
    if (expectation.recordCount !== undefined) expect(records).toHaveLength(expectation.recordCount)
    for (const [line, values] of expectation.records ?? []) expect(records).toContainEqual([line, values])
    if (expectation.records && expectation.recordCount === undefined) expect(records).toHaveLength(expectation.records.length)
    expect(problems).toEqual(expectation.problems ?? [])
    // Nothing silently lost: every record and problem is accounted for.
    expect(source.info.records).toBe(records.length)
    expect(source.info.problems).toBe(problems.length)
  })
})
