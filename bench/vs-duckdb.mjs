// Parquetry against DuckDB on the same inputs, run after run, A,B,A,B (one
// warm-up pair first, not counted), every run a process of its own:
//   (1) a 1M-row query_perf day (bench/generate-query-perf-csv.mjs, ~89 MB):
//       `parquetry export query_perf --force` to one file, against DuckDB's
//       typed COPY (SELECT *, CAST(timestamp AS DATE) AS date_partition FROM
//       read_csv(…, header=true, columns={…the query_perf schema's types…}))
//       TO '….parquet' (FORMAT parquet, COMPRESSION snappy);
//   (2) the same with 5M rows;
//   (3) a 5M-row pageviews day in PostgreSQL: `parquetry export pageviews
//       --date D --force` against `psql \copy (…) TO file CSV` then DuckDB's
//       typed COPY of that CSV to Parquet (the two summed; peak RSS the larger).
// Prints the median wall (spawn to exit), CPU seconds (user + system), peak
// RSS and output bytes of each side, the ratios, and each target (issue text):
// wall ≤ 2× DuckDB's on (1) and (2), faster than psql + DuckDB on (3), output
// ≤ 0.85× DuckDB's, peak RSS ≤ DuckDB's and flat (±15%) from 1M to 5M rows.
// Checks that both sides wrote the same number of rows (DuckDB's count(*)).
//
//   node bench/vs-duckdb.mjs [--jobs 1,2,3] [--runs 5] [--keep DIR] [--codec snappy|zstd]
// PostgreSQL: DATABASE_URL, else 127.0.0.1:5432 (user postgres). Exit 1 only
// when something is broken (a failed run, differing row counts), never for a
// missed target.
import { DuckDBInstance } from '@duckdb/node-api'
import { connectPostgres } from '@parquetry/sources/postgres'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { generateQueryPerfCsv } from './generate-query-perf-csv.mjs'
import { measuredDuckdb, measuredParquetry, median, timedCommand } from './lib/measured-run.mjs'
import { benchServerUrl, createPageviewTables, databaseUrlOf, insertPageviewDay, pageviewsDaySql } from './lib/pageviews-db.mjs'
import { pageviewsCopySql, queryPerfCopySql } from './lib/typed-copy-sql.mjs'

const { values } = parseArgs({ options: { jobs: { type: 'string' }, runs: { type: 'string' }, keep: { type: 'string' }, codec: { type: 'string' } } })
const jobIds = (values.jobs ?? '1,2,3').split(',').map((text) => Number(text.trim()))
const runs = Number(values.runs ?? 5)
const codec = (values.codec ?? 'snappy').toLowerCase()
if (jobIds.some((id) => ![1, 2, 3].includes(id)) || !Number.isInteger(runs) || runs < 1 || !['snappy', 'zstd'].includes(codec)) {
  console.error('usage: node bench/vs-duckdb.mjs [--jobs 1,2,3] [--runs N] [--keep DIR] [--codec snappy|zstd]')
  process.exit(2)
}
const root = values.keep ?? (await mkdtemp(join(os.tmpdir(), 'parquetry-vs-duckdb-')))
await mkdir(root, { recursive: true })
const QUERY_PERF_DATE = '20251028'
const PAGEVIEWS_DATE = '2026-01-10'
const PAGEVIEWS_ROWS = 5_000_000
// A database of this run's own; with --keep one name, so the next run finds the seeded day.
const databaseName = values.keep ? 'parquetry_bench_vs_duckdb' : `parquetry_bench_${process.pid}`
const databaseUrl = databaseUrlOf(benchServerUrl, databaseName)

const mb = (bytes) => bytes / 1e6
const fmt = (value, digits = 2) => value.toFixed(digits)
const count = (value) => value.toLocaleString('en-US')

// DuckDB in this process: its version, and the row counts of both sides' files.
const checker = await DuckDBInstance.create(':memory:')
const checkerConnection = await checker.connect()
const duckdbVersion = (await checkerConnection.runAndReadAll('SELECT version() AS v')).getRowObjects()[0].v
async function parquetRows(path) {
  const reader = await checkerConnection.runAndReadAll('SELECT count(*) AS n FROM read_parquet($1, hive_partitioning = false)', [path])
  return Number(reader.getRowObjects()[0].n)
}

const cpus = os.cpus()
console.log(`machine: ${os.type()} ${os.release()} ${os.arch()}, ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? '?'}), ${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, load ${os.loadavg().map((load) => fmt(load)).join(' ')}`)
console.log(`node ${process.version}, DuckDB ${duckdbVersion} (@duckdb/node-api, default threads = ${cpus.length}), codec ${codec}, ${runs} run${runs === 1 ? '' : 's'} per side after one warm-up pair, alternating A (Parquetry), B (DuckDB)`)
console.log(`work dir: ${root}${values.keep ? ' (kept)' : ''}\n`)

/** A query_perf project (config, one generated daily CSV) of `rows` rows under `root`, reused when there. */
async function queryPerfProject(rows) {
  const project = join(root, `query-perf-${rows / 1e6}m`)
  const csv = join(project, `g/reports/query_perf_daily_${QUERY_PERF_DATE}.csv`)
  if (!existsSync(csv)) {
    await mkdir(join(project, 'g/reports'), { recursive: true })
    process.stdout.write(`generating ${count(rows)} query_perf rows ... `)
    const started = performance.now()
    await generateQueryPerfCsv(`${csv}.partial`, rows)
    await rename(`${csv}.partial`, csv)
    console.log(`${fmt((performance.now() - started) / 1000, 1)} s`)
  }
  await writeFile(join(project, 'parquetry.config.json'), JSON.stringify({ output: 'out', codec: codec.toUpperCase(), datasets: { query_perf: {} } }))
  return { project, csv, csvBytes: (await stat(csv)).size }
}

/** The pageviews database (created and seeded, or reused with --keep when it holds the day). */
async function pageviewsDatabase(admin) {
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName])).length > 0
  if (exists && values.keep) {
    const pg = await connectPostgres({ connectionString: databaseUrl })
    try {
      const [row] = await pg.query("SELECT to_regclass('analytics_pageview') IS NOT NULL AS present")
      if (row.present && Number((await pg.query('SELECT count(*) AS n FROM analytics_pageview WHERE date = $1', [PAGEVIEWS_DATE]))[0].n) === PAGEVIEWS_ROWS) {
        console.log(`reusing database ${databaseName} (${count(PAGEVIEWS_ROWS)} page views on ${PAGEVIEWS_DATE})`)
        return
      }
    } finally {
      await pg.close()
    }
  }
  if (exists) await admin.query(`DROP DATABASE ${databaseName} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${databaseName}`)
  const pg = await connectPostgres({ connectionString: databaseUrl })
  try {
    process.stdout.write(`seeding ${count(PAGEVIEWS_ROWS)} page views into ${databaseName} ... `)
    const started = performance.now()
    await createPageviewTables(pg)
    await insertPageviewDay(pg, PAGEVIEWS_DATE, PAGEVIEWS_ROWS)
    await pg.query('ANALYZE analytics_pageview')
    await pg.query('VACUUM analytics_pageview')
    console.log(`${fmt((performance.now() - started) / 1000, 1)} s`)
  } finally {
    await pg.close()
  }
}

/** One query_perf job: its two sides, each run returning `{ wallSeconds, cpuSeconds, maxRssMb, bytes, rows, ... }`. */
async function queryPerfJob(id, rows) {
  const { project, csv, csvBytes } = await queryPerfProject(rows)
  const duckOutput = join(project, 'duckdb.parquet')
  return {
    id,
    title: `(${id}) query_perf day, ${count(rows)} rows (${fmt(mb(csvBytes), 0)} MB CSV)`,
    expectedRows: rows,
    wallTarget: 2,
    async parquetry() {
      const run = await measuredParquetry(project, ['export', 'query_perf', '--force'])
      const dataset = run.result.datasets[0]
      const files = dataset.files.filter((file) => file.status === 'written')
      if (files.length !== 1) throw new Error(`(${id}): expected one file written, got ${JSON.stringify(dataset.files.map((file) => [file.path, file.status, file.reason]))}`)
      const path = join(project, 'out', files[0].path)
      const rejected = dataset.rejects.reduce((sum, input) => sum + input.rejected, 0)
      return { ...run, path, reportedRows: files[0].rows, rejected, bytes: (await stat(path)).size }
    },
    async duckdb() {
      const run = await measuredDuckdb(queryPerfCopySql(csv, duckOutput, codec))
      return { ...run, path: duckOutput, reportedRows: run.rows, bytes: (await stat(duckOutput)).size }
    },
  }
}

/** The pageviews job: Parquetry from PostgreSQL, or psql \copy to CSV + DuckDB's COPY of it. */
async function pageviewsJob(admin) {
  await pageviewsDatabase(admin)
  const project = join(root, 'pageviews-5m')
  await mkdir(project, { recursive: true })
  await writeFile(join(project, 'parquetry.config.json'), JSON.stringify({ output: 'out', codec: codec.toUpperCase(), datasets: { pageviews: { connection: databaseUrl, retentionDays: false } } }))
  const csv = join(project, 'pageviews.csv')
  const duckOutput = join(project, 'duckdb.parquet')
  return {
    id: 3,
    title: `(3) pageviews day from PostgreSQL, ${count(PAGEVIEWS_ROWS)} rows`,
    expectedRows: PAGEVIEWS_ROWS,
    wallTarget: 1,
    async parquetry() {
      const run = await measuredParquetry(project, ['export', 'pageviews', '--date', PAGEVIEWS_DATE, '--force'])
      const files = run.result.datasets[0].files.filter((file) => file.status === 'written')
      if (files.length !== 1) throw new Error(`(3): expected one file written, got ${JSON.stringify(run.result.datasets[0].files.map((file) => [file.path, file.status, file.reason]))}`)
      const path = join(project, 'out', files[0].path)
      return { ...run, path, reportedRows: files[0].rows, rejected: 0, bytes: (await stat(path)).size }
    },
    async duckdb() {
      const psql = await timedCommand('psql', [databaseUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', `\\copy (${pageviewsDaySql(PAGEVIEWS_DATE)}) TO '${csv}' CSV HEADER`])
      const csvBytes = (await stat(csv)).size
      try {
        const duck = await measuredDuckdb(pageviewsCopySql(csv, duckOutput, codec))
        return {
          wallSeconds: psql.wallSeconds + duck.wallSeconds,
          seconds: psql.wallSeconds + duck.seconds,
          cpuSeconds: psql.cpuSeconds + duck.cpuSeconds,
          maxRssMb: Math.max(psql.maxRssMb, duck.maxRssMb),
          path: duckOutput,
          reportedRows: duck.rows,
          bytes: (await stat(duckOutput)).size,
          detail: `psql ${fmt(psql.wallSeconds)} s / ${fmt(psql.cpuSeconds)} s CPU / ${psql.maxRssMb} MB, ${fmt(mb(csvBytes), 0)} MB CSV; DuckDB ${fmt(duck.wallSeconds)} s / ${fmt(duck.cpuSeconds)} s CPU / ${duck.maxRssMb} MB`,
        }
      } finally {
        await rm(csv, { force: true })
      }
    },
  }
}

/** Checks one run's file: its count(*) is the rows expected and the rows the side reported. */
async function checkedRun(job, side, run) {
  const rows = await parquetRows(run.path)
  if (rows !== job.expectedRows || run.reportedRows !== rows) throw new Error(`(${job.id}) ${side}: ${count(rows)} rows in ${run.path} (count(*)), ${count(run.reportedRows)} reported, ${count(job.expectedRows)} in the input`)
  return { ...run, countedRows: rows }
}

function runLine(label, side, run) {
  const extra = side === 'Parquetry' ? `, ${count(run.rejected)} rejected` : ''
  return `  ${label.padEnd(7)} ${side.padEnd(9)} ${fmt(run.wallSeconds).padStart(6)} s wall (in-process ${fmt(run.seconds)} s), CPU ${fmt(run.cpuSeconds)} s, peak RSS ${String(run.maxRssMb).padStart(4)} MB, ${fmt(mb(run.bytes))} MB, ${count(run.countedRows)} rows${extra}${run.detail ? ` [${run.detail}]` : ''}`
}

const metrics = ['wallSeconds', 'cpuSeconds', 'maxRssMb', 'bytes']
const summarize = (list) => Object.fromEntries([...metrics, 'countedRows', 'rejected'].map((metric) => [metric, median(list.map((run) => run[metric] ?? 0))]))

let admin
let createdDatabase = false
const results = []
try {
  for (const id of jobIds) {
    let job
    if (id === 1) job = await queryPerfJob(1, 1_000_000)
    else if (id === 2) job = await queryPerfJob(2, 5_000_000)
    else {
      admin ??= await connectPostgres({ connectionString: benchServerUrl })
      createdDatabase = true
      job = await pageviewsJob(admin)
    }
    console.log(job.title)
    const sides = { Parquetry: [], DuckDB: [] }
    for (let round = 0; round <= runs; round++) {
      const label = round === 0 ? 'warm-up' : `run ${round}`
      const a = await checkedRun(job, 'Parquetry', await job.parquetry())
      console.log(runLine(label, 'Parquetry', a))
      const b = await checkedRun(job, 'DuckDB', await job.duckdb())
      console.log(runLine(label, job.id === 3 ? 'psql+Duck' : 'DuckDB', b))
      if (a.countedRows !== b.countedRows) throw new Error(`(${job.id}): Parquetry wrote ${count(a.countedRows)} rows, DuckDB ${count(b.countedRows)}`)
      if (round > 0) {
        sides.Parquetry.push(a)
        sides.DuckDB.push(b)
      }
    }
    const parquetry = summarize(sides.Parquetry)
    const duckdb = summarize(sides.DuckDB)
    console.log(`  rows (DuckDB count(*) of each file): Parquetry ${count(parquetry.countedRows)}, ${job.id === 3 ? 'psql + DuckDB' : 'DuckDB'} ${count(duckdb.countedRows)} ✓ same; Parquetry rejected ${count(parquetry.rejected)}\n`)
    results.push({ job, parquetry, duckdb })
  }

  const ratio = (result, metric) => result.parquetry[metric] / result.duckdb[metric]
  console.log(`machine: ${cpus.length} CPUs, node ${process.version}, DuckDB ${duckdbVersion}, codec ${codec}, medians of ${runs} run${runs === 1 ? '' : 's'}, load now ${os.loadavg().map((load) => fmt(load)).join(' ')}`)
  const header = ['job', 'side', 'median wall s', 'CPU s', 'peak RSS MB', 'output MB', 'ratio P/D wall · CPU · RSS · output']
  const rows = []
  for (const result of results) {
    const name = result.job.id === 3 ? '(3) pageviews 5M' : `(${result.job.id}) query_perf ${result.job.expectedRows / 1e6}M`
    for (const [side, figures] of [['Parquetry', result.parquetry], [result.job.id === 3 ? 'psql + DuckDB' : 'DuckDB', result.duckdb]]) {
      rows.push([
        name,
        side,
        fmt(figures.wallSeconds),
        fmt(figures.cpuSeconds),
        String(Math.round(figures.maxRssMb)),
        fmt(mb(figures.bytes)),
        side === 'Parquetry' ? metrics.map((metric) => fmt(ratio(result, metric))).join(' · ') : '',
      ])
    }
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)))
  const line = (cells) => cells.map((cell, column) => (column >= 2 && column <= 5 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join(' | ').trimEnd()
  console.log(line(header))
  console.log(widths.map((width) => '-'.repeat(width)).join('-|-'))
  for (const row of rows) console.log(line(row))

  console.log('\ntargets:')
  const checks = []
  for (const result of results) {
    const { id } = result.job
    const wall = ratio(result, 'wallSeconds')
    checks.push(
      id === 3
        ? [`(3) faster than psql + DuckDB: ${fmt(result.parquetry.wallSeconds)} s vs ${fmt(result.duckdb.wallSeconds)} s (${fmt(wall)}×)`, wall < 1]
        : [`(${id}) wall ≤ 2× DuckDB's: ${fmt(result.parquetry.wallSeconds)} s vs ${fmt(result.duckdb.wallSeconds)} s (${fmt(wall)}×)`, wall <= 2],
      [`(${id}) output ≤ 0.85× DuckDB's: ${fmt(mb(result.parquetry.bytes))} MB vs ${fmt(mb(result.duckdb.bytes))} MB (${fmt(ratio(result, 'bytes'), 3)}×)`, ratio(result, 'bytes') <= 0.85],
      [`(${id}) peak RSS ≤ ${id === 3 ? 'psql + DuckDB (the larger)' : "DuckDB's"}: ${Math.round(result.parquetry.maxRssMb)} MB vs ${Math.round(result.duckdb.maxRssMb)} MB (${fmt(ratio(result, 'maxRssMb'))}×)`, ratio(result, 'maxRssMb') <= 1],
    )
  }
  const small = results.find((result) => result.job.id === 1)
  const large = results.find((result) => result.job.id === 2)
  if (small && large) {
    const growth = large.parquetry.maxRssMb / small.parquetry.maxRssMb - 1
    const duckGrowth = large.duckdb.maxRssMb / small.duckdb.maxRssMb - 1
    checks.push([`Parquetry peak RSS flat from 1M to 5M rows (±15%): ${Math.round(small.parquetry.maxRssMb)} → ${Math.round(large.parquetry.maxRssMb)} MB (${growth >= 0 ? '+' : ''}${fmt(growth * 100, 1)}%; DuckDB ${Math.round(small.duckdb.maxRssMb)} → ${Math.round(large.duckdb.maxRssMb)} MB, ${duckGrowth >= 0 ? '+' : ''}${fmt(duckGrowth * 100, 1)}%)`, Math.abs(growth) <= 0.15])
  } else {
    console.log('  (peak RSS from 1M to 5M rows: needs jobs 1 and 2)')
  }
  for (const [label, passed] of checks) console.log(`  ${passed ? '✓' : '✗'} ${label}`)
} catch (error) {
  console.error(`\nvs-duckdb: ${error.stack ?? error}`)
  process.exitCode = 1
} finally {
  checkerConnection.closeSync()
  if (admin) {
    if (createdDatabase && !values.keep) await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`).catch((error) => console.error(`could not drop ${databaseName}: ${error.message}`))
    await admin.close()
  }
  if (!values.keep) await rm(root, { recursive: true, force: true })
}
