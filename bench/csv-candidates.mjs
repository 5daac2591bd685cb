// Compares CSV parsers on 1M query_perf rows (speed) and on csv-spectrum (correctness),
// the measurement behind @parquetry/sources' choice of Papa Parse.
//
//   node bench/csv-candidates.mjs [--rows N]
import { parse as csvParse, Parser as CsvParseParser } from 'csv-parse'
import { readCsv } from '@parquetry/sources'
import Papa from 'papaparse'
import { inferSchema, initParser } from 'udsv'
import { createReadStream, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateQueryPerfCsv } from './generate-query-perf-csv.mjs'

const { values } = parseArgs({ options: { rows: { type: 'string' } } })
const rows = Number(values.rows ?? 1_000_000)
const dir = await mkdtemp(join(tmpdir(), 'parquetry-csv-'))
const file = join(dir, 'query_perf.csv')
const bytes = await generateQueryPerfCsv(file, rows)

const candidates = {
  'naive split': async (path) => {
    let count = 0
    let rest = ''
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const lines = (rest + chunk).split('\n')
      rest = lines.pop()
      for (const line of lines) if (line.split(',').length > 0) count++
    }
    return count - 1
  },
  'csv-parse (stream)': async (path) => {
    let count = 0
    for await (const _record of createReadStream(path).pipe(csvParse({ bom: true, relax_column_count: true }))) count++
    return count - 1
  },
  'csv-parse (info: line numbers)': async (path) => {
    let count = 0
    for await (const _record of createReadStream(path).pipe(csvParse({ bom: true, relax_column_count: true, info: true }))) count++
    return count - 1
  },
  'papaparse (step)': (path) =>
    new Promise((resolve) => {
      let count = 0
      Papa.parse(createReadStream(path, { encoding: 'utf8' }), { step: () => count++, complete: () => resolve(count - 1) })
    }),
  udsv: async (path) => {
    let parser
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      parser ??= initParser(inferSchema(chunk))
      parser.chunk(chunk, parser.stringArrs)
    }
    return parser.end().length
  },
  '@parquetry/sources readCsv (Papa Parse + lines, checks)': async (path) => {
    let count = 0
    for await (const batch of readCsv({ input: path })) count += batch.length
    return count
  },
}

// Correctness: csv-spectrum, each file against its expected JSON.
const spectrum = join(dirname(fileURLToPath(import.meta.url)), '../../shared/corpus/csv/csv-spectrum')
const spectrumNames = readdirSync(join(spectrum, 'csvs')).map((name) => name.replace(/\.csv$/, ''))
const toObjects = (table) => table.slice(1).map((row) => Object.fromEntries(table[0].map((key, index) => [key, row[index]])))
const spectrumParsers = {
  'csv-parse (stream)': (text) => toObjects(CsvParseParserSync(text)),
  'papaparse (step)': (text) => toObjects(Papa.parse(text, { skipEmptyLines: true }).data),
  'csv-parse (info: line numbers)': (text) => toObjects(CsvParseParserSync(text)),
  udsv: (text) => initParser(inferSchema(text)).stringObjs(text).map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, value ?? '']))),
}
function CsvParseParserSync(text) {
  const out = []
  const parser = new CsvParseParser({ bom: true })
  parser.api.parse(Buffer.from(text), true, (record) => out.push(record), () => {})
  return out
}
async function spectrumScore(name) {
  let passed = 0
  const failed = []
  for (const file of spectrumNames) {
    const text = readFileSync(join(spectrum, 'csvs', `${file}.csv`), 'utf8')
    const expected = [JSON.parse(readFileSync(join(spectrum, 'json', `${file}.json`), 'utf8'))].flat()
    let got
    try {
      if (name.startsWith('@parquetry')) {
        got = []
        for await (const batch of readCsv({ input: [Buffer.from(text)] })) for (const item of batch) if (item.kind === 'record') got.push(item.values)
      } else if (spectrumParsers[name]) got = spectrumParsers[name](text)
      else return 'n/a'
    } catch {
      failed.push(file)
      continue
    }
    if (file === 'location_coordinates') expected[0]['Contact Phone Number'] = '2095257564' // upstream's expected file is wrong here
    if (JSON.stringify(got) === JSON.stringify(expected)) passed++
    else failed.push(file)
  }
  return `${passed}/${spectrumNames.length}${failed.length > 0 ? ` (wrong: ${failed.join(', ')})` : ''}`
}

console.log(`${rows.toLocaleString('en-US')} query_perf rows, ${(bytes / 1e6).toFixed(1)} MB\n`)
console.log('parser'.padEnd(56), 'seconds'.padStart(8), 'rows/s'.padStart(12), '  csv-spectrum')
for (const [name, run] of Object.entries(candidates)) {
  const started = performance.now()
  const count = await run(file)
  const seconds = (performance.now() - started) / 1000
  const rate = Math.round(count / seconds).toLocaleString('en-US')
  console.log(name.padEnd(56), seconds.toFixed(2).padStart(8), rate.padStart(12), ' ', await spectrumScore(name), count === rows ? '' : `(counted ${count})`)
}
await rm(dir, { recursive: true, force: true })
