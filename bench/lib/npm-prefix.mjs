// Installs npm packages that are being measured, not used, each into a folder of
// its own outside the workspace (so candidates never enter the lockfile), and
// loads them from there.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, lstat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

/**
 * `npm install`s `specs` (e.g. `['zstd-napi@0.0.13']`) into `dir` unless
 * already there. Resolves to `{ ok, seconds, bytes, error }`: `bytes` is the
 * size on disk of everything installed (dependencies and build output
 * included), `error` the last lines npm printed when it failed.
 */
export async function installInto(dir, specs) {
  const marker = join(dir, '.installed')
  const started = performance.now()
  if (!existsSync(marker)) {
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'package.json'), '{ "private": true }\n')
    try {
      await run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', ...specs], { cwd: dir, timeout: 600_000, maxBuffer: 1 << 24 })
    } catch (error) {
      const text = `${error.stderr ?? ''}${error.stdout ?? ''}`.split('\n').filter((line) => line.trim() && !line.includes('Unknown user config') && !line.includes('Unknown env config'))
      return { ok: false, seconds: (performance.now() - started) / 1000, bytes: 0, error: text.slice(-3).join(' | ') || String(error.message) }
    }
    await writeFile(marker, '')
  }
  return { ok: true, seconds: (performance.now() - started) / 1000, bytes: await sizeOf(join(dir, 'node_modules')) }
}

/** Loads a package installed by {@link installInto}: `import()` of its resolved entry. */
export async function importFrom(dir, name) {
  const require = createRequire(join(dir, 'package.json'))
  return import(pathToFileURL(require.resolve(name)).href)
}

/** `require()` of a package installed by {@link installInto}. */
export function requireFrom(dir, name) {
  return createRequire(join(dir, 'package.json'))(name)
}

async function sizeOf(path) {
  const info = await lstat(path)
  if (!info.isDirectory()) return info.size
  let total = 0
  for (const entry of await readdir(path)) total += await sizeOf(join(path, entry))
  return total
}
