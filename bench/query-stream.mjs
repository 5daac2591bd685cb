// A 2M-row result read three ways through @parquetry/querier, each in a process of its own
// (its wall time, CPU and peak RSS from process.resourceUsage()):
//   before  what `query` did before typed results: runAndReadAll + getRowObjectsJson, all rows held
//   query   querier.query(): every row held, one JSON type per BIGINT column
//   stream  querier.stream(): batches read chunk by chunk, each dropped once counted
//
//   node bench/query-stream.mjs [--rows 2000000] [--runs 1] [--source range|parquet] [--batch-rows N]
//
// --source parquet writes the rows to a Parquet file first (DuckDB's COPY, in a temp dir) and
// reads them back with read_parquet; range computes them in DuckDB.
import { DuckDBInstance } from '@duckdb/node-api'
import { Querier } from '@parquetry/querier'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { median, runChild } from './lib/measured-run.mjs'

const { values } = parseArgs({
  options: { rows: { type: 'string' }, runs: { type: 'string' }, source: { type: 'string' }, 'batch-rows': { type: 'string' }, child: { type: 'string' }, parquet: { type: 'string' } },
})
const rows = Number(values.rows ?? 2_000_000)
const rowsSql = (count) => `SELECT range AS id, range * 1.5 AS x, 'text' || range AS s, TIMESTAMP '2025-01-01' + INTERVAL (range) SECOND AS t FROM range(${count})`
const marker = 'QUERY_STREAM_MEASURE'

/** One mode, in this process: prints its measures as one line. */
async function child(mode) {
  const sql = values.parquet ? 'SELECT * FROM read_parquet($path)' : rowsSql(rows)
  const params = values.parquet ? { path: values.parquet } : undefined
  const querier = await Querier.create({ root: tmpdir(), layouts: [] })
  const started = performance.now()
  let count = 0
  let last
  if (mode === 'before') {
    const reader = await querier.connection.runAndReadAll(sql, params)
    const all = reader.getRowObjectsJson()
    count = all.length
    last = all.at(-1)
  } else if (mode === 'query') {
    const result = await querier.query(sql, params)
    count = result.rows.length
    last = result.rows.at(-1)
  } else {
    const batchRows = values['batch-rows'] ? Number(values['batch-rows']) : undefined
    for await (const batch of querier.stream(sql, params, batchRows ? { batchRows } : {})) {
      count += batch.length
      last = batch.at(-1)
    }
  }
  const seconds = (performance.now() - started) / 1000
  querier.close()
  const cpu = process.cpuUsage()
  process.stdout.write(`${marker} ${JSON.stringify({ mode, rows: count, last, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`)
}

async function main() {
  const runs = Number(values.runs ?? 1)
  const source = values.source ?? 'range'
  if (source !== 'range' && source !== 'parquet') throw new Error(`--source ${source}: range or parquet`)
  let folder
  const extra = []
  if (source === 'parquet') {
    folder = await mkdtemp(join(tmpdir(), 'parquetry-query-stream-'))
    const path = join(folder, 'rows.parquet')
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    await connection.run(`COPY (${rowsSql(rows)}) TO '${path.replaceAll("'", "''")}' (FORMAT parquet)`)
    connection.closeSync()
    instance.closeSync()
    extra.push('--parquet', path)
  }
  if (values['batch-rows']) extra.push('--batch-rows', values['batch-rows'])
  const script = fileURLToPath(import.meta.url)
  console.log(`${rows.toLocaleString('en-US')} rows (id BIGINT, x DECIMAL, s VARCHAR, t TIMESTAMP) from ${source}, ${runs} run(s) per mode, each in a process of its own; median wall, CPU and peak RSS:\n`)
  console.log('mode    rows        wall s  in-process s  CPU s  peak RSS MB')
  try {
    for (const mode of ['before', 'query', 'stream']) {
      const samples = []
      for (let run = 0; run < runs; run++) {
        const result = await runChild(process.execPath, [script, '--child', mode, '--rows', String(rows), ...extra])
        const line = result.stdout.split('\n').find((text) => text.startsWith(`${marker} `))
        if (result.status !== 0 || !line) throw new Error(`${mode} failed (exit ${result.status}):\n${result.stderr.slice(-4000)}`)
        samples.push({ ...JSON.parse(line.slice(marker.length + 1)), wallSeconds: result.wallSeconds })
      }
      const pick = (key) => median(samples.map((sample) => sample[key]))
      console.log(`${mode.padEnd(7)} ${String(samples[0].rows).padEnd(11)} ${pick('wallSeconds').toFixed(2).padStart(6)}  ${pick('seconds').toFixed(2).padStart(12)}  ${pick('cpuSeconds').toFixed(2).padStart(5)}  ${String(pick('maxRssMb')).padStart(11)}`)
      if (samples[0].rows !== rows) throw new Error(`${mode} read ${samples[0].rows} rows, expected ${rows}`)
    }
  } finally {
    if (folder) await rm(folder, { recursive: true, force: true })
  }
}

if (values.child) await child(values.child)
else await main()
