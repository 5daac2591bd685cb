import { packageBuild } from '@parquetry/build-config/tsup'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defineConfig } from 'tsup'

// The build id in every file's created_by: a hash of what the build is made
// from (the sources and package.json, the inputs turbo caches the build on),
// so the same id always means the same code.
function buildId(): string {
  const hash = createHash('sha256')
  const files = readdirSync('src', { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .sort()
  for (const file of ['package.json', ...files.map((file) => join('src', file))]) hash.update(`${file}\0`).update(readFileSync(file)).update('\0')
  return hash.digest('hex').slice(0, 12)
}

export default defineConfig({ ...packageBuild(['src/index.ts']), define: { __PARQUETRY_BUILD__: JSON.stringify(buildId()) } })
