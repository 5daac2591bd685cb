/** Copies `values` with keys renamed. */
export function renameKeys(values: Record<string, unknown>, rename: Readonly<Record<string, string>> | undefined): Record<string, unknown> {
  if (!rename) return values
  const renamed: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(values)) renamed[rename[key] ?? key] = value
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
