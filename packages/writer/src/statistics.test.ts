import { defineSchema } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { duckDbQuery, useTempDir } from '@parquetry/testing'
import { parquetMetadata } from 'hyparquet'
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { writeParquet } from './parquet-file-writer.js'

// duckdb/duckdb#25521: DuckDB prunes row groups on min/max and ignores
// nan_count, so a row group whose max is 999 but which holds a NaN was
// skipped by `x > 1000` — although DuckDB orders NaN above every number and
// counts it when it reads the rows. The writer leaves min/max out of a chunk
// holding a NaN (patches/README.md), so every reader gets the same answer.
const schema = defineSchema({ name: 'nan_stats', columns: [{ name: 'x', type: 'double', nullable: false }] })
const dir = useTempDir()

describe('statistics of a DOUBLE column holding NaN', () => {
  it('plain DuckDB counts x > 1000 over the file as over the values themselves', async () => {
    // Three row groups of 10,000 rows: a NaN in the first (all else below 1000), one value over 1000 in each of the others.
    const values = Array.from({ length: 30_000 }, (_, index) => (index % 1000) + 0.5 - 1)
    values[4321] = Number.NaN
    values[15_000] = 1500
    values[25_000] = 2000.25
    const storage = createLocalStorage({ root: dir.path })
    const result = await writeParquet({ schema, rows: values.map((x) => ({ x })), sink: await storage.createSink('nan.parquet'), rowGroupSize: 10_000 })
    expect(result.rowGroups).toBe(3)
    const path = storage.resolvePath(result.path)

    // The footer: no bounds for the chunk holding the NaN, bounds for the others.
    const bytes = await readFile(path)
    const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
    const bounds = metadata.row_groups.map((group) => {
      const statistics = group.columns[0]?.meta_data?.statistics
      return { min: statistics?.min_value ?? statistics?.min, max: statistics?.max_value ?? statistics?.max, nulls: statistics?.null_count }
    })
    expect(bounds).toEqual([
      { min: undefined, max: undefined, nulls: 0n },
      { min: -0.5, max: 1500, nulls: 0n },
      { min: -0.5, max: 2000.25, nulls: 0n },
    ])
    expect(await duckDbQuery('SELECT row_group_id AS g, stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata($1) ORDER BY 1', [path])).toEqual([
      { g: 0n, lo: null, hi: null },
      { g: 1n, lo: '-0.5', hi: '1500.0' },
      { g: 2n, lo: '-0.5', hi: '2000.25' },
    ])

    // The right count is DuckDB's own over the values with no Parquet statistics involved (a table).
    await duckDbQuery(`CREATE OR REPLACE TABLE nan_values AS SELECT * FROM read_parquet($1)`, [path])
    const [fromTable] = await duckDbQuery('SELECT count(*) AS n FROM nan_values WHERE x > 1000')
    expect(fromTable).toEqual({ n: 3n }) // 1500, 2000.25 and the NaN (DuckDB: NaN > every number)
    expect(await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1) WHERE x > 1000', [path])).toEqual([fromTable])
    // Without the NaN, as IEEE comparisons count: the two values over 1000.
    expect(await duckDbQuery('SELECT count(*) AS n FROM read_parquet($1) WHERE x > 1000 AND NOT isnan(x)', [path])).toEqual([{ n: 2n }])
  })
})
