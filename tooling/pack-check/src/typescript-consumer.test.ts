import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, inject, it } from 'vitest'

// A CommonJS TypeScript consumer (its package.json has no "type") of the
// installed tarballs: `import` compiled to `require`, the root README's
// "ESM, CommonJS and TypeScript settings" section made executable.
const run = promisify(execFile)
const { root, dir: project } = inject('packedProject')
const consumer = join(project, 'ts-consumer')
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc')

const valueImports = ['@parquetry/schema', '@parquetry/partitioner', '@parquetry/storage', '@parquetry/sources', '@parquetry/writer', '@parquetry/querier', '@parquetry/pipeline', '@parquetry/cli', '@parquetry/worker']
const typeImports = ['@parquetry/schema', '@parquetry/storage/s3', '@parquetry/sources/postgres']

const source = `import { ParquetryError, defineSchema, queryPerfSchema } from '@parquetry/schema'
import { encodePartitionValue } from '@parquetry/partitioner'
import { createLocalStorage } from '@parquetry/storage'
import { readCsv } from '@parquetry/sources'
import { writeParquet } from '@parquetry/writer'
import { Querier } from '@parquetry/querier'
import { runExport } from '@parquetry/pipeline'
import { runCli } from '@parquetry/cli'
import { startWorker } from '@parquetry/worker'
import type { DatasetSchema } from '@parquetry/schema'
import type { S3StorageOptions } from '@parquetry/storage/s3'
import type { ReadPostgresOptions } from '@parquetry/sources/postgres'

export type SubpathTypes = [S3StorageOptions['url'], ReadPostgresOptions['query']]

export function typesAreChecked(): string {
  // @ts-expect-error a partition value is never an object: the types are real, not any
  return encodePartitionValue({ year: 2025 })
}

const schema: DatasetSchema = queryPerfSchema
const error = new ParquetryError('SCHEMA_INVALID', 'from CommonJS')
console.log(JSON.stringify({
  schema: schema.name,
  encoded: encodePartitionValue('a/b'),
  code: error.code,
  isParquetryError: error instanceof ParquetryError,
  functions: [defineSchema, createLocalStorage, readCsv, writeParquet, Querier.create, runExport, runCli, startWorker].map((value) => typeof value),
}))
`

/** Typechecks and compiles the consumer with one `module` setting: tsc's exit code and its diagnostics. */
async function compile(module: string): Promise<{ code: number; diagnostics: string[] }> {
  const config = `tsconfig.${module}.json`
  writeFileSync(
    join(consumer, config),
    JSON.stringify({
      compilerOptions: {
        module,
        target: 'es2022',
        strict: true,
        esModuleInterop: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(root, 'node_modules/@types')],
        outDir: `out-${module}`,
      },
      files: ['index.ts'],
    }),
  )
  try {
    await run(process.execPath, [tsc, '-p', config, '--pretty', 'false'], { cwd: consumer })
    return { code: 0, diagnostics: [] }
  } catch (error) {
    const { code, stdout } = error as { code: number; stdout: string }
    return { code, diagnostics: stdout.split('\n').filter((line) => line.startsWith('index.ts(')) }
  }
}

const expectedOutput = {
  schema: 'query_perf',
  encoded: 'a%2Fb',
  code: 'SCHEMA_INVALID',
  isParquetryError: true,
  functions: Array(8).fill('function'),
}

// One tsc per setting, started together: each loads every package's types.
let results: Record<string, Promise<{ code: number; diagnostics: string[] }>>
beforeAll(() => {
  mkdirSync(consumer, { recursive: true })
  writeFileSync(join(consumer, 'index.ts'), source)
  results = Object.fromEntries(['node20', 'nodenext', 'node16', 'node18'].map((module) => [module, compile(module)]))
})

describe('a CommonJS TypeScript consumer', () => {
  it.each(['node20', 'nodenext'])('typechecks with "module": "%s", compiles to require() and runs', { timeout: 120_000 }, async (module) => {
    expect(await results[module]).toEqual({ code: 0, diagnostics: [] })
    const compiled = readFileSync(join(consumer, `out-${module}`, 'index.js'), 'utf8')
    expect(compiled).toContain('require("@parquetry/schema")')
    expect(compiled).not.toMatch(/^import /m)
    const { stdout, stderr } = await run(process.execPath, [join(consumer, `out-${module}`, 'index.js')], { cwd: consumer })
    expect(JSON.parse(stdout)).toEqual(expectedOutput)
    expect(stderr).toBe('')
  })

  it.each(['node16', 'node18'])('fails with "module": "%s": TS1479 on every import, TS1541 on every type-only one', { timeout: 120_000 }, async (module) => {
    const { code, diagnostics } = await results[module]
    expect(code).toBe(2)
    // Each diagnostic as its code and the module its line imports.
    const lines = source.split('\n')
    const found = diagnostics.map((diagnostic) => {
      const [, line, number] = /^index\.ts\((\d+),\d+\): error (TS\d+):/.exec(diagnostic) ?? []
      return `${number} ${/from '([^']+)'/.exec(lines[Number(line) - 1] ?? '')?.[1]}`
    })
    expect(found.sort()).toEqual([...valueImports.map((name) => `TS1479 ${name}`), ...typeImports.map((name) => `TS1541 ${name}`)].sort())
  })
})
