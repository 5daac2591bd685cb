/** Copies `values` with keys renamed. */
export function renameKeys(values: Record<string, unknown>, rename: Readonly<Record<string, string>> | undefined): Record<string, unknown> {
  if (!rename) return values
  const renamed: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(values)) {
    // Own keys only (a key `constructor` is not renamed by Object.prototype); `__proto__` stays a key, not a prototype.
    const target = Object.hasOwn(rename, key) ? (rename[key] as string) : key
    if (target === '__proto__') Object.defineProperty(renamed, target, { value, enumerable: true, writable: true, configurable: true })
    else renamed[target] = value
  }
  return renamed
}

/** JSON type name for a problem message. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'bigint' || typeof value === 'number') return 'a number'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}
