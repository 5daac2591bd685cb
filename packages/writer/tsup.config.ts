import { packageBuild } from '@parquetry/build-config/tsup'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, realpathSync } from 'node:fs'
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

// hyparquet-writer is bundled, as patched here (patches/README.md): pnpm
// applies the patch in this workspace only, and files written with the
// published release would lack its fixes (INTEGER logical types it writes
// unreadably, NaN bounds, 0-row files). Its MIT notice goes with it.
const hyparquetWriter = realpathSync('node_modules/hyparquet-writer')
const { version } = JSON.parse(readFileSync(join(hyparquetWriter, 'package.json'), 'utf8')) as { version: string }
const license = readFileSync(join(hyparquetWriter, 'LICENSE'), 'utf8').trim()

export default defineConfig({
  ...packageBuild(['src/index.ts', 'src/encoder-worker.ts']),
  noExternal: ['hyparquet-writer'],
  banner: { js: `/*!\n * Includes hyparquet-writer ${version} (https://github.com/hyparam/hyparquet-writer),\n * with Parquetry's patch (patches/hyparquet-writer@${version}.patch in the Parquetry repository).\n *\n * ${license.split('\n').join('\n * ')}\n */` },
  define: { __PARQUETRY_BUILD__: JSON.stringify(buildId()) },
})
