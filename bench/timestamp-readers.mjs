// What each Parquet reader here makes of a timestamp column, for the three
// ways of annotating it: the measurement behind @parquetry/schema's choice of
// TIMESTAMP(isAdjustedToUTC=false) + TIMESTAMP_MICROS. Writes one small file
// per variant (hyparquet-writer), then prints, per reader, the column's type
// and how the value 2025-10-28T00:15:23.123456Z comes back.
//
//   node bench/timestamp-readers.mjs [--readers DIR]
//
// The readers other than DuckDB are installed with npm into a folder of their
// own (--readers keeps it for the next run): hyparquet, parquet-wasm (arrow-rs)
// with apache-arrow to decode its output, and nodejs-polars with its native
// package for this platform (it declares Node >= 22; it is tried on this Node).
import { DuckDBInstance } from '@duckdb/node-api'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { importFrom, installInto, requireFrom } from './lib/npm-prefix.mjs'

const { values } = parseArgs({ options: { readers: { type: 'string' } } })
const work = await mkdtemp(join(tmpdir(), 'parquetry-timestamps-'))
const readersDir = values.readers ?? join(work, 'readers')

const micros = 1761610523123456n // 2025-10-28T00:15:23.123456Z
const variants = {
  'converted TIMESTAMP_MICROS only (Parquetry before)': { converted_type: 'TIMESTAMP_MICROS' },
  'logical isAdjustedToUTC=true + TIMESTAMP_MICROS': { converted_type: 'TIMESTAMP_MICROS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' } },
  'logical isAdjustedToUTC=false + TIMESTAMP_MICROS (chosen)': { converted_type: 'TIMESTAMP_MICROS', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' } },
}

const base = await installInto(join(readersDir, 'base'), ['hyparquet@1.31.5', 'hyparquet-writer@0.17.0', 'parquet-wasm@0.8.0', 'apache-arrow@21.2.0'])
if (!base.ok) throw new Error(`installing hyparquet, hyparquet-writer, parquet-wasm, apache-arrow failed: ${base.error}`)
const polarsSpecs = ['nodejs-polars@0.26.1']
if (process.platform === 'linux') polarsSpecs.push(`nodejs-polars-linux-${process.arch}-gnu@0.26.1`)
const polarsInstall = await installInto(join(readersDir, 'polars'), polarsSpecs)

const { ByteWriter, ParquetWriter } = await importFrom(join(readersDir, 'base'), 'hyparquet-writer')
const { parquetMetadata, parquetReadObjects } = await importFrom(join(readersDir, 'base'), 'hyparquet')
const { readParquet } = requireFrom(join(readersDir, 'base'), 'parquet-wasm/node')
const { tableFromIPC } = requireFrom(join(readersDir, 'base'), 'apache-arrow')
let polars
let polarsProblem
try {
  if (!polarsInstall.ok) throw new Error(`install failed: ${polarsInstall.error}`)
  polars = requireFrom(join(readersDir, 'polars'), 'nodejs-polars')
} catch (error) {
  polarsProblem = String(error.message ?? error).split('\n')[0]
}

const instance = await DuckDBInstance.create(':memory:')
const connection = await instance.connect()
const duck = async (sql, params) => (await connection.runAndReadAll(sql, params)).getRowObjectsJson()

const table = []
for (const [name, annotation] of Object.entries(variants)) {
  const writer = new ByteWriter()
  const parquet = new ParquetWriter({ writer, schema: [{ name: 'root', num_children: 1 }, { name: 'ts', type: 'INT64', repetition_type: 'REQUIRED', ...annotation }] })
  parquet.write({ columnData: [{ name: 'ts', data: [micros] }] })
  parquet.finish()
  const bytes = writer.getBytes()
  const path = join(work, `${table.length}.parquet`)
  await writeFile(path, bytes)

  const [described] = await duck('DESCRIBE SELECT ts FROM read_parquet($1)', [path])
  const [shown] = await duck('SELECT ts::VARCHAR AS v FROM read_parquet($1)', [path])
  await duck("SET TimeZone = 'Asia/Bangkok'")
  const [shownBangkok] = await duck('SELECT ts::VARCHAR AS v FROM read_parquet($1)', [path])
  await duck("SET TimeZone = 'UTC'")
  table.push({ variant: name, reader: 'DuckDB 1.5 (@duckdb/node-api)', type: described.column_type, value: `${shown.v} (TimeZone=Asia/Bangkok: ${shownBangkok.v})` })

  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  const element = parquetMetadata(buffer).schema[1]
  const [row] = await parquetReadObjects({ file: buffer })
  table.push({
    variant: name,
    reader: 'hyparquet 1.31.5',
    type: element.logical_type ? `logical ${JSON.stringify(element.logical_type)}` : `converted ${element.converted_type}`,
    value: `${row.ts?.constructor?.name} ${row.ts instanceof Date ? row.ts.toISOString() : String(row.ts)}`,
  })

  try {
    const arrow = tableFromIPC(readParquet(bytes).intoIPCStream())
    const column = arrow.getChild('ts')
    table.push({ variant: name, reader: 'parquet-wasm 0.8.0 (arrow-rs)', type: String(arrow.schema.fields[0].type), value: `${column.data[0].values[0]} µs` })
  } catch (error) {
    table.push({ variant: name, reader: 'parquet-wasm 0.8.0 (arrow-rs)', type: 'ERROR', value: String(error.message ?? error) })
  }

  if (polars) {
    try {
      const frame = polars.readParquet(Buffer.from(bytes))
      table.push({ variant: name, reader: 'nodejs-polars 0.26.1', type: String(frame.getColumn('ts').dtype), value: String(frame.getColumn('ts').toArray()[0]?.toISOString?.() ?? frame.getColumn('ts').toArray()[0]) })
    } catch (error) {
      table.push({ variant: name, reader: 'nodejs-polars 0.26.1', type: 'ERROR', value: String(error.message ?? error).split('\n')[0] })
    }
  }
}
connection.closeSync()
instance.closeSync()

console.log(`A timestamp column holding ${micros} µs (2025-10-28T00:15:23.123456Z); Node ${process.version}`)
if (polarsProblem) console.log(`nodejs-polars: not measured: ${polarsProblem}`)
console.log()
console.log('| annotation | reader | type | value |')
console.log('|---|---|---|---|')
for (const row of table) console.log(`| ${row.variant} | ${row.reader} | ${row.type} | ${row.value} |`)
await rm(work, { recursive: true, force: true })
