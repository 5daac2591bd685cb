// A selective query over a month of page views, with and without the page
// index and bloom filters, at a few page sizes: writes D days × N generated
// Read the Docs page views (lib/pageviews-days.mjs: a Zipf curve of 20,000
// projects, rows in first-view order) once per variant with @parquetry/writer,
// then runs, for a small project,
//
//   SELECT path, sum(view_count) AS views FROM read_parquet($1)
//    WHERE project_slug = $2 GROUP BY 1 ORDER BY 2 DESC LIMIT 10
//
// and a full scan (the month's top projects: what small pages cost a scan)
// in DuckDB, each run in a fresh process (lib/duckdb-query-io.mjs: no DuckDB
// cache survives a run; the files stay in the OS page cache), the variants
// taking turns. Prints, per variant: the files' size, the write time, the
// median query time (wall, and CPU of all DuckDB's threads) and the bytes
// DuckDB read (/proc/self/io rchar); exits 1 if any variant's top 10
// differs from the others'.
//
//   node bench/selective-query.mjs [--days 30] [--rows 1000000] [--runs 5]
//     [--page-sizes 16384,65536,262144,1048576] [--keep DIR]
// --keep DIR writes the files there and keeps them; a second run with the
// same DIR, days and rows reuses them.
import { pageviewsSchema } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { writeParquet } from '@parquetry/writer'
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { pageviewsCatalogue, pageviewsDay, pageviewsRows } from './lib/pageviews-days.mjs'

const { values } = parseArgs({
  options: { days: { type: 'string' }, rows: { type: 'string' }, runs: { type: 'string' }, 'page-sizes': { type: 'string' }, keep: { type: 'string' } },
})
const dayCount = Number(values.days ?? 30)
const rowsPerDay = Number(values.rows ?? 1_000_000)
const runs = Number(values.runs ?? 5)
const pageSizes = (values['page-sizes'] ?? '16384,65536,262144,1048576').split(',').map(Number)
const root = values.keep ?? (await mkdtemp(join(tmpdir(), 'parquetry-selective-')))
const runner = fileURLToPath(new URL('./lib/duckdb-query-io.mjs', import.meta.url))
const MiB = 1024 * 1024

const sizeName = (bytes) => (bytes >= MiB ? `${bytes / MiB} MiB` : `${bytes / 1024} KiB`)
const variants = [
  { name: 'plain', label: `no page index, no bloom filters, ${sizeName(MiB)} pages`, pageIndex: false, bloomFilters: false, pageSize: MiB },
  { name: 'bloom', label: `bloom filters, no page index, ${sizeName(MiB)} pages`, pageIndex: false, bloomFilters: true, pageSize: MiB },
  // The smallest pages without the page index: what the index itself adds.
  { name: `bloom-${pageSizes[0]}`, label: `bloom filters, no page index, ${sizeName(pageSizes[0])} pages`, pageIndex: false, bloomFilters: true, pageSize: pageSizes[0] },
  ...pageSizes.map((pageSize) => ({ name: `indexed-${pageSize}`, label: `page index + bloom filters, ${sizeName(pageSize)} pages`, pageIndex: true, bloomFilters: true, pageSize })),
]
const sql = 'SELECT path, sum(view_count) AS views FROM read_parquet($1) WHERE project_slug = $2 GROUP BY 1 ORDER BY 2 DESC LIMIT 10'
// What small pages cost a query that reads every row: the top projects of the month.
const scanSql = 'SELECT project_slug, sum(view_count) AS views FROM read_parquet($1) GROUP BY 1 ORDER BY 2 DESC LIMIT 10'

/** A child process's output, without blocking this one. */
function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (status) => {
      const line = stdout.split('\n').find((text) => text.startsWith('DUCKDB_QUERY '))
      if (status !== 0 || !line) reject(new Error(`query failed (${status}):\n${stdout}\n${stderr}`))
      else resolve(JSON.parse(line.slice('DUCKDB_QUERY '.length)))
    })
  })
}
const query = (querySql, params) => run([runner, JSON.stringify({ sql: querySql, params })])
const median = (numbers) => {
  const sorted = [...numbers].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}
const dateOf = (day) => new Date(Date.UTC(2026, 0, 1 + day)).toISOString().slice(0, 10)

const catalogue = pageviewsCatalogue({ rowsPerDay })
// A small project: the biggest one expected to have at most 3 rows a day.
let rank = 0
while (rank < catalogue.projects - 1 && catalogue.expectedRows(rank) > 3) rank++
const slug = catalogue.slugs[rank]

try {
  // 1. Write every variant, day by day (each day generated once).
  const marker = join(root, 'written.json')
  const wanted = JSON.stringify({ dayCount, rowsPerDay, variants })
  const reuse = await readFile(marker, 'utf8').then((text) => JSON.parse(text).wanted === wanted ? JSON.parse(text) : undefined, () => undefined)
  const written = reuse ?? { wanted, seconds: {}, bytes: {} }
  const files = Object.fromEntries(variants.map((variant) => [variant.name, []]))
  for (let day = 0; day < dayCount; day++) {
    const date = dateOf(day)
    for (const variant of variants) files[variant.name].push(join(root, variant.name, `pageviews_${date.replaceAll('-', '')}.parquet`))
  }
  if (!reuse) {
    process.stdout.write(`writing ${dayCount} days × ${rowsPerDay.toLocaleString('en-US')} rows × ${variants.length} variants into ${root} `)
    for (const variant of variants) await mkdir(join(root, variant.name), { recursive: true })
    for (let day = 0; day < dayCount; day++) {
      const date = dateOf(day)
      const rows = pageviewsDay({ catalogue, date, rows: rowsPerDay, firstId: 1 + day * rowsPerDay, seed: 1000 + day })
      for (const variant of variants) {
        const storage = createLocalStorage({ root: join(root, variant.name) })
        const started = performance.now()
        const result = await writeParquet({
          schema: pageviewsSchema,
          rows: pageviewsRows(rows),
          sink: await storage.createSink(`pageviews_${date.replaceAll('-', '')}.parquet`),
          pageIndex: variant.pageIndex,
          bloomFilters: variant.bloomFilters,
          pageSize: variant.pageSize,
        })
        written.seconds[variant.name] = (written.seconds[variant.name] ?? 0) + (performance.now() - started) / 1000
        written.bytes[variant.name] = (written.bytes[variant.name] ?? 0) + result.bytes
      }
      process.stdout.write('.')
    }
    console.log()
    await writeFile(marker, JSON.stringify(written))
  }
  for (const variant of variants) {
    const sizes = await Promise.all(files[variant.name].map((path) => stat(path).then((info) => info.size)))
    if (sizes.reduce((a, b) => a + b, 0) !== written.bytes[variant.name]) throw new Error(`${variant.name}: the files are not the ones written`)
  }

  // 2. What there is to find: the project's rows, the row groups holding them, the ones its bloom filters rule out.
  const [facts] = (
    await query(
      `SELECT count(*) AS rows, count(DISTINCT filename || ':' || (file_row_number // 100000)) AS groups FROM read_parquet($1, filename = true, file_row_number = true) WHERE project_slug = $2`,
      [files.plain, slug],
    )
  ).rows
  const [groups] = (await query('SELECT count(DISTINCT (file_name, row_group_id)) AS groups FROM parquet_metadata($1)', [files.plain])).rows
  const [probe] = (await query('SELECT count(*) FILTER (WHERE bloom_filter_excludes) AS excluded, count(*) AS probed FROM parquet_bloom_probe($1, $2, $3)', [files.bloom, 'project_slug', slug])).rows
  console.log(`small project ${JSON.stringify(slug)} (rank ${rank + 1} of ${catalogue.projects.toLocaleString('en-US')}): ${facts.rows} rows in ${facts.groups} of ${groups.groups} row groups; its bloom filters rule out ${probe.excluded} of ${probe.probed}`)

  // 3. The query, the variants taking turns.
  const measured = Object.fromEntries(variants.map((variant) => [variant.name, []]))
  const scanned = Object.fromEntries(variants.map((variant) => [variant.name, []]))
  process.stdout.write(`querying ${runs} runs × ${variants.length} variants `)
  for (let index = 0; index < runs; index++) {
    for (const variant of variants) {
      measured[variant.name].push(await query(sql, [files[variant.name], slug]))
      scanned[variant.name].push(await query(scanSql, [files[variant.name]]))
    }
    process.stdout.write('.')
  }
  console.log('\n')

  const milliseconds = (results) => `${median(results.map((result) => result.ms)).toFixed(0)} (${Math.min(...results.map((result) => result.ms)).toFixed(0)}–${Math.max(...results.map((result) => result.ms)).toFixed(0)})`
  const cpu = (results) => median(results.map((result) => result.cpuMs)).toFixed(0)
  const header = ['variant', 'files', 'write s', 'query ms, median (min–max)', 'query CPU ms', 'bytes read', 'of files', 'scan ms', 'scan CPU ms', 'scan read']
  const table = variants.map((variant) => {
    const results = measured[variant.name]
    const bytes = written.bytes[variant.name]
    const read = median(results.map((result) => result.rchar))
    return [
      variant.label,
      `${(bytes / MiB).toFixed(1)} MiB`,
      written.seconds[variant.name].toFixed(0),
      milliseconds(results),
      cpu(results),
      `${(read / MiB).toFixed(2)} MiB`,
      `${((100 * read) / bytes).toFixed(1)}%`,
      milliseconds(scanned[variant.name]),
      cpu(scanned[variant.name]),
      `${(median(scanned[variant.name].map((result) => result.rchar)) / MiB).toFixed(1)} MiB`,
    ]
  })
  const widths = header.map((title, column) => Math.max(title.length, ...table.map((row) => row[column].length)))
  console.log(`${dayCount} days × ${rowsPerDay.toLocaleString('en-US')} rows, 100,000-row row groups, SNAPPY; DuckDB, ${runs} runs each:`)
  console.log(`| ${header.map((title, column) => title.padEnd(widths[column])).join(' | ')} |`)
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`)
  for (const row of table) console.log(`| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(' | ')} |`)

  // 4. Every variant, every run: the same top 10. Ties may come in any order, and at the 10th place any of the tied keys.
  const canonical = (rows) => {
    const last = rows.at(-1)?.views
    return JSON.stringify({ views: rows.map((row) => row.views), above: rows.filter((row) => row.views !== last).map((row) => Object.values(row)[0]).sort() })
  }
  const expected = canonical(measured.plain[0].rows)
  const expectedScan = canonical(scanned.plain[0].rows)
  const different = variants.flatMap((variant) => [
    ...measured[variant.name].filter((result) => canonical(result.rows) !== expected).map(() => variant.name),
    ...scanned[variant.name].filter((result) => canonical(result.rows) !== expectedScan).map(() => `${variant.name} (scan)`),
  ])
  console.log(`\ntop 10 of ${JSON.stringify(slug)}: ${measured.plain[0].rows.map((row) => `${row.path} ${row.views}`).join(', ')}`)
  if (different.length > 0) {
    console.log(`FAIL: ${[...new Set(different)].join(', ')} returned a different top 10`)
    process.exitCode = 1
  } else console.log('every variant returned the same top 10')
} finally {
  if (!values.keep) await rm(root, { recursive: true, force: true })
}
