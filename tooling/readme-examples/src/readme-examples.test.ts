import { makeTempDir } from '@parquetry/testing'
import { execFile } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileExamples, type CompiledExamples } from './compile.js'
import { examples, type RunResult } from './examples.js'
import { extractAll } from './extract.js'
import { dropPageviewsDatabase, repositoryRoot, copyExportedOps, stopS3Server } from './fixtures.js'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
// Inside this package, so that the examples' imports resolve to the built @parquetry/* packages as a user's do.
const workDir = join(packageDir, `.examples-${process.pid}`)
const blocks = extractAll(repositoryRoot)
let compiled: CompiledExamples

beforeAll(async () => {
  await rm(workDir, { recursive: true, force: true })
  compiled = compileExamples(blocks, workDir)
}, 120_000)

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true })
  await Promise.all([dropPageviewsDatabase(), stopS3Server()])
})

/** Runs an emitted example with node from `cwd`. */
function run(file: string, cwd: string, env: Readonly<Record<string, string>>): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [file], { cwd, env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
    })
  })
}

describe('the README examples', () => {
  it('are every TypeScript block of the READMEs, each named for the folder it runs from or marked not to run', () => {
    const named = blocks.flatMap((block) => (block.mode.kind === 'run' && block.mode.name ? [block.mode.name] : []))
    // Every example this test prepares a folder for is in a README, once.
    expect(named.filter((name) => name in examples).sort()).toEqual(Object.keys(examples).sort())
    // A name the test does not know is a README asking for a folder no one prepares.
    expect(named.filter((name) => !(name in examples))).toEqual([])
    // Typechecked only, and why.
    expect(blocks.flatMap((block) => (block.mode.kind === 'not-run' ? [[block.readme, block.mode.reason]] : []))).toEqual([
      ['packages/pipeline/README.md', 'the shapes of a definition, as TypeScript declarations'],
      ['packages/sources/README.md', 'declarations of the API'],
    ])
    for (const readme of ['README.md', 'packages/schema/README.md', 'packages/sources/README.md', 'packages/storage/README.md', 'packages/writer/README.md', 'packages/pipeline/README.md', 'packages/querier/README.md', 'apps/worker/README.md']) {
      expect(blocks.some((block) => block.readme === readme)).toBe(true)
    }
  })

  it('typecheck, all together, against the built packages with the repository’s strict settings', () => {
    expect(compiled.problems).toEqual([])
  })

  for (const block of blocks) {
    if (block.mode.kind !== 'run') continue
    const name = block.mode.name
    const example = name ? examples[name] : undefined
    it(`${block.id} (${block.readme}:${block.line}) runs ${example ? 'and prints what it says' : 'from a folder of the ops data, exported'}`, async () => {
      const dir = await makeTempDir('parquetry-readme-')
      try {
        if (example) await example.prepare?.(dir.path)
        else await copyExportedOps(dir.path)
        const env = (await example?.env?.()) ?? {}
        const file = compiled.outputs.get(block.id) as string
        for (let time = 1; time <= (example?.runs ?? 1); time++) {
          const result = await run(file, dir.path, env)
          if (result.code !== 0) throw new Error(`${block.readme}:${block.line} exited with ${result.code}:\n${result.stderr}\n${result.stdout}`)
          if (example) await example.check(result, dir.path, time)
          else expect(result.code).toBe(0)
        }
      } finally {
        await dir.remove()
      }
    }, 60_000)
  }
})

