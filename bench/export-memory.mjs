// Exports one generated day of query_perf CSV of 100 MB, 400 MB and 1 GB with
// `parquetry export` (each in a process of its own) and prints wall time,
// rows/s and peak RSS of each, then times an unchanged rerun of the 1 GB day.
// Targets (issue 8): peak RSS under 300 MB and within ±15% across the three
// sizes; the unchanged rerun under one fifth of the first export's time.
//
//   node bench/export-memory.mjs [--sizes 100,400,1000] [--keep DIR]
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateQueryPerfCsv } from './generate-query-perf-csv.mjs'

const { values } = parseArgs({ options: { sizes: { type: 'string' }, keep: { type: 'string' } } })
const sizes = (values.sizes ?? '100,400,1000').split(',').map(Number)
const root = values.keep ?? (await mkdtemp(join(tmpdir(), 'parquetry-export-memory-')))
const runner = fileURLToPath(new URL('./lib/measured-cli.mjs', import.meta.url))
const BYTES_PER_ROW = 89

function run(cwd, args) {
  const child = spawnSync(process.execPath, [runner, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const line = child.stderr.split('\n').find((text) => text.startsWith('PARQUETRY_MEASURE '))
  if (!line) throw new Error(`parquetry ${args.join(' ')} failed:\n${child.stderr}`)
  const measure = JSON.parse(line.slice('PARQUETRY_MEASURE '.length))
  if (measure.code !== 0) throw new Error(`parquetry ${args.join(' ')} exited ${measure.code}:\n${child.stdout}\n${child.stderr}`)
  return { ...measure, stdout: child.stdout }
}

const results = []
for (const megabytes of sizes) {
  const project = join(root, `day-${megabytes}mb`)
  const input = join(project, 'g/reports/query_perf_daily_20251028.csv')
  if (!existsSync(input)) {
    await mkdir(join(project, 'g/reports'), { recursive: true })
    process.stdout.write(`generating ${megabytes} MB ... `)
    await generateQueryPerfCsv(input, Math.round((megabytes * 1e6) / BYTES_PER_ROW))
    process.stdout.write('done\n')
  }
  await writeFile(join(project, 'parquetry.config.json'), JSON.stringify({ output: 'out', datasets: { query_perf: {} } }))
  await rm(join(project, 'out'), { recursive: true, force: true })
  const first = run(project, ['export', '--historical', '--json'])
  const result = JSON.parse(first.stdout)
  const rows = result.datasets[0].files.reduce((sum, file) => sum + file.rows, 0)
  const bytes = result.datasets[0].inputs.reduce((sum, input) => sum + input.bytes, 0)
  results.push({ megabytes, project, rows, bytes, seconds: first.seconds, maxRssMb: first.maxRssMb, files: result.written })
  console.log(`${String(megabytes).padStart(5)} MB: ${(bytes / 1e6).toFixed(0)} MB, ${rows.toLocaleString('en-US')} rows, ${result.written} files in ${first.seconds.toFixed(1)} s, ${Math.round(rows / first.seconds).toLocaleString('en-US')} rows/s, peak RSS ${first.maxRssMb} MB`)
}

const largest = results.at(-1)
const rerun = run(largest.project, ['export', '--historical', '--json'])
const again = JSON.parse(rerun.stdout)
console.log(`unchanged rerun of the ${largest.megabytes} MB day: ${rerun.seconds.toFixed(2)} s (${((rerun.seconds / largest.seconds) * 100).toFixed(1)}% of the first export), ${again.written} written, ${again.skipped} skipped, inputs parsed: ${again.datasets[0].inputs.length}, peak RSS ${rerun.maxRssMb} MB`)

const peaks = results.map((result) => result.maxRssMb)
const mean = peaks.reduce((sum, value) => sum + value, 0) / peaks.length
const spread = Math.max(...peaks.map((value) => Math.abs(value / mean - 1)))
const checks = [
  [`peak RSS under 300 MB (highest ${Math.max(...peaks)} MB)`, Math.max(...peaks) < 300],
  [`peak RSS within ±15% across sizes (largest deviation from the mean ${(spread * 100).toFixed(1)}%)`, spread <= 0.15],
  [`unchanged rerun under 1/5 of the first export (${(rerun.seconds / largest.seconds).toFixed(3)})`, rerun.seconds < largest.seconds / 5 && again.written === 0],
]
for (const [label, passed] of checks) console.log(`${passed ? '✓' : '✗'} ${label}`)
if (!values.keep) await rm(root, { recursive: true, force: true })
process.exitCode = checks.every(([, passed]) => passed) ? 0 : 1
