// Reads N Read the Docs pageview rows (seed 003's PageView shape: 10 columns) from
// PostgreSQL with readPostgres (binary COPY, @parquetry/sources/postgres) and prints
// rows/s, CPU seconds and peak RSS of the reading process, and the server's CPU.
//
//   node bench/postgres-read.mjs [--rows 1000000] [--runs 3] [--validate] [--keep]
//
// The server: DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test. The rows are
// seeded server-side (generate_series) into a fresh database parquetry_bench_<pid>,
// dropped afterwards unless --keep. Each read runs in a process of its own, so its
// peak RSS is the read's alone.
import { pageviewsSchema } from '@parquetry/schema'
import { validateRecords } from '@parquetry/sources'
import { connectPostgres, readPostgres } from '@parquetry/sources/postgres'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: { rows: { type: 'string' }, runs: { type: 'string' }, validate: { type: 'boolean' }, keep: { type: 'boolean' }, 'read-only': { type: 'string' } },
})

const query = 'SELECT id, project_id, project_slug, version_id, version_slug, path, full_path, view_count, date, status FROM pageviews ORDER BY id'

// CPU seconds (user + system) of a process on this machine, from /proc.
function processCpu(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

if (values['read-only']) {
  // The measured read, in a process of its own.
  const url = values['read-only']
  let backendPid = 0
  let serverStart = Number.NaN
  let serverEnd = Number.NaN
  let rows = 0
  let bytes = 0
  const started = performance.now()
  const cpuStart = process.cpuUsage()
  const source = readPostgres({
    connectionString: url,
    query,
    name: 'pageviews',
    columns: pageviewsSchema.columns,
    before: async (session) => {
      backendPid = Number((await session.query('SELECT pg_backend_pid() AS pid'))[0].pid)
      serverStart = processCpu(backendPid)
    },
    onProgress: (_rows, total) => {
      bytes = total
      // The backend's CPU so far (read while it is alive; it exits once the read ends).
      serverEnd = processCpu(backendPid)
    },
  })
  const measured = source
  if (values.validate) {
    const typed = validateRecords({ source: measured, schema: pageviewsSchema })
    for await (const batch of typed) rows += batch.length
  } else {
    for await (const batch of measured) rows += batch.length
  }
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuStart)
  process.stdout.write(
    JSON.stringify({ rows, bytes, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, serverCpuSeconds: serverEnd - serverStart, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }),
  )
  process.exit(0)
}

const rowCount = Number(values.rows ?? 1_000_000)
const runs = Number(values.runs ?? 3)
const adminUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test'
const database = `parquetry_bench_${process.pid}`
const admin = await connectPostgres({ connectionString: adminUrl })
await admin.query(`CREATE DATABASE ${database}`)
const url = new URL(adminUrl)
url.pathname = `/${database}`

try {
  const session = await connectPostgres({ connectionString: url.href })
  const seedStarted = performance.now()
  await session.query(`CREATE TABLE pageviews (
    id bigserial PRIMARY KEY, project_id integer NOT NULL, project_slug varchar(63) NOT NULL, version_id integer, version_slug varchar(255),
    path varchar(4096) NOT NULL, full_path varchar(4096), view_count integer NOT NULL, date date NOT NULL, status smallint NOT NULL)`)
  // A long tail of projects and pages, a few versions each, 1 in 10 rows without a version, a few 404s.
  await session.query(
    `INSERT INTO pageviews (project_id, project_slug, version_id, version_slug, path, full_path, view_count, date, status)
     SELECT p, 'project-' || p, CASE WHEN g % 10 = 0 THEN NULL ELSE p * 10 + g % 4 END, CASE WHEN g % 10 = 0 THEN NULL ELSE (ARRAY['latest', 'stable', 'v2.1', 'v1.0'])[1 + g % 4] END,
       '/docs/' || (ARRAY['index', 'install', 'api/reference', 'tutorial/getting-started', 'changelog'])[1 + g % 5] || '-' || (g % 997) || '.html',
       '/en/' || (ARRAY['latest', 'stable', 'v2.1', 'v1.0'])[1 + g % 4] || '/docs/page-' || (g % 997) || '.html',
       1 + (g * 7919) % 500, date '2026-11-01' - (g % 30)::int, CASE WHEN g % 50 = 0 THEN 404 ELSE 200 END
     FROM (SELECT g, (1 + (g * 2654435761) % 5000)::int AS p FROM generate_series(1, $1::int8) g) s`,
    [rowCount],
  )
  await session.query('VACUUM (FREEZE, ANALYZE) pageviews')
  const [{ size }] = await session.query("SELECT pg_size_pretty(pg_total_relation_size('pageviews')) AS size")
  await session.close()
  console.log(`seeded ${rowCount.toLocaleString('en-US')} pageview rows (${size}) in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`)
  console.log(`readPostgres (binary COPY, 10 columns${values.validate ? ', then validateRecords' : ''}), ${runs} runs, each in a fresh process:`)
  const script = fileURLToPath(import.meta.url)
  const results = []
  for (let run = 0; run < runs; run++) {
    const output = execFileSync(process.execPath, [script, '--read-only', url.href, ...(values.validate ? ['--validate'] : [])], { encoding: 'utf8', maxBuffer: 1 << 20 })
    const result = JSON.parse(output)
    if (result.rows !== rowCount) throw new Error(`read ${result.rows} rows, expected ${rowCount}`)
    results.push(result)
    console.log(
      `  run ${run + 1}: ${(result.rows / result.seconds).toLocaleString('en-US', { maximumFractionDigits: 0 })} rows/s, ${result.seconds.toFixed(2)} s wall, ` +
        `${result.cpuSeconds.toFixed(2)} s CPU (node), ${Number.isNaN(result.serverCpuSeconds) ? "n/a" : result.serverCpuSeconds.toFixed(2)} s CPU (postgres backend), peak RSS ${result.maxRssMb} MB, ${(result.bytes / 1e6).toFixed(0)} MB of COPY data`,
    )
  }
  const best = results.reduce((a, b) => (a.seconds < b.seconds ? a : b))
  console.log(`best: ${(best.rows / best.seconds).toLocaleString('en-US', { maximumFractionDigits: 0 })} rows/s; peak RSS ${Math.max(...results.map((r) => r.maxRssMb))} MB`)
} finally {
  if (!values.keep) {
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database])
    await admin.query(`DROP DATABASE IF EXISTS ${database}`)
  } else {
    console.log(`kept ${url.href.replace(/:[^:@/]*@/, ':***@')}`)
  }
  await admin.close()
}
