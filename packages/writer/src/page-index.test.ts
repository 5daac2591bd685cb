import { defineSchema, pageviewsSchema, queryPerfSchema, type Row } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { duckDbQuery, readParquetRows, useTempDir } from '@parquetry/testing'
import { parquetMetadata, readColumnIndex, readOffsetIndex, type ColumnChunk, type FileMetaData, type SchemaElement } from 'hyparquet'
import { hashParquetValue, readBloomFilter, sbbfContains } from 'hyparquet/src/bloom.js'
import { readFile } from 'node:fs/promises'
import { beforeAll, describe, expect, it } from 'vitest'
import { readWithArrow } from '../test/arrow.js'
import { writeParquet, type ParquetWriterOptions } from './parquet-file-writer.js'

// The page index (column and offset indexes), bloom filters and page size:
// files written with them read back value for value in DuckDB, hyparquet and
// arrow-rs, and what they carry is checked against the rows themselves —
// each page's place, first row, bounds and null count; each row group's
// bloom filter against every value it holds, and against values it does not.
const dir = useTempDir()

const slugs = Array.from({ length: 40 }, (_, index) => `project-${String(index).padStart(2, '0')}`)
const versions = ['latest', 'stable', 'v1.0']
const ROWS = 30_000
const ROW_GROUP = 10_000

/** Page views of one day: 40 projects in turn, one project only in the first row group, a version missing in one row of ten. */
function pageviews(count: number): Row[] {
  return Array.from({ length: count }, (_, index) => {
    const slug = index < ROW_GROUP && index % 100 === 7 ? 'first-group-only' : (slugs[(index * 7919) % slugs.length] as string)
    const version = index % 10 === 3 ? null : index % 3
    const path = `/guide/section-${index % 7}/page-${(index * 31) % 997}.html`
    return {
      id: BigInt(index + 1),
      project_id: 1 + ((index * 7919) % slugs.length),
      project_slug: slug,
      version_id: version === null ? null : 100 + version,
      version_slug: version === null ? null : (versions[version] as string),
      path,
      full_path: version === null ? null : `/en/${versions[version]}${path}`,
      view_count: 1 + ((index * 13) % 500),
      date: '2026-01-10',
      status: index % 20 === 0 ? 404 : 200,
    }
  })
}

const rows = pageviews(ROWS)

async function write(name: string, options: Partial<ParquetWriterOptions> & { rows?: readonly Row[] } = {}): Promise<string> {
  const storage = createLocalStorage({ root: dir.path })
  const result = await writeParquet({ schema: pageviewsSchema, rows: rows, rowGroupSize: ROW_GROUP, verify: 'full', ...options, sink: await storage.createSink(name) })
  return storage.resolvePath(result.path)
}

async function footer(path: string): Promise<{ bytes: ArrayBuffer; metadata: FileMetaData }> {
  const file = await readFile(path)
  const bytes = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer
  return { bytes, metadata: parquetMetadata(bytes) }
}

function element(metadata: FileMetaData, column: string): SchemaElement {
  return metadata.schema.find((candidate) => candidate.name === column) as SchemaElement
}

function chunkOf(metadata: FileMetaData, group: number, column: string): ColumnChunk {
  return metadata.row_groups[group]?.columns.find((chunk) => chunk.meta_data?.path_in_schema[0] === column) as ColumnChunk
}

const view = (bytes: ArrayBuffer, offset: bigint | number | undefined, length: number | undefined) => ({ view: new DataView(bytes, Number(offset), length), offset: 0 })
// Raw values in column indexes, as the rows hold them (days and microseconds, not Dates).
const rawParsers = { dateFromDays: (days: number) => days, timestampFromMicroseconds: (micros: bigint) => micros, timestampFromMilliseconds: (millis: bigint) => millis }

/** Each page of a chunk as rows of the row group: [first, end). */
function pageRows(bytes: ArrayBuffer, chunk: ColumnChunk, groupRows: number): [number, number][] {
  const offsets = readOffsetIndex(view(bytes, chunk.offset_index_offset, chunk.offset_index_length))
  const firsts = offsets.page_locations.map((location) => Number(location.first_row_index))
  return firsts.map((first, index) => [first, firsts[index + 1] ?? groupRows])
}

describe('page index and bloom filters (pageviews: project_slug and path marked)', () => {
  let indexed: string
  beforeAll(async () => {
    // 2 KiB pages: 512 dictionary indexes or 256 int64s a page, so every chunk has many.
    indexed = await write('indexed.parquet', { pageIndex: true, pageSize: 2048 })
  })

  it('reads back value for value in DuckDB, hyparquet and arrow-rs', async () => {
    const duck = await duckDbQuery('SELECT * EXCLUDE (date), strftime(date, \'%Y-%m-%d\') AS date FROM read_parquet($1) ORDER BY id', [indexed])
    expect(duck).toEqual(rows)
    const days = 20_463 // 2026-01-10
    expect(await readParquetRows(indexed)).toEqual(rows.map((row) => ({ ...row, date: days })))
    const arrow = await readWithArrow(indexed)
    expect(arrow.rows).toEqual(rows.map((row) => ({ ...row, date: days })))
  }, 60_000)

  it('splits every column chunk into pages and locates each in an offset index', async () => {
    const { bytes, metadata } = await footer(indexed)
    const duck = await duckDbQuery('SELECT row_group_id AS g, path_in_schema AS c, dictionary_page_offset AS d, data_page_offset AS p, total_compressed_size AS n FROM parquet_metadata($1)', [indexed])
    expect(metadata.row_groups).toHaveLength(3)
    for (const [group, rowGroup] of metadata.row_groups.entries()) {
      for (const chunk of rowGroup.columns) {
        const meta = chunk.meta_data!
        const column = meta.path_in_schema[0] as string
        const offsets = readOffsetIndex(view(bytes, chunk.offset_index_offset, chunk.offset_index_length))
        const pages = offsets.page_locations
        expect(pages.length, `${column} in row group ${group}`).toBeGreaterThan(4)
        // Pages follow one another from the chunk's first data page to its end, as DuckDB's footer reading says too.
        const listed = duck.find((row) => row['g'] === BigInt(group) && row['c'] === column) as Record<string, bigint | null>
        expect(pages[0]?.offset).toBe(listed['p'])
        expect(meta.data_page_offset).toBe(listed['p'])
        const start = listed['d'] ?? (listed['p'] as bigint)
        for (let index = 1; index < pages.length; index++) {
          expect(pages[index]?.offset).toBe((pages[index - 1]?.offset as bigint) + BigInt(pages[index - 1]?.compressed_page_size as number))
          expect(pages[index]?.first_row_index).toBeGreaterThan(pages[index - 1]?.first_row_index as bigint)
        }
        const last = pages.at(-1)!
        expect(last.offset + BigInt(last.compressed_page_size)).toBe(start + (listed['n'] as bigint))
        expect(pages[0]?.first_row_index).toBe(0n)
        expect(last.first_row_index).toBeLessThan(BigInt(ROW_GROUP))
      }
    }
  })

  it('writes a column index whose bounds and null counts hold for the rows of each page', async () => {
    const { bytes, metadata } = await footer(indexed)
    for (const [group, rowGroup] of metadata.row_groups.entries()) {
      const groupRows = rows.slice(group * ROW_GROUP, (group + 1) * ROW_GROUP)
      for (const chunk of rowGroup.columns) {
        const column = chunk.meta_data!.path_in_schema[0] as string
        const index = readColumnIndex(view(bytes, chunk.column_index_offset, chunk.column_index_length), element(metadata, column), rawParsers as never)
        const pages = pageRows(bytes, chunk, groupRows.length)
        expect(index.null_pages).toHaveLength(pages.length)
        for (const [page, [first, end]] of pages.entries()) {
          const values = groupRows.slice(first, end).map((row) => (column === 'date' ? 20_463 : row[column]))
          const present = values.filter((value) => value !== null) as (string | number | bigint)[]
          const where = `${column}, row group ${group}, page ${page}`
          expect(index.null_counts?.[page], where).toBe(BigInt(values.length - present.length))
          expect(index.null_pages[page], where).toBe(present.length === 0)
          const min = present.reduce((a, b) => (b < a ? b : a))
          const max = present.reduce((a, b) => (b > a ? b : a))
          const low = index.min_values[page] as unknown as string | number | bigint
          const high = index.max_values[page] as unknown as string | number | bigint
          if (typeof min === 'string') {
            // Strings past 16 bytes are cut: the bounds still hold every value (the cut max is rounded up).
            expect(low <= min && high >= max, `${where}: ${low}..${high} holds ${min}..${max}`).toBe(true)
            expect(min.startsWith(low as string), where).toBe(true)
          } else {
            expect([low, high], where).toEqual([min, max])
          }
        }
        // Ids only grow: readers can binary-search the pages.
        if (column === 'id') expect(index.boundary_order).toBe('ASCENDING')
      }
    }
  })

  it('DuckDB finds values in the bloom filters of the row groups holding them, and rules out most others', async () => {
    for (const column of ['project_slug', 'path'] as const) {
      // Every project, one path in twenty (hyparquet checks them all, below).
      const present = [...new Set(rows.map((row) => row[column] as string))].filter((_, index) => column === 'project_slug' || index % 20 === 0)
      const held = new Map<string, Set<bigint>>()
      for (const [index, row] of rows.entries()) {
        const value = row[column] as string
        if (!held.has(value)) held.set(value, new Set())
        held.get(value)?.add(BigInt(Math.floor(index / ROW_GROUP)))
      }
      for (const value of present) {
        const probed = await duckDbQuery('SELECT row_group_id AS g, bloom_filter_excludes AS excludes FROM parquet_bloom_probe($1, $2, $3) ORDER BY 1', [indexed, column, value])
        expect(probed).toHaveLength(3)
        for (const { g, excludes } of probed) if (held.get(value)?.has(g as bigint)) expect(excludes, `${column} = ${value} in row group ${g}`).toBe(false)
      }
      let excluded = 0
      let probes = 0
      for (let index = 0; index < 100; index++) {
        for (const { excludes } of await duckDbQuery('SELECT bloom_filter_excludes AS excludes FROM parquet_bloom_probe($1, $2, $3)', [indexed, column, `/absent/${column}-${index}`])) {
          probes++
          if (excludes === true) excluded++
        }
      }
      // 1% false positives at most, by design; a 0.9 floor keeps the test about correctness, not luck.
      expect(excluded / probes).toBeGreaterThan(0.9)
    }
    // The project only the first row group holds is ruled out of the other two.
    expect(await duckDbQuery('SELECT row_group_id AS g, bloom_filter_excludes AS excludes FROM parquet_bloom_probe($1, $2, $3) ORDER BY 1', [indexed, 'project_slug', 'first-group-only'])).toEqual([
      { g: 0n, excludes: false },
      { g: 1n, excludes: true },
      { g: 2n, excludes: true },
    ])
  }, 60_000)

  it('hyparquet reads the same bloom filters, on the marked columns only', async () => {
    const { bytes, metadata } = await footer(indexed)
    for (const [group, rowGroup] of metadata.row_groups.entries()) {
      const groupRows = rows.slice(group * ROW_GROUP, (group + 1) * ROW_GROUP)
      for (const chunk of rowGroup.columns) {
        const column = chunk.meta_data!.path_in_schema[0] as string
        if (column !== 'project_slug' && column !== 'path') {
          expect(chunk.meta_data?.bloom_filter_offset, column).toBeUndefined()
          continue
        }
        const filter = readBloomFilter(view(bytes, chunk.meta_data?.bloom_filter_offset, chunk.meta_data?.bloom_filter_length))
        expect(filter, column).toBeDefined()
        for (const value of new Set(groupRows.map((row) => row[column]))) {
          expect(sbbfContains(filter!.blocks, hashParquetValue(value, element(metadata, column)) as bigint), `${column} = ${String(value)}`).toBe(true)
        }
      }
    }
  })

  it('DuckDB answers filters on the marked columns with the rows that match', async () => {
    for (const slug of ['first-group-only', 'project-07', 'absent-project']) {
      const matching = rows.filter((row) => row['project_slug'] === slug)
      const sum = matching.reduce((total, row) => total + BigInt(row['view_count'] as number), 0n)
      expect(await duckDbQuery('SELECT count(*) AS n, sum(view_count) AS views FROM read_parquet($1) WHERE project_slug = $2', [indexed, slug])).toEqual([
        { n: BigInt(matching.length), views: matching.length ? sum : null },
      ])
    }
    const path = rows[12_345]?.['path'] as string
    expect(await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1) WHERE path = $2', [indexed, path])).toEqual([{ n: BigInt(rows.filter((row) => row['path'] === path).length) }])
  })

  it('without the page index or bloom filters, the same values and neither structure', async () => {
    const plain = await write('plain.parquet', { pageIndex: false, bloomFilters: false, pageSize: 2048 })
    const { metadata } = await footer(plain)
    for (const rowGroup of metadata.row_groups) {
      for (const chunk of rowGroup.columns) {
        expect(chunk.column_index_offset).toBeUndefined()
        expect(chunk.offset_index_offset).toBeUndefined()
        expect(chunk.meta_data?.bloom_filter_offset).toBeUndefined()
      }
    }
    expect(await duckDbQuery('SELECT count(*) AS n FROM (SELECT * FROM read_parquet($1) EXCEPT ALL SELECT * FROM read_parquet($2))', [plain, indexed])).toEqual([{ n: 0n }])
    expect(await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1)', [plain])).toEqual([{ n: BigInt(ROWS) }])
  })

  it('the encoder thread writes the same bytes, page index and bloom filters included', async () => {
    const threaded = await write('threaded.parquet', { pageIndex: true, pageSize: 2048, encoderThread: true })
    expect((await readFile(threaded)).equals(await readFile(indexed))).toBe(true)
  }, 60_000)

  it('a list of columns gets bloom filters instead of the marked ones', async () => {
    const named = await write('named.parquet', { bloomFilters: ['status', 'project_id'] })
    const listed = await duckDbQuery('SELECT DISTINCT path_in_schema AS c FROM parquet_metadata($1) WHERE bloom_filter_offset IS NOT NULL ORDER BY 1', [named])
    expect(listed).toEqual([{ c: 'project_id' }, { c: 'status' }])
    expect(await duckDbQuery('SELECT bool_or(bloom_filter_excludes) AS excludes FROM parquet_bloom_probe($1, $2, $3)', [named, 'status', 404])).toEqual([{ excludes: false }])
    expect(await duckDbQuery('SELECT bool_and(bloom_filter_excludes) AS excludes FROM parquet_bloom_probe($1, $2, $3)', [named, 'status', 500])).toEqual([{ excludes: true }])
  })

  it('the page size sets how many pages a chunk has', async () => {
    const pageCount = async (path: string) => {
      const { bytes, metadata } = await footer(path)
      const chunk = chunkOf(metadata, 0, 'id')
      return chunk.offset_index_offset === undefined ? 1 : pageRows(bytes, chunk, ROW_GROUP).length
    }
    // 10,000 int64 ids are 80,000 bytes as hyparquet-writer reckons a page: a page ends on the value that reaches the size.
    expect(await pageCount(await write('pages-8k.parquet', { pageSize: 8192 }))).toBe(10)
    expect(await pageCount(await write('pages-50k.parquet', { pageSize: 50_000 }))).toBe(2)
    expect(await pageCount(await write('pages-1m.parquet', { pageSize: 1 << 20 }))).toBe(1)
  }, 60_000)
})

describe('query_perf: marked columns holding nulls, sorted timestamps', () => {
  it('bloom filters on query_hash and table_name, an ascending column index on timestamp', async () => {
    const start = 1_761_609_600_000_000n // 2025-10-28T00:00:00Z
    const tables = ['embeddings', 'documents', null, 'users']
    const made: Row[] = Array.from({ length: 5000 }, (_, index) => ({
      timestamp: start + BigInt(index) * 1_000_003n,
      query_hash: ((index * 2_654_435_761) >>> 0).toString(16).padStart(8, '0').slice(0, 6),
      query_type: 'SELECT',
      execution_time_ms: (index % 977) / 10,
      rows_examined: BigInt(index * 3),
      rows_returned: null,
      cache_hit: index % 2 === 0,
      table_name: tables[index % 4] as string | null,
      index_used: null,
      cpu_time_ms: null,
      io_wait_ms: null,
      date_partition: '2025-10-28',
    }))
    const storage = createLocalStorage({ root: dir.path })
    const result = await writeParquet({ schema: queryPerfSchema, rows: made, sink: await storage.createSink('query_perf.parquet'), rowGroupSize: 2500, pageSize: 4096, verify: 'full' })
    const path = storage.resolvePath(result.path)
    const withBlooms = await duckDbQuery('SELECT DISTINCT path_in_schema AS c FROM parquet_metadata($1) WHERE bloom_filter_offset IS NOT NULL ORDER BY 1', [path])
    expect(withBlooms).toEqual([{ c: 'query_hash' }, { c: 'table_name' }])
    for (const table of ['embeddings', 'documents', 'users']) {
      expect(await duckDbQuery('SELECT bool_or(bloom_filter_excludes) AS excludes FROM parquet_bloom_probe($1, $2, $3)', [path, 'table_name', table])).toEqual([{ excludes: false }])
    }
    expect(await duckDbQuery('SELECT bool_and(bloom_filter_excludes) AS excludes FROM parquet_bloom_probe($1, $2, $3)', [path, 'table_name', 'orders'])).toEqual([{ excludes: true }])
    const hash = made[4321]?.['query_hash'] as string
    expect(await duckDbQuery('SELECT row_group_id AS g, bloom_filter_excludes AS excludes FROM parquet_bloom_probe($1, $2, $3) ORDER BY 1', [path, 'query_hash', hash])).toContainEqual({ g: 1n, excludes: false })

    const { bytes, metadata } = await footer(path)
    for (const [group, rowGroup] of metadata.row_groups.entries()) {
      const chunk = chunkOf(metadata, group, 'timestamp')
      const index = readColumnIndex(view(bytes, chunk.column_index_offset, chunk.column_index_length), element(metadata, 'timestamp'), rawParsers as never)
      expect(index.boundary_order).toBe('ASCENDING')
      const pages = pageRows(bytes, rowGroup.columns[0] as ColumnChunk, 2500)
      expect(pages.length).toBeGreaterThan(1)
      const groupRows = made.slice(group * 2500, (group + 1) * 2500)
      expect(index.min_values).toEqual(pages.map(([first]) => groupRows[first]?.['timestamp']))
      expect(index.max_values).toEqual(pages.map(([, end]) => groupRows[end - 1]?.['timestamp']))
    }
    expect(await readParquetRows(path)).toEqual(made.map((row) => ({ ...row, date_partition: 20_389 })))
  })
})

describe('options', () => {
  it('refuses a bad page size and bloom filters on a column that is missing or cannot have one', async () => {
    const storage = createLocalStorage({ root: dir.path })
    const withJson = defineSchema({ name: 'events', columns: [{ name: 'id', type: 'int64' }, { name: 'payload', type: 'json' }] })
    await expect(writeParquet({ schema: pageviewsSchema, rows: [], pageSize: 0, sink: await storage.createSink('bad-1.parquet') })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'pageSize must be a positive integer, got 0',
    })
    await expect(writeParquet({ schema: pageviewsSchema, rows: [], bloomFilters: ['project'], sink: await storage.createSink('bad-2.parquet') })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'bloomFilters: schema pageviews has no column "project"',
    })
    await expect(writeParquet({ schema: withJson, rows: [], bloomFilters: ['payload'], sink: await storage.createSink('bad-3.parquet') })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('bloomFilters: column payload is json'),
    })
    expect(await duckDbQuery('SELECT count(*) AS n FROM glob($1)', [`${dir.path}/bad-*`])).toEqual([{ n: 0n }])
  })
})
