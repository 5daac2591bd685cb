import { ParquetryError } from '@parquetry/schema'
import * as zlib from 'node:zlib'

/** Compression codecs Parquetry writes. */
export type ParquetCodec = 'SNAPPY' | 'GZIP' | 'BROTLI' | 'ZSTD' | 'UNCOMPRESSED'

/** The codecs, for option validation and help texts. */
export const parquetCodecs: readonly ParquetCodec[] = ['SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'UNCOMPRESSED']

/** Compressor functions by codec, as hyparquet-writer takes them. */
export type Compressors = Partial<Record<ParquetCodec, (input: Uint8Array) => Uint8Array>>

type ZstdCompress = (input: Uint8Array) => Buffer

/**
 * The compressor map hyparquet-writer needs for `codec`. SNAPPY is
 * hyparquet-writer's own; GZIP and BROTLI come from node:zlib; ZSTD needs a
 * Node with `zlib.zstdCompressSync` (22.15 and later).
 *
 * @throws ParquetryError `CONFIG_INVALID` for an unknown or unavailable codec.
 */
export function compressorsFor(codec: ParquetCodec): Compressors {
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
    case 'ZSTD': {
      const zstd = (zlib as unknown as { zstdCompressSync?: ZstdCompress }).zstdCompressSync
      if (!zstd) throw new ParquetryError('CONFIG_INVALID', `codec ZSTD needs Node 22.15 or later (this is ${process.version}); use SNAPPY, GZIP or BROTLI`)
      return { ZSTD: (input) => zstd(input) }
    }
    default:
      throw new ParquetryError('CONFIG_INVALID', `unknown codec ${JSON.stringify(codec)}; expected one of ${parquetCodecs.join(', ')}`)
  }
}
