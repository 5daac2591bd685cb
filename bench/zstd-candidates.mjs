// Compares zstd packages for writing ZSTD Parquet on Node 20, whose node:zlib
// has no zstd (zstdCompressSync arrived in Node 22.15): the measurement behind
// @parquetry/writer's choice. Each candidate is installed with npm into a
// folder of its own (not the workspace), then compresses the column chunks of
// a query_perf file written UNCOMPRESSED by @parquetry/writer (its pages, as
// the writer hands them to a compressor, headers included), and decompresses
// them again to check the round trip. Prints install outcome and size, load
// time, compression speed and ratio, decompression speed.
//
//   node bench/zstd-candidates.mjs [--rows N] [--level L] [--candidates DIR]
//
// --candidates keeps the installed packages in DIR (and reuses them next time);
// by default they go to a temp folder, removed afterwards.
import { queryPerfSchema } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { writeParquet } from '@parquetry/writer'
import { DuckDBInstance } from '@duckdb/node-api'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as zlib from 'node:zlib'
import { importFrom, installInto, requireFrom } from './lib/npm-prefix.mjs'
import { queryPerfRows } from './lib/query-perf-rows.mjs'

const { values } = parseArgs({ options: { rows: { type: 'string' }, level: { type: 'string' }, candidates: { type: 'string' } } })
const rows = Number(values.rows ?? 1_000_000)
const level = Number(values.level ?? 3)
const work = await mkdtemp(join(tmpdir(), 'parquetry-zstd-'))
const candidatesDir = values.candidates ?? join(work, 'candidates')

// Each candidate: what to install, and how to get a synchronous compress/decompress pair.
const candidates = [
  {
    name: 'zstd-napi', specs: ['zstd-napi@0.0.13'], kind: 'native (node-gyp build from source here)',
    load: async (dir) => {
      const zstd = requireFrom(dir, 'zstd-napi')
      return { compress: (input) => zstd.compress(input, { compressionLevel: level }), decompress: (input) => zstd.decompress(input) }
    },
  },
  {
    name: '@toondepauw/node-zstd', specs: ['@toondepauw/node-zstd@1.2.0'], kind: 'native (napi-rs, prebuilt per platform)',
    load: async (dir) => {
      const { Encoder, Decoder } = requireFrom(dir, '@toondepauw/node-zstd')
      const encoder = new Encoder(level)
      const decoder = new Decoder()
      return { compress: (input) => encoder.encodeSync(Buffer.from(input.buffer, input.byteOffset, input.byteLength)), decompress: (input) => decoder.decodeSync(input) }
    },
  },
  {
    name: '@mongodb-js/zstd', specs: ['@mongodb-js/zstd@7.0.0'], kind: 'native (prebuild download or source build)',
    // Its API is asynchronous only; measured (awaited per page) for comparison if it installs.
    async: true,
    load: async (dir) => {
      const zstd = requireFrom(dir, '@mongodb-js/zstd')
      return { compress: (input) => zstd.compress(Buffer.from(input), level), decompress: (input) => zstd.decompress(input) }
    },
  },
  {
    name: '@bokuweb/zstd-wasm', specs: ['@bokuweb/zstd-wasm@0.0.27'], kind: 'wasm (sync after async init)',
    load: async (dir) => {
      const zstd = await importFrom(dir, '@bokuweb/zstd-wasm')
      await zstd.init()
      return { compress: (input) => zstd.compress(input, level), decompress: (input) => zstd.decompress(input) }
    },
  },
  {
    name: '@hpcc-js/wasm-zstd', specs: ['@hpcc-js/wasm-zstd@1.12.5'], kind: 'wasm (sync after async load)',
    load: async (dir) => {
      const { Zstd } = await importFrom(dir, '@hpcc-js/wasm-zstd')
      const zstd = await Zstd.load()
      return { compress: (input) => zstd.compress(input, level), decompress: (input) => zstd.decompress(input) }
    },
  },
  {
    name: 'zstd-codec', specs: ['zstd-codec@0.1.5'], kind: 'wasm/asm.js (emscripten, sync after async init)',
    load: async (dir) => {
      const { ZstdCodec } = requireFrom(dir, 'zstd-codec')
      const zstd = await new Promise((resolve) => ZstdCodec.run(resolve))
      const simple = new zstd.Simple()
      return { compress: (input) => simple.compress(input, level), decompress: (input) => simple.decompress(input) }
    },
  },
]

// References: what the writer already uses, from node:zlib.
const references = [
  { name: 'node:zlib gzip (GZIP, level 6)', compress: (input) => zlib.gzipSync(input), decompress: (input) => zlib.gunzipSync(input) },
  {
    name: 'node:zlib brotli (BROTLI, quality 5)',
    compress: (input) => zlib.brotliCompressSync(input, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: input.length } }),
    decompress: (input) => zlib.brotliDecompressSync(input),
  },
]
if (typeof zlib.zstdCompressSync === 'function') {
  references.push({
    name: `node:zlib zstd (level ${level})`,
    compress: (input) => zlib.zstdCompressSync(input, { params: { [zlib.constants.ZSTD_c_compressionLevel]: level } }),
    decompress: (input) => zlib.zstdDecompressSync(input),
  })
}

// The pages: column chunks of an uncompressed query_perf file.
const storage = createLocalStorage({ root: work })
const written = await writeParquet({ schema: queryPerfSchema, rows: queryPerfRows(rows), sink: await storage.createSink('q.parquet'), codec: 'UNCOMPRESSED' })
const path = storage.resolvePath(written.path)
const instance = await DuckDBInstance.create(':memory:')
const connection = await instance.connect()
const chunks = (
  await connection.runAndReadAll('SELECT coalesce(dictionary_page_offset, data_page_offset) AS start, total_compressed_size AS size FROM parquet_metadata($1)', [path])
).getRowObjectsJson()
connection.closeSync()
instance.closeSync()
const file = await open(path)
const pages = []
for (const chunk of chunks) {
  const bytes = new Uint8Array(Number(chunk.size))
  await file.read(bytes, 0, bytes.length, Number(chunk.start))
  pages.push(bytes)
}
await file.close()
const inputBytes = pages.reduce((sum, page) => sum + page.length, 0)
console.log(`input: ${rows.toLocaleString('en-US')} query_perf rows, ${pages.length} column chunks, ${(inputBytes / 1e6).toFixed(1)} MB uncompressed; zstd level ${level}; Node ${process.version}`)
console.log()

async function measure(codec) {
  const compressOnce = async () => {
    const out = []
    for (const page of pages) out.push(codec.async ? await codec.compress(page) : codec.compress(page))
    return out
  }
  let compressed = await compressOnce() // warm-up, and the output checked below
  let rounds = 0
  let started = performance.now()
  while (performance.now() - started < 2000 || rounds < 2) {
    compressed = await compressOnce()
    rounds++
  }
  const compressSeconds = (performance.now() - started) / 1000 / rounds
  for (let index = 0; index < pages.length; index++) {
    const back = await codec.decompress(compressed[index])
    if (Buffer.compare(Buffer.from(back), Buffer.from(pages[index])) !== 0) throw new Error(`round trip differs on chunk ${index}`)
  }
  rounds = 0
  started = performance.now()
  while (performance.now() - started < 1000 || rounds < 2) {
    for (const page of compressed) await codec.decompress(page)
    rounds++
  }
  const decompressSeconds = (performance.now() - started) / 1000 / rounds
  const outputBytes = compressed.reduce((sum, page) => sum + page.length, 0)
  return { ratio: inputBytes / outputBytes, compressMbs: inputBytes / 1e6 / compressSeconds, decompressMbs: inputBytes / 1e6 / decompressSeconds, outputBytes }
}

const table = []
for (const candidate of candidates) {
  const dir = join(candidatesDir, candidate.name.replace(/[@/]/g, '_'))
  const installed = await installInto(dir, candidate.specs)
  const row = { candidate: `${candidate.specs.join(' ')}`, kind: candidate.kind, sync: candidate.async ? 'no' : 'yes' }
  if (!installed.ok) {
    table.push({ ...row, install: `FAILED: ${installed.error.slice(0, 120)}` })
    continue
  }
  row.install = `ok, ${(installed.bytes / 1e6).toFixed(1)} MB`
  try {
    const started = performance.now()
    const codec = { ...(await candidate.load(dir)), async: candidate.async }
    row['load ms'] = (performance.now() - started).toFixed(0)
    const result = await measure(codec)
    Object.assign(row, {
      ratio: result.ratio.toFixed(2),
      'compress MB/s': result.compressMbs.toFixed(0),
      'decompress MB/s': result.decompressMbs.toFixed(0),
    })
  } catch (error) {
    row.install += `; RUN FAILED: ${String(error.message ?? error).slice(0, 100)}`
  }
  table.push(row)
}
for (const reference of references) {
  const result = await measure(reference)
  table.push({
    candidate: reference.name, kind: 'reference', sync: 'yes', install: 'built in',
    ratio: result.ratio.toFixed(2), 'compress MB/s': result.compressMbs.toFixed(0), 'decompress MB/s': result.decompressMbs.toFixed(0),
  })
}

const columns = ['candidate', 'kind', 'sync', 'install', 'load ms', 'ratio', 'compress MB/s', 'decompress MB/s']
console.log(`| ${columns.join(' | ')} |`)
console.log(`|${columns.map(() => '---').join('|')}|`)
for (const row of table) console.log(`| ${columns.map((column) => row[column] ?? '').join(' | ')} |`)
await rm(work, { recursive: true, force: true })
