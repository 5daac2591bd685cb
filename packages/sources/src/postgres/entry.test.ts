// pg loads only through @parquetry/sources/postgres: checked on the built dist
// (turbo builds before testing), by the package's own name, with pg made unresolvable.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const packageDir = fileURLToPath(new URL('../..', import.meta.url))
const hook = `data:text/javascript,${encodeURIComponent('export async function resolve(specifier, context, next) { if (specifier === "pg" || specifier.startsWith("pg-")) throw new Error("blocked " + specifier); return next(specifier, context) }')}`
const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)})`)}`
const run = (code: string) => execFileSync(process.execPath, ['--import', register, '--input-type=module', '-e', code], { cwd: packageDir, encoding: 'utf8', stdio: 'pipe' })

describe('the built entries', () => {
  it('are built', () => {
    expect(existsSync(`${packageDir}/dist/index.js`) && existsSync(`${packageDir}/dist/postgres/index.js`), 'run `pnpm --filter @parquetry/sources build` first').toBe(true)
  })

  it('@parquetry/sources loads without pg; @parquetry/sources/postgres needs it', () => {
    expect(run(`const m = await import('@parquetry/sources'); process.stdout.write(typeof m.readCsv)`)).toBe('function')
    expect(() => run(`await import('@parquetry/sources/postgres')`)).toThrow(/blocked pg/)
    const names = execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import('@parquetry/sources/postgres'); process.stdout.write(Object.keys(m).sort().join(','))`], { cwd: packageDir, encoding: 'utf8' })
    expect(names.split(',')).toEqual(expect.arrayContaining(['bindCopyParameters', 'connectPostgres', 'CopyBinaryDecoder', 'describeConnection', 'readPostgres', 'redactSecrets']))
  })
})
