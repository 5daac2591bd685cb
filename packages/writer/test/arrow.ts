import { tableFromIPC, type Vector } from 'apache-arrow'
import { readFile } from 'node:fs/promises'
import { readParquet } from 'parquet-wasm/node'

/** What arrow-rs (through parquet-wasm) makes of a Parquet file. */
export interface ArrowRead {
  /** Each column's Arrow type as apache-arrow prints it (`Timestamp<MICROSECOND>`, `Utf8`, ...). */
  types: Record<string, string>
  /**
   * Rows with exact values: 64-bit integers and timestamps as bigint (raw
   * units), dates as day numbers, strings and JSON as text, nulls as null.
   */
  rows: Record<string, unknown>[]
}

/**
 * Reads a Parquet file with parquet-wasm (arrow-rs compiled to wasm) and
 * decodes its Arrow IPC stream with apache-arrow. Timestamps and dates are
 * taken from the raw buffers: apache-arrow's getters turn them into float
 * milliseconds, which would round microseconds.
 */
export async function readWithArrow(source: string | Uint8Array): Promise<ArrowRead> {
  const bytes = typeof source === 'string' ? new Uint8Array(await readFile(source)) : source
  const table = tableFromIPC(readParquet(bytes).intoIPCStream())
  const types: Record<string, string> = {}
  const columns: [string, unknown[]][] = []
  for (const field of table.schema.fields) {
    types[field.name] = String(field.type)
    columns.push([field.name, exactValues(table.getChild(field.name) as Vector, String(field.type))])
  }
  const rows = Array.from({ length: table.numRows }, (_, index) => Object.fromEntries(columns.map(([name, values]) => [name, values[index]])))
  return { types, rows }
}

function exactValues(vector: Vector, type: string): unknown[] {
  const raw = type.startsWith('Timestamp') || type.startsWith('Date32')
  const out: unknown[] = []
  for (const data of vector.data) {
    for (let index = 0; index < data.length; index++) {
      if (!data.getValid(index)) out.push(null)
      else if (raw) out.push((data.values as ArrayLike<unknown>)[index])
      else out.push(vector.get(out.length))
    }
  }
  return out
}
