import { closestWord, describeValue } from '@parquetry/schema'
import type { z } from 'zod'

type ConfigIssue = z.core.$ZodIssue
type JsonSchemaNode = { properties?: Record<string, JsonSchemaNode>; additionalProperties?: JsonSchemaNode | boolean; anyOf?: JsonSchemaNode[]; oneOf?: JsonSchemaNode[]; items?: JsonSchemaNode; type?: string | string[] }

const typeWords: Record<string, string> = {
  string: 'text (a JSON string)',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object ({ … })',
  array: 'a list ([ … ])',
}

/**
 * A config problem in words a person acts on, instead of zod's own: what
 * the field holds and what it takes (`expected text (a JSON string), got
 * number 5`), that it is missing, the values it takes, or — for a key no
 * field has — the key it was probably meant to be (`unknown key "outptu";
 * did you mean "output"?`). `raw` is the parsed file; `schema` its JSON
 * Schema, for the keys a place in the file takes.
 */
export function explainConfigIssue(issue: ConfigIssue, raw: unknown, schema: JsonSchemaNode): string {
  const value = valueAt(raw, issue.path)
  switch (issue.code) {
    case 'invalid_type': {
      const expected = typeWords[issue.expected] ?? issue.expected
      return value === undefined ? `missing: it takes ${expected}` : `expected ${expected}, got ${got(value)}`
    }
    case 'invalid_value':
      return `expected one of ${issue.values.map((option) => JSON.stringify(option)).join(', ')}, got ${got(value)}`
    case 'unrecognized_keys': {
      const known = keysAt(schema, issue.path)
      return issue.keys
        .map((key) => {
          const near = closestWord(key, known)
          const listed = known.length > 12 ? `${known.slice(0, 12).map((name) => JSON.stringify(name)).join(', ')}, … (parquetry.config.schema.json lists them all)` : known.map((name) => JSON.stringify(name)).join(', ') || 'none'
          return `unknown key ${JSON.stringify(key)}; ${near ? `did you mean ${JSON.stringify(near)}?` : `the keys here are ${listed}`}`
        })
        .join('; ')
    }
    case 'too_big':
    case 'too_small': {
      const bound = String(issue.code === 'too_big' ? issue.maximum : issue.minimum)
      const inclusive = issue.inclusive !== false
      const what = issue.origin === 'string' ? `${bound} characters` : issue.origin === 'array' ? `${bound} items` : bound
      const words = issue.code === 'too_big' ? (inclusive ? 'at most' : 'below') : inclusive ? 'at least' : 'above'
      return `expected ${words} ${what}, got ${got(value)}`
    }
    default:
      return value === undefined || typeof value === 'object' ? issue.message : `${issue.message} (got ${got(value)})`
  }
}

function got(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return `a list ${describeValue(value)}`
  return `${typeof value} ${describeValue(value)}`
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined
  return value
}

/** The keys the JSON Schema allows at `path` (every branch of a union together). */
function keysAt(root: JsonSchemaNode, path: readonly PropertyKey[]): string[] {
  let nodes: JsonSchemaNode[] = [root]
  for (const key of path) {
    const next: JsonSchemaNode[] = []
    for (const node of branches(nodes)) {
      const named = typeof key === 'string' ? node.properties?.[key] : undefined
      if (named) next.push(named)
      else if (typeof key === 'number' && node.items) next.push(node.items)
      else if (node.additionalProperties && typeof node.additionalProperties === 'object') next.push(node.additionalProperties)
    }
    nodes = next
  }
  return [...new Set(branches(nodes).flatMap((node) => Object.keys(node.properties ?? {})))].filter((name) => name !== '$schema' || path.length === 0)
}

function branches(nodes: readonly JsonSchemaNode[]): JsonSchemaNode[] {
  return nodes.flatMap((node) => (node.anyOf || node.oneOf ? branches([...(node.anyOf ?? []), ...(node.oneOf ?? [])]) : [node]))
}
