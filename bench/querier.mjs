// The 30-day aggregation (seed 000's validation query) over 30 daily query_perf files of
// 50k rows: median in-process time through @parquetry/querier, against a hand-written
// read_parquet over the same files, and the whole CLI command from a cold start; then
// the same for 365 days.
//
//   node bench/querier.mjs [--rows 50000] [--runs 15] [--keep DIR]
import { DuckDBInstance } from '@duckdb/node-api'
import { addDays, createLayout } from '@parquetry/partitioner'
import { openProject } from '@parquetry/pipeline'
import { Querier, dailySummary, weeklyTrend } from '@parquetry/querier'
import { queryPerfSchema } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { ParquetFileWriter } from '@parquetry/writer'
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { rows: { type: 'string' }, runs: { type: 'string' }, keep: { type: 'string' } } })
const rowsPerDay = Number(values.rows ?? 50_000)
const runs = Number(values.runs ?? 15)
const base = values.keep ?? (await mkdtemp(join(tmpdir(), 'parquetry-querier-')))
const cli = join(dirname(fileURLToPath(import.meta.url)), '../apps/cli/dist/bin.js')
const template = 'query_perf/year={yyyy}/month={mm}/query_perf_{yyyymmdd}.parquet'
const types = ['SELECT', 'SELECT', 'SELECT', 'INSERT', 'UPDATE', 'DELETE']
const tables = ['embeddings', 'query_log', 'documents', 'users', 'sessions']

async function makeTree(days) {
  const folder = join(base, `days-${days}`)
  const root = join(folder, 'parquet')
  await mkdir(root, { recursive: true })
  await writeFile(join(folder, 'parquetry.config.json'), JSON.stringify({ output: 'parquet' }))
  const storage = createLocalStorage({ root })
  const first = '2025-01-01'
  for (let day = 0; day < days; day++) {
    const date = addDays(first, day)
    const path = createLayout({ template, dataset: 'query_perf' }).render(date)
    if (existsSync(join(root, path))) continue
    const writer = await ParquetFileWriter.create({ schema: queryPerfSchema, sink: await storage.createSink(path) })
    const start = BigInt(Date.parse(`${date}T00:00:00Z`)) * 1000n
    for (let index = 0; index < rowsPerDay; index++) {
      const spread = (index * 7919 + day) % 1000
      const pending = writer.append({
        timestamp: start + BigInt(index) * 1_700_000n, query_hash: ((index % 300) * 2654435761 >>> 0).toString(16).slice(0, 6),
        query_type: types[index % 6], execution_time_ms: spread / 10, rows_examined: BigInt(spread * 3), rows_returned: BigInt(spread % 50),
        cache_hit: spread % 3 === 0, table_name: tables[index % 5], index_used: spread % 7 === 0 ? null : 'PRIMARY',
        cpu_time_ms: spread / 20, io_wait_ms: spread / 40, date_partition: date,
      })
      if (pending) await pending
    }
    await writer.close()
  }
  // The views come from the project's definitions, as in the CLI.
  const layouts = (await openProject({ cwd: folder })).layouts()
  return { folder, root, layouts, from: first, to: addDays(first, days - 1) }
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]
async function time(action) {
  const samples = []
  await action() // warm-up
  for (let run = 0; run < runs; run++) {
    const started = performance.now()
    await action()
    samples.push(performance.now() - started)
  }
  return median(samples)
}

const validationSql = (source) => `SELECT date_partition, COUNT(*) as query_count, AVG(execution_time_ms) as avg_execution_ms, MAX(execution_time_ms) as max_execution_ms
FROM ${source} GROUP BY date_partition ORDER BY date_partition DESC LIMIT 30`

for (const days of [30, 365]) {
  const tree = await makeTree(days)
  console.log(`\n${days} daily files x ${rowsPerDay.toLocaleString('en-US')} rows (${(days * rowsPerDay).toLocaleString('en-US')} rows), median of ${runs} warm runs:`)

  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  const handWritten = await time(() => connection.runAndReadAll(validationSql(`read_parquet('${tree.root}/query_perf/**/*.parquet')`)))
  connection.closeSync()
  instance.closeSync()

  const querier = await Querier.create({ root: tree.root, layouts: tree.layouts })
  const viaQuerier = await time(() => dailySummary(querier))
  querier.close()
  const ranged = await Querier.create({ root: tree.root, layouts: tree.layouts, range: { from: tree.from, to: tree.to } })
  const viaRange = await time(() => dailySummary(ranged))
  ranged.close()
  // Opening the querier (views over a glob vs. over a listed range) is part of a CLI command's cost.
  const openGlob = await time(async () => (await Querier.create({ root: tree.root, layouts: tree.layouts })).close())
  const openRange = await time(async () => (await Querier.create({ root: tree.root, layouts: tree.layouts, range: { from: tree.from, to: tree.to } })).close())

  const cold = []
  for (let run = 0; run < 5; run++) {
    const started = performance.now()
    execFileSync(process.execPath, [cli, 'report', 'daily-summary', '--format', 'json'], { cwd: tree.folder, stdio: ['ignore', 'pipe', 'inherit'] })
    cold.push(performance.now() - started)
  }
  const bare = []
  for (let run = 0; run < 5; run++) {
    const started = performance.now()
    execFileSync(process.execPath, ['--input-type=module', '-e', `const { DuckDBInstance } = await import('@duckdb/node-api'); const c = await (await DuckDBInstance.create(':memory:')).connect(); await c.runAndReadAll(${JSON.stringify(validationSql(`read_parquet('${tree.root}/query_perf/**/*.parquet')`))})`], { cwd: dirname(fileURLToPath(import.meta.url)), stdio: 'ignore' })
    bare.push(performance.now() - started)
  }
  // A named 7-day range (the weekly trend): the layout's file list against the glob.
  const end = tree.to
  const weekGlob = await time(async () => {
    const opened = await Querier.create({ root: tree.root, layouts: tree.layouts })
    await weeklyTrend(opened, { endDate: end })
    opened.close()
  })
  const weekRange = await time(async () => {
    const opened = await Querier.create({ root: tree.root, layouts: tree.layouts, range: { from: addDays(end, -6), to: end } })
    await weeklyTrend(opened, { endDate: end })
    opened.close()
  })
  const overhead = ((viaQuerier - handWritten) / handWritten) * 100
  console.log(`  hand-written read_parquet (glob):      ${handWritten.toFixed(1)} ms`)
  console.log(`  querier dailySummary (glob views):     ${viaQuerier.toFixed(1)} ms  (overhead ${overhead >= 0 ? '+' : ''}${overhead.toFixed(1)}% vs hand-written; goal within 20%)${days === 30 ? `  goal < 100 ms: ${viaQuerier < 100 ? 'OK' : 'OVER'}` : ''}`)
  console.log(`  querier dailySummary (range views):    ${viaRange.toFixed(1)} ms`)
  console.log(`  opening the querier: glob ${openGlob.toFixed(1)} ms, range-listed ${openRange.toFixed(1)} ms`)
  console.log(`  7-day weekly trend, open + query: glob views ${weekGlob.toFixed(1)} ms, views over the 7 listed files ${weekRange.toFixed(1)} ms`)
  console.log(`  CLI \`parquetry report daily-summary\`, cold: ${median(cold).toFixed(0)} ms median of 5${days === 30 ? ` (goal < 600 ms: ${median(cold) < 600 ? 'OK' : 'OVER'})` : ''}`)
  console.log(`  bare node + DuckDB process, same query: ${median(bare).toFixed(0)} ms median of 5`)
}
if (!values.keep) await rm(base, { recursive: true, force: true })
