import type { Column } from './types.js'

const FNV_OFFSET = 0xcbf29ce484222325n
const FNV_PRIME = 0x100000001b3n
const MASK_64 = 0xffffffffffffffffn

/** 64-bit FNV-1a of a string's UTF-16 code units, as 16 hex digits. */
function fnv1a64(text: string): string {
  let hash = FNV_OFFSET
  for (let index = 0; index < text.length; index++) {
    hash ^= BigInt(text.charCodeAt(index))
    hash = (hash * FNV_PRIME) & MASK_64
  }
  return hash.toString(16).padStart(16, '0')
}

/**
 * The canonical text a fingerprint hashes: each column's name, type,
 * nullability and (for timestamps) unit, in order. Descriptions, the schema's
 * name and its version do not count: two schemas with the same physical shape
 * share a fingerprint.
 */
export function canonicalShape(columns: readonly Column[]): string {
  return columns
    .map((column) => `${column.name}:${column.type}${column.type === 'timestamp' ? `[${column.unit}]` : ''}${column.nullable ? '?' : '!'}`)
    .join(',')
}

/** Stable fingerprint (`fnv1a64:` + 16 hex digits) of a list of columns. */
export function fingerprintColumns(columns: readonly Column[]): string {
  return `fnv1a64:${fnv1a64(canonicalShape(columns))}`
}
