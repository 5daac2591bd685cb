import { ParquetryError } from '@parquetry/schema'
import { compressors as hyparquetDecompressors } from 'hyparquet-compressors'
import type { Compressors as HyparquetDecompressors } from 'hyparquet'
import * as zlib from 'node:zlib'

/** Compression codecs Parquetry writes. */
export type ParquetCodec = 'SNAPPY' | 'GZIP' | 'BROTLI' | 'ZSTD' | 'UNCOMPRESSED'

/** The codecs, for option validation and help texts. */
export const parquetCodecs: readonly ParquetCodec[] = ['SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'UNCOMPRESSED']

/** Compressor functions by codec, as hyparquet-writer takes them. */
export type Compressors = Partial<Record<ParquetCodec, (input: Uint8Array) => Uint8Array>>

/** zstd's default level, the one node:zlib and the zstd command line use. */
const ZSTD_LEVEL = 3

type Compress = (input: Uint8Array) => Uint8Array
type ZlibZstd = (input: Uint8Array, options?: { params?: Record<number, number> }) => Buffer

let wasmZstd: Promise<Compress> | undefined

/**
 * A synchronous zstd compressor: node:zlib's `zstdCompressSync` where Node
 * has it (22.15 and later), else zstd compiled to wasm (`@bokuweb/zstd-wasm`,
 * chosen by `bench/zstd-candidates.mjs`; see the README), loaded once.
 */
async function zstdCompressor(): Promise<Compress> {
  const native = (zlib as unknown as { zstdCompressSync?: ZlibZstd }).zstdCompressSync
  if (native) {
    const level = (zlib.constants as unknown as Record<string, number>)['ZSTD_c_compressionLevel'] as number
    return (input) => native(input, { params: { [level]: ZSTD_LEVEL } })
  }
  wasmZstd ??= (async () => {
    const zstd = await import('@bokuweb/zstd-wasm')
    await zstd.init()
    return (input: Uint8Array) => zstd.compress(input, ZSTD_LEVEL)
  })()
  try {
    return await wasmZstd
  } catch (error) {
    wasmZstd = undefined
    throw new ParquetryError('CONFIG_INVALID', `codec ZSTD: the zstd encoder did not load on ${process.version}: ${(error as Error).message}`, { cause: error })
  }
}

/**
 * The compressor map hyparquet-writer needs for `codec`. SNAPPY is
 * hyparquet-writer's own; GZIP and BROTLI come from node:zlib; ZSTD from
 * node:zlib where Node has it, else from a wasm build of zstd (loaded on
 * first use, hence async).
 *
 * @throws ParquetryError `CONFIG_INVALID` for an unknown codec, or a zstd encoder that fails to load.
 */
export async function compressorsFor(codec: ParquetCodec): Promise<Compressors> {
  switch (codec) {
    case 'SNAPPY':
    case 'UNCOMPRESSED':
      return {}
    case 'GZIP':
      return { GZIP: (input) => zlib.gzipSync(input) }
    case 'BROTLI':
      return {
        BROTLI: (input) =>
          zlib.brotliCompressSync(input, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: input.length } }),
      }
    case 'ZSTD':
      return { ZSTD: await zstdCompressor() }
    default:
      throw new ParquetryError('CONFIG_INVALID', `unknown codec ${JSON.stringify(codec)}; expected one of ${parquetCodecs.join(', ')}`)
  }
}

/**
 * Decompressors for every codec Parquet defines (SNAPPY, GZIP, BROTLI, ZSTD,
 * LZ4, LZ4_RAW), from hyparquet-compressors, in the form hyparquet's readers
 * take as `compressors`. hyparquet alone reads only SNAPPY and UNCOMPRESSED.
 */
export const parquetDecompressors: HyparquetDecompressors = hyparquetDecompressors

/**
 * Options to spread into every hyparquet read (`parquetRead`,
 * `parquetReadObjects`, `parquetQuery`, ...) so that files of every codec
 * decode: `parquetRead({ file, ...parquetReadOptions, columns })`.
 */
export const parquetReadOptions: { readonly compressors: HyparquetDecompressors } = Object.freeze({ compressors: parquetDecompressors })
