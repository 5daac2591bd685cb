import { ParquetryError } from '@parquetry/schema'

/** What Hive, Spark and DuckDB write for a null or empty partition value. */
export const HIVE_DEFAULT_PARTITION = '__HIVE_DEFAULT_PARTITION__'

/**
 * Encodes a partition value for a `key=value` directory name so that no value
 * can escape its directory or be misread: `/`, `\`, `=`, `%`, `:`, `#`, `?`,
 * `*`, quotes, `<>|`, control characters and a leading `.` are
 * percent-encoded (Hive's escaping, which DuckDB, Spark, Trino and Athena
 * decode); null and `''` become `__HIVE_DEFAULT_PARTITION__`, and the text
 * `__HIVE_DEFAULT_PARTITION__` itself `%5F_HIVE_DEFAULT_PARTITION__` (read back
 * as that text, not as null).
 */
export function encodePartitionValue(value: string | number | bigint | boolean | null | undefined): string {
  if (value === null || value === undefined) return HIVE_DEFAULT_PARTITION
  const text = String(value)
  if (text === '') return HIVE_DEFAULT_PARTITION
  // The value itself, spelled like the null marker: its first `_` encoded, so readers take it as text.
  if (text === HIVE_DEFAULT_PARTITION) return `%5F${text.slice(1)}`
  let encoded = ''
  for (let index = 0; index < text.length; index++) {
    const char = text[index] as string
    const code = text.charCodeAt(index)
    const unsafe = code < 0x20 || code === 0x7f || '/\\=%:#?*"\'<>|[]^{}'.includes(char) || (index === 0 && char === '.')
    encoded += unsafe ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : char
  }
  return encoded
}

/** Decodes what {@link encodePartitionValue} wrote (`null` for the Hive default partition). */
export function decodePartitionValue(encoded: string): string | null {
  if (encoded === HIVE_DEFAULT_PARTITION) return null
  return encoded.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
}

const keyPattern = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * A hive partition directory path: `year=2025/month=10`.
 *
 * @throws ParquetryError `PATH_INVALID` for a key that is not an identifier.
 */
export function partitionDirectory(partitions: readonly (readonly [string, string | number | bigint | boolean | null | undefined])[]): string {
  return partitions
    .map(([key, value]) => {
      if (!keyPattern.test(key)) throw new ParquetryError('PATH_INVALID', `partition key ${JSON.stringify(key)} must be letters, digits and underscores`)
      return `${key}=${encodePartitionValue(value)}`
    })
    .join('/')
}
