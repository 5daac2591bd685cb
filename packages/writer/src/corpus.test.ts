import { queryPerfSchema } from '@parquetry/schema'
import { openFileObject } from '@parquetry/storage'
import { corpusDir, duckDbQuery } from '@parquetry/testing'
import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkFooter, readFooter } from './footer.js'

// Parquet files written by others (apache/parquet-testing), beside the repository in ../shared/corpus.
const corpus = corpusDir('parquet')
const files = readdirSync(corpus, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.parquet'))
  .sort()
  .map((file) => join(corpus, file))

// Files whose footer itself is corrupt: readFooter must fail cleanly on them.
const corruptFooters = new Set(['parquet-testing/bad_data/PARQUET-1481.parquet'])
// A footer hyparquet parses but DuckDB 1.5 refuses ("MAP_KEY_VALUE requires two children").
const duckDbRefuses = new Set(['parquet-testing/data/map_no_value.parquet'])

describe('footers of the parquet-testing corpus', () => {
  it('finds the corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(45)
  })

  it.each(files.map((file) => [relative(corpus, file), file]))('%s: footer read agrees with DuckDB, or fails with VERIFY_FAILED', async (name, file) => {
    const object = await openFileObject(file)
    try {
      if (corruptFooters.has(name)) {
        await expect(readFooter(object)).rejects.toMatchObject({ code: 'VERIFY_FAILED' })
        await expect(duckDbQuery('SELECT num_rows FROM parquet_file_metadata($1)', [file])).rejects.toThrow()
        return
      }
      const footer = await readFooter(object)
      if (duckDbRefuses.has(name)) {
        await expect(duckDbQuery('SELECT num_rows FROM parquet_file_metadata($1)', [file])).rejects.toThrow('MAP_KEY_VALUE')
        expect(footer.numRows).toBe(3)
        return
      }
      const [duck] = await duckDbQuery('SELECT num_rows, num_row_groups FROM parquet_file_metadata($1)', [file])
      expect(footer.numRows).toBe(Number(duck?.['num_rows']))
      expect(footer.rowGroups).toBe(Number(duck?.['num_row_groups']))
      // Not Parquetry's: verification says so instead of guessing.
      expect(footer.parquetry).toBeUndefined()
      expect(() => checkFooter(footer, { schema: queryPerfSchema }, name)).toThrow(`${name}: no Parquetry metadata in the footer`)
    } finally {
      await object.close()
    }
  })
})
