// Reads a generated ~1 GB query_perf CSV with @parquetry/sources (readCsv, then
// validateRecords into typed rows) and prints rows/s and peak RSS (target < 200 MB).
// Also prints readCsv's rows/s on 1M query_perf rows.
//
//   node bench/csv-1gb.mjs [--gb N] [--keep DIR]
import { queryPerfSchema } from '@parquetry/schema'
import { readCsv, validateRecords } from '@parquetry/sources'
import { existsSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { generateQueryPerfCsv } from './generate-query-perf-csv.mjs'

const { values } = parseArgs({ options: { gb: { type: 'string' }, keep: { type: 'string' } } })
const targetBytes = Number(values.gb ?? 1) * 1e9
const dir = values.keep ?? (await mkdtemp(join(tmpdir(), 'parquetry-csv-1gb-')))
await mkdir(dir, { recursive: true })
const rowsFor = (bytes) => Math.round(bytes / 89) // ~89 bytes a row

const small = join(dir, 'query_perf_1m.csv')
if (!existsSync(small)) await generateQueryPerfCsv(small, 1_000_000)
const big = join(dir, 'query_perf_1gb.csv')
if (!existsSync(big)) {
  process.stdout.write(`generating ${(targetBytes / 1e9).toFixed(1)} GB ... `)
  await generateQueryPerfCsv(big, rowsFor(targetBytes))
  process.stdout.write('done\n')
}
const columns = queryPerfSchema.columns.map((column) => column.name)

async function readOnly(path) {
  const started = performance.now()
  let count = 0
  for await (const batch of readCsv({ input: path, columns })) count += batch.length
  return { count, seconds: (performance.now() - started) / 1000 }
}

async function readAndValidate(path) {
  const started = performance.now()
  const validated = validateRecords({
    source: readCsv({ input: path, columns }),
    schema: queryPerfSchema,
    // date_partition from each row's own timestamp (raw records are the reader's to change).
    transform: (record) => {
      record.date_partition = typeof record.timestamp === 'string' ? record.timestamp.slice(0, 10) : undefined
      return record
    },
  })
  let count = 0
  for await (const rows of validated) count += rows.length
  return { count, seconds: (performance.now() - started) / 1000, summary: validated.summary }
}

const rate = (result) => Math.round(result.count / result.seconds).toLocaleString('en-US')
const oneMillion = await readOnly(small)
console.log(`readCsv, 1M query_perf rows (${(statSync(small).size / 1e6).toFixed(0)} MB):        ${oneMillion.seconds.toFixed(2)} s, ${rate(oneMillion)} rows/s`)
const oneMillionTyped = await readAndValidate(small)
console.log(`readCsv + validateRecords, 1M rows:                 ${oneMillionTyped.seconds.toFixed(2)} s, ${rate(oneMillionTyped)} rows/s`)
const whole = await readAndValidate(big)
console.log(`readCsv + validateRecords, ${(statSync(big).size / 1e9).toFixed(2)} GB (${whole.count.toLocaleString('en-US')} rows): ${whole.seconds.toFixed(1)} s, ${rate(whole)} rows/s, ${(statSync(big).size / 1e6 / whole.seconds).toFixed(0)} MB/s`)
const peakRssMb = process.resourceUsage().maxRSS / 1024
console.log(`peak RSS: ${peakRssMb.toFixed(0)} MB (target < 200 MB) ${peakRssMb < 200 ? 'OK' : 'OVER'}`)
console.log(`rejected: ${whole.summary.rejected}`)
if (!values.keep) await rm(dir, { recursive: true, force: true })
if (peakRssMb >= 200 || whole.summary.rejected !== 0) process.exitCode = 1
