import { defineSchema, type Row } from '@parquetry/schema'
import { createLocalStorage } from '@parquetry/storage'
import { useTempDir } from '@parquetry/testing'
import { parquetMetadata, type FileMetaData } from 'hyparquet'
import { ByteWriter, ParquetWriter } from 'hyparquet-writer'
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import type { ParquetCodec } from './codecs.js'
import type { ByteSource } from './footer.js'
import { inspectParquetFile } from './inspect.js'
import { writeParquet } from './parquet-file-writer.js'
import { verifyParquetFile } from './verify.js'

const schema = defineSchema({
  name: 'inspected',
  columns: [
    { name: 'id', type: 'int64', nullable: false },
    { name: 'label', type: 'string' },
    { name: 'ratio', type: 'double' },
  ],
})
// Labels from a dictionary of 40; ratios with no repeats: PLAIN pages, so one damaged byte is one changed value.
const rows: Row[] = Array.from({ length: 3000 }, (_, index) => ({
  id: BigInt(index) * 7919n,
  label: index % 9 === 0 ? null : `label-of-a-query-perf-row-${index % 40}-${'x'.repeat((index % 40) % 13)}`,
  ratio: index % 11 === 0 ? null : Math.sin(index) * 1e6,
}))

const dir = useTempDir()

async function written(codec: ParquetCodec, name: string): Promise<{ bytes: Uint8Array; metadata: FileMetaData }> {
  const storage = createLocalStorage({ root: dir.path })
  const result = await writeParquet({ schema, rows, sink: await storage.createSink(name), codec, rowGroupSize: 1000 })
  const bytes = new Uint8Array(await readFile(storage.resolvePath(result.path)))
  return { bytes, metadata: parquetMetadata(bytes.slice().buffer) }
}

/** An in-memory file that records the size of every read. */
function source(bytes: Uint8Array): ByteSource & { reads: number[] } {
  const reads: number[] = []
  return {
    reads,
    byteLength: bytes.length,
    slice(start: number, end = bytes.length) {
      reads.push(end - start)
      return bytes.slice(start, end).buffer
    },
  }
}

/**
 * Where a column chunk's dictionary page or last data page ends: damage just
 * before it lands in the page's body, past its header (pages here are longer
 * than their headers, checked by the callers).
 */
function pageEnds(metadata: FileMetaData, rowGroup: number, column: number): { dictionary: number; data: number; dataStart: number } {
  const meta = metadata.row_groups[rowGroup]?.columns[column]?.meta_data
  if (!meta) throw new Error('no such chunk')
  const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset)
  return { dictionary: Number(meta.data_page_offset), data: start + Number(meta.total_compressed_size), dataStart: Number(meta.data_page_offset) }
}

describe('inspectParquetFile', () => {
  it('passes a sound file in both modes, reading in bounded slices', async () => {
    const { bytes } = await written('SNAPPY', 'sound.parquet')
    const file = source(bytes)
    const checked = await inspectParquetFile(file, { readSize: 4096 })
    expect(checked).toMatchObject({ problems: [], checksums: 'checked', chunksChecked: 9, chunksDecoded: 0 })
    expect(checked.footer?.parquetry?.rowCount).toBe(3000)
    // The footer read aside, no read is larger than readSize.
    const footerReads = file.reads.filter((size) => size > 4096)
    expect(footerReads.length).toBeLessThanOrEqual(1)
    expect(await inspectParquetFile(source(bytes), { mode: 'deep' })).toMatchObject({ problems: [], checksums: 'checked', chunksChecked: 9, chunksDecoded: 9 })
  })

  it('damaged data pages of a SNAPPY file: both modes name the row group and column', async () => {
    const { bytes, metadata } = await written('SNAPPY', 'snappy.parquet')
    const damaged = bytes.slice()
    // 37 bytes of 0xff at the end of column label's dictionary page: repeated text, so its snappy stream
    // holds copy tags, and 0xff read as one is a copy from far before the start.
    const ends = pageEnds(metadata, 1, 1)
    expect(metadata.row_groups[1]?.columns[1]?.meta_data?.dictionary_page_offset).toBeDefined()
    expect(ends.dictionary - Number(metadata.row_groups[1]?.columns[1]?.meta_data?.dictionary_page_offset)).toBeGreaterThan(200)
    damaged.fill(0xff, ends.dictionary - 40, ends.dictionary - 3)
    const checked = await inspectParquetFile(source(damaged))
    expect(checked.problems).toEqual([{ rowGroup: 1, column: 'label', reason: expect.stringMatching(/^checksum mismatch: the bytes' crc32 is 0x[0-9a-f]{8}, the footer records 0x[0-9a-f]{8}$/) }])
    const deep = await inspectParquetFile(source(damaged), { mode: 'deep' })
    expect(deep.problems).toEqual([
      checked.problems[0],
      { rowGroup: 1, column: 'label', reason: expect.stringMatching(/^decoding failed: /) },
    ])
    expect(deep.chunksDecoded).toBe(8)
    // The pre-commit check ('full') is the same machinery: the file is refused, naming the place.
    await expect(verifyParquetFile(source(damaged), { schema, rowCount: 3000, where: 'snappy.parquet' })).rejects.toMatchObject({
      code: 'VERIFY_FAILED',
      message: expect.stringContaining('snappy.parquet: row group 1, column label: checksum mismatch'),
    })
    // The export's pre-commit check ('checksums') reads every byte back without decoding: it refuses it too.
    await expect(verifyParquetFile(source(damaged), { schema, rowCount: 3000, where: 'snappy.parquet', mode: 'checksums' })).rejects.toMatchObject({
      code: 'VERIFY_FAILED',
      message: 'snappy.parquet: row group 1, column label: ' + checked.problems[0]?.reason,
    })
  })

  it('a damaged leading magic is a problem of the whole file', async () => {
    const { bytes } = await written('SNAPPY', 'magic.parquet')
    const damaged = bytes.slice()
    damaged[1] = 0x00
    expect((await inspectParquetFile(source(damaged))).problems).toEqual([{ reason: 'the file does not start with PAR1' }])
  })

  it('a damaged UNCOMPRESSED chunk that still decodes is caught by its checksum', async () => {
    const { bytes, metadata } = await written('UNCOMPRESSED', 'plain.parquet')
    const damaged = bytes.slice()
    // The last bytes of column ratio's data page: the high bytes of its last double (PLAIN).
    const ends = pageEnds(metadata, 2, 2)
    expect(ends.data - ends.dataStart).toBeGreaterThan(1000)
    damaged[ends.data - 2] = (damaged[ends.data - 2] as number) ^ 0x10
    const deep = await inspectParquetFile(source(damaged), { mode: 'deep' })
    // Every page still decodes to the right number of rows: only the checksum tells.
    expect(deep.chunksDecoded).toBe(9)
    expect(deep.problems).toEqual([{ rowGroup: 2, column: 'ratio', reason: expect.stringContaining('checksum mismatch') }])
  })

  it('a file without checksums passes unless they are required', async () => {
    const writer = new ByteWriter()
    const parquet = new ParquetWriter({ writer, schema: [{ name: 'root', num_children: 1 }, { name: 'n', type: 'INT32', repetition_type: 'REQUIRED' }] })
    parquet.write({ columnData: [{ name: 'n', data: Int32Array.from([1, 2, 3]) }] })
    parquet.finish()
    const bytes = writer.getBytes()
    expect(await inspectParquetFile(source(bytes), { mode: 'deep' })).toMatchObject({ problems: [], checksums: 'absent', chunksDecoded: 1 })
    expect((await inspectParquetFile(source(bytes), { requireChecksums: true })).problems).toEqual([{ reason: 'no parquetry.checksums in the footer' }])
  })

  it('row counts that do not add up, and bytes that are not Parquet', async () => {
    // A footer claiming more rows than its row groups hold, and a row group claiming more than its pages hold.
    const make = (tamper: (parquet: ParquetWriter) => void): Uint8Array => {
      const writer = new ByteWriter()
      const parquet = new ParquetWriter({ writer, schema: [{ name: 'root', num_children: 1 }, { name: 'n', type: 'INT32', repetition_type: 'REQUIRED' }] })
      parquet.write({ columnData: [{ name: 'n', data: Int32Array.from({ length: 100 }, (_, index) => index) }] })
      tamper(parquet)
      parquet.finish()
      return writer.getBytes()
    }
    const footerCount = make((parquet) => {
      parquet.num_rows = 150n
    })
    expect((await inspectParquetFile(source(footerCount))).problems).toEqual([{ reason: 'the footer says 150 rows, its row groups hold 100' }])
    const groupCount = make((parquet) => {
      parquet.num_rows = 120n
      ;(parquet.row_groups[0] as { num_rows: bigint }).num_rows = 120n
    })
    expect((await inspectParquetFile(source(groupCount), { mode: 'deep' })).problems).toEqual([{ rowGroup: 0, column: 'n', reason: '100 rows decode, the row group holds 120' }])
    const text = new TextEncoder().encode('timestamp,query_hash\n2025-10-28T00:15:23Z,a1b2c3\n')
    expect((await inspectParquetFile(source(text))).problems).toEqual([{ reason: expect.stringMatching(/^not a readable Parquet file: /) }])
  })

  it('a truncated file: its chunks lie past the end', async () => {
    const { bytes, metadata } = await written('SNAPPY', 'truncated.parquet')
    // Keep the footer, lose the middle: the chunks after the cut point past the data.
    const cut = 2000
    const footerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 8, true) + 8
    const truncated = new Uint8Array([...bytes.subarray(0, cut), ...bytes.subarray(bytes.length - footerLength)])
    const { problems } = await inspectParquetFile(source(truncated))
    // Each chunk that ends past the cut, by row group and column, with its byte range from the footer.
    const outside = metadata.row_groups.flatMap((group, rowGroup) =>
      group.columns.flatMap((chunk) => {
        const meta = chunk.meta_data as NonNullable<typeof chunk.meta_data>
        const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset)
        const end = start + Number(meta.total_compressed_size)
        return end > cut ? [{ rowGroup, column: meta.path_in_schema.join('.'), reason: `column chunk ${start}..${end} lies outside the data (4..${cut})` }] : []
      }),
    )
    expect(outside.map((problem) => `${problem.rowGroup} ${problem.column}`)).toEqual(['0 ratio', '1 id', '1 label', '1 ratio', '2 id', '2 label', '2 ratio'])
    expect(problems).toEqual(outside)
  })
})
