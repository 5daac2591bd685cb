// Exports one day of 1M and one of 5M Read the Docs page views from PostgreSQL
// to S3 (fauxqs, in this process) with `parquetry export pageviews --date D`,
// each in a process of its own, and prints rows/s, CPU seconds and peak RSS.
// In the same run it times what a user would do instead: `psql \copy (…) TO
// file CSV`, then DuckDB `COPY (SELECT * FROM read_csv(…)) TO '….parquet'`,
// and prints the ratio. Target (issue 10): peak RSS does not grow from 1M to 5M.
//
//   node bench/pageviews.mjs [--rows 1000000,5000000] [--keep]
// PostgreSQL: DATABASE_URL, else 127.0.0.1:5432 (user postgres); a database of
// its own is created and dropped (kept with --keep).
import { startS3Server } from '@parquetry/testing'
import { connectPostgres } from '@parquetry/sources/postgres'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { benchServerUrl, databaseUrlOf, pageviewsDaySql, seedPageviews } from './lib/pageviews-db.mjs'
// Asynchronous: this process serves S3 to the child while it runs.
import { runChild as run } from './lib/measured-run.mjs'

const { values } = parseArgs({ options: { rows: { type: 'string' }, keep: { type: 'boolean' } } })
const sizes = (values.rows ?? '1000000,5000000').split(',').map(Number)
const runner = fileURLToPath(new URL('./lib/measured-cli.mjs', import.meta.url))
const duckdbRunner = fileURLToPath(new URL('./lib/duckdb-csv-to-parquet.mjs', import.meta.url))
const serverUrl = benchServerUrl
const databaseName = `parquetry_bench_${process.pid}`
const databaseUrl = databaseUrlOf(serverUrl, databaseName)
const root = await mkdtemp(join(tmpdir(), 'parquetry-pageviews-'))

const admin = await connectPostgres({ connectionString: serverUrl })
await admin.query(`CREATE DATABASE ${databaseName}`)
const pg = await connectPostgres({ connectionString: databaseUrl })
const s3 = await startS3Server({ buckets: ['bench'] })
try {
  process.stdout.write('seeding PostgreSQL ... ')
  let started = performance.now()
  const days = sizes.map((_, index) => `2026-01-${String(10 + index).padStart(2, '0')}`)
  // RTD-shaped rows: a fifth without a version, one in twenty a 404, paths of 20-60 characters.
  await seedPageviews(pg, sizes.map((rows, index) => ({ date: days[index], rows })))
  console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`)

  await writeFile(join(root, 'parquetry.config.json'), JSON.stringify({ output: 's3://bench/analytics', s3: { endpoint: s3.endpoint, forcePathStyle: true }, datasets: { pageviews: { connection: databaseUrl, retentionDays: false } } }))
  const env = { ...process.env, ...s3.env }
  const results = []
  for (const [index, rows] of sizes.entries()) {
    const date = days[index]
    // Asynchronously: the S3 server answers from this process's event loop.
    const child = await run(process.execPath, [runner, 'export', 'pageviews', '--date', date, '--json'], { cwd: root, env })
    const line = child.stderr.split('\n').find((text) => text.startsWith('PARQUETRY_MEASURE '))
    if (!line) throw new Error(`export failed:\n${child.stderr}`)
    const measure = JSON.parse(line.slice('PARQUETRY_MEASURE '.length))
    const result = JSON.parse(child.stdout)
    if (measure.code !== 0 || result.written !== 1) throw new Error(`export of ${date} failed (${measure.code}):\n${child.stdout}\n${child.stderr}`)
    const file = result.datasets[0].files[0]
    if (file.rows !== rows) throw new Error(`${date}: ${file.rows} rows exported, ${rows} in PostgreSQL`)

    // What a user would do instead: psql's \copy to CSV, then DuckDB's COPY to Parquet.
    const csv = join(root, `pageviews-${date}.csv`)
    const parquet = join(root, `pageviews-${date}.parquet`)
    started = performance.now()
    const psql = spawnSync('/usr/bin/time', ['-f', '%M %U %S', 'psql', databaseUrl, '-X', '-q', '-c', `\\copy (${pageviewsDaySql(date)}) TO '${csv}' CSV HEADER`], { encoding: 'utf8' })
    if (psql.status !== 0) throw new Error(`psql failed: ${psql.stderr}`)
    const psqlSeconds = (performance.now() - started) / 1000
    const [psqlRssKb, psqlUser, psqlSys] = psql.stderr.trim().split('\n').at(-1).split(' ').map(Number)
    const duck = spawnSync(process.execPath, [duckdbRunner, csv, parquet], { encoding: 'utf8' })
    const duckLine = duck.stdout.split('\n').find((text) => text.startsWith('DUCKDB_MEASURE '))
    if (!duckLine) throw new Error(`DuckDB failed: ${duck.stderr}`)
    const duckMeasure = JSON.parse(duckLine.slice('DUCKDB_MEASURE '.length))
    const alternative = { seconds: psqlSeconds + duckMeasure.seconds, cpuSeconds: psqlUser + psqlSys + duckMeasure.cpuSeconds, maxRssMb: Math.max(Math.round(psqlRssKb / 1024), duckMeasure.maxRssMb) }
    results.push({ date, rows, ...measure, bytes: file.bytes, alternative, psqlSeconds, duckSeconds: duckMeasure.seconds, duckRows: duckMeasure.rows, csvBytes: (await stat(csv)).size })
    await rm(csv, { force: true })
    await rm(parquet, { force: true })
  }

  console.log('\nparquetry export pageviews --date D (PostgreSQL binary COPY → Parquet → S3, verified, ledger recorded):')
  for (const result of results) {
    console.log(
      `  ${result.rows.toLocaleString('en-US').padStart(9)} rows: ${result.seconds.toFixed(2)} s wall, ${Math.round(result.rows / result.seconds).toLocaleString('en-US')} rows/s, CPU ${result.cpuSeconds.toFixed(2)} s, peak RSS ${result.maxRssMb} MB, object ${(result.bytes / 1e6).toFixed(1)} MB`,
    )
  }
  console.log('psql \\copy … TO file CSV, then DuckDB COPY (SELECT * FROM read_csv(…)) TO ….parquet:')
  for (const result of results) {
    console.log(
      `  ${result.rows.toLocaleString('en-US').padStart(9)} rows: ${result.alternative.seconds.toFixed(2)} s wall (psql ${result.psqlSeconds.toFixed(2)} s, ${(result.csvBytes / 1e6).toFixed(0)} MB CSV; DuckDB ${result.duckSeconds.toFixed(2)} s), CPU ${result.alternative.cpuSeconds.toFixed(2)} s, peak RSS ${result.alternative.maxRssMb} MB; parquetry/alternative wall ${(result.seconds / result.alternative.seconds).toFixed(2)}×`,
    )
  }
  const [small, large] = [results[0], results.at(-1)]
  const growth = large.maxRssMb / small.maxRssMb - 1
  console.log(`\npeak RSS ${small.rows.toLocaleString('en-US')} → ${large.rows.toLocaleString('en-US')} rows: ${small.maxRssMb} → ${large.maxRssMb} MB (${(growth * 100).toFixed(1)}%) ${growth <= 0.15 ? 'PASS (does not grow)' : 'FAIL (grows)'}`)
} finally {
  await s3.stop()
  await pg.close()
  if (!values.keep) await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`)
  await admin.close()
  if (!values.keep) await rm(root, { recursive: true, force: true })
}
