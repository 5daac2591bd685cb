// Where an export's time goes, stage by stage: one generated query_perf day
// (1M rows by default) taken through ever more of the export, each stage in
// a process of its own, so that the difference between consecutive stages is
// the cost of the one added:
//
//   bytes     read the file (64 KiB reads)
//   decode    + strict UTF-8 decoding
//   split     + CSV splitting into records (readCsv)
//   coerce    + coercion into typed rows, date_partition derived (validateRecords)
//   route     + the engine: planning, routing rows to their dates (export --dry-run)
//   encode    coerce + column buffers + Parquet encoding, uncompressed, no check (writeParquet)
//   compress  + Snappy
//   verify    + the check an export makes: every byte read back against its chunk checksum
//   export    the whole export (`parquetry export query_perf --force`): route + compress + verify + footer, rename
//
//   node bench/export-stages.mjs [--rows 1000000] [--runs 3] [--keep DIR] [--stages a,b,...]
//
// Prints the median wall and CPU seconds of each stage and of each stage's
// own share (its CPU minus the stage it builds on).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateQueryPerfCsv } from './generate-query-perf-csv.mjs'

const { values } = parseArgs({ options: { rows: { type: 'string' }, runs: { type: 'string' }, keep: { type: 'string' }, stages: { type: 'string' }, stage: { type: 'string' }, file: { type: 'string' } } })

if (values.stage) {
  // A child: run one stage over `--file` and print its measure.
  const stage = values.stage
  const file = values.file
  const started = performance.now()
  const rows = await runStage(stage, file)
  const cpu = process.cpuUsage()
  process.stdout.write(`${JSON.stringify({ stage, rows, seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`)
  process.exit(0)
}

async function runStage(stage, file) {
  const { readBytes, decodeText, readCsv, validateRecords } = await import('@parquetry/sources')
  const { queryPerfSchema } = await import('@parquetry/schema')
  const { dateInZone } = await import('@parquetry/pipeline')
  const columns = queryPerfSchema.columns.map((column) => column.name).filter((name) => name !== 'date_partition')
  const validated = () =>
    validateRecords({
      source: readCsv({ input: file, columns }),
      schema: queryPerfSchema,
      derive: { date_partition: (row) => dateInZone(row.timestamp, 'UTC') },
    })
  let count = 0
  switch (stage) {
    case 'bytes':
      for await (const chunk of readBytes(file, file)) count += chunk.length
      return count
    case 'decode':
      for await (const text of decodeText(readBytes(file, file), { name: file })) count += text.length
      return count
    case 'split':
      for await (const items of readCsv({ input: file, columns })) count += items.length
      return count
    case 'coerce':
      for await (const rows of validated()) count += rows.length
      return count
    case 'encode':
    case 'compress':
    case 'verify': {
      const { writeParquet } = await import('@parquetry/writer')
      const { createLocalStorage } = await import('@parquetry/storage')
      const dir = await mkdtemp(join(tmpdir(), 'parquetry-stages-'))
      try {
        const storage = createLocalStorage({ root: dir })
        const sink = await storage.createSink('stage.parquet')
        const rows = (async function* () {
          for await (const batch of validated()) yield* batch
        })()
        const result = await writeParquet({
          schema: queryPerfSchema,
          sink,
          rows,
          codec: stage === 'encode' ? 'UNCOMPRESSED' : 'SNAPPY',
          verify: stage === 'verify' ? 'checksums' : false,
        })
        return result.rows
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }
    default:
      throw new Error(`unknown stage ${stage}`)
  }
}

const rowCount = Number(values.rows ?? 1_000_000)
const runs = Number(values.runs ?? 3)
const root = values.keep ?? (await mkdtemp(join(tmpdir(), 'parquetry-export-stages-')))
const project = join(root, `query-perf-${rowCount}`)
const input = join(project, 'g/reports/query_perf_daily_20251028.csv')
if (!existsSync(input)) {
  await mkdir(join(project, 'g/reports'), { recursive: true })
  process.stdout.write(`generating ${rowCount.toLocaleString('en-US')} rows ... `)
  const bytes = await generateQueryPerfCsv(input, rowCount)
  process.stdout.write(`${(bytes / 1e6).toFixed(1)} MB\n`)
}
await writeFile(join(project, 'parquetry.config.json'), JSON.stringify({ output: 'out', datasets: { query_perf: {} } }))

const self = fileURLToPath(import.meta.url)
const cli = fileURLToPath(new URL('./lib/measured-cli.mjs', import.meta.url))

function measure(stage) {
  if (stage === 'route' || stage === 'export') {
    const args = stage === 'route' ? ['export', 'query_perf', '--force', '--dry-run'] : ['export', 'query_perf', '--force']
    const child = spawnSync(process.execPath, [cli, ...args], { cwd: project, encoding: 'utf8', maxBuffer: 64 << 20 })
    const line = child.stderr.split('\n').find((text) => text.startsWith('PARQUETRY_MEASURE '))
    if (!line) throw new Error(`${stage}: ${child.stderr}`)
    const measured = JSON.parse(line.slice('PARQUETRY_MEASURE '.length))
    if (measured.code !== 0) throw new Error(`${stage}: parquetry exited ${measured.code}\n${child.stdout}\n${child.stderr}`)
    return measured
  }
  const child = spawnSync(process.execPath, [self, '--stage', stage, '--file', input], { encoding: 'utf8', maxBuffer: 64 << 20 })
  if (child.status !== 0) throw new Error(`${stage}: ${child.stderr}`)
  return JSON.parse(child.stdout.trim().split('\n').at(-1))
}

const stages = (values.stages ?? 'bytes,decode,split,coerce,route,encode,compress,verify,export').split(',')
// What each stage builds on: its own share is its CPU minus that one's.
const base = { decode: 'bytes', split: 'decode', coerce: 'split', route: 'coerce', encode: 'coerce', compress: 'encode', verify: 'compress', export: 'route' }
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]
const results = new Map()
measure('split') // warm-up: the file in the page cache
for (let run = 0; run < runs; run++) {
  for (const stage of stages) {
    const measured = measure(stage)
    const list = results.get(stage) ?? []
    list.push(measured)
    results.set(stage, list)
  }
}
console.log(`query_perf day of ${rowCount.toLocaleString('en-US')} rows, median of ${runs} runs (node ${process.version})`)
console.log('stage     | wall s | CPU s | own CPU s | peak RSS MB')
console.log('----------|--------|-------|-----------|------------')
const cpuOf = new Map()
for (const stage of stages) {
  const list = results.get(stage)
  const cpu = median(list.map((entry) => entry.cpuSeconds))
  cpuOf.set(stage, cpu)
  const own = base[stage] && cpuOf.has(base[stage]) ? (cpu - cpuOf.get(base[stage])).toFixed(2) : '—'
  console.log(`${stage.padEnd(9)} | ${median(list.map((entry) => entry.seconds)).toFixed(2).padStart(6)} | ${cpu.toFixed(2).padStart(5)} | ${String(own).padStart(9)} | ${String(median(list.map((entry) => entry.maxRssMb))).padStart(11)}`)
}
if (!values.keep) await rm(root, { recursive: true, force: true })
