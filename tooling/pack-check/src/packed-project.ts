import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'

/** One published package and the tarball `pnpm pack` made of it. */
export interface PackedPackage {
  name: string
  dir: string
  tarball: string
}

/** The npm project the tarballs are installed in, shared by every test file. */
export interface PackedProject {
  /** The repository root. */
  root: string
  /** The project's folder: a package.json without `"type"` (so CommonJS) and node_modules. */
  dir: string
  packages: PackedPackage[]
}

declare module 'vitest' {
  export interface ProvidedContext {
    packedProject: PackedProject
  }
}

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..')

function publishedPackages(): { name: string; dir: string }[] {
  const found: { name: string; dir: string }[] = []
  for (const group of ['packages', 'apps']) {
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const dir = join(root, group, entry.name)
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; private?: boolean }
      if (!manifest.private) found.push({ name: manifest.name, dir })
    }
  }
  return found
}

/**
 * vitest's global setup: packs every published package (`pnpm pack`, so
 * `workspace:` ranges are replaced as on publish) and installs the tarballs
 * with npm into one fresh project, once for all test files; removed after.
 */
export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'parquetry-pack-'))
  const remove = () => rmSync(dir, { recursive: true, force: true })
  try {
    const tarballs = join(dir, 'tarballs')
    const packages = publishedPackages().map(({ name, dir: packageDir }) => {
      const output = execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: packageDir, encoding: 'utf8' })
      return { name, dir: packageDir, tarball: output.trim().split('\n').at(-1) as string }
    })
    const files = Object.fromEntries(packages.map((pkg) => [pkg.name, `file:${pkg.tarball}`]))
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'pack-check-consumer', private: true, dependencies: files, overrides: files }, null, 2))
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'pipe', timeout: 240_000 })
    project.provide('packedProject', { root, dir, packages })
  } catch (error) {
    remove()
    throw error
  }
  return remove
}
