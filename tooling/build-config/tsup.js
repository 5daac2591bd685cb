/**
 * tsup options for a Parquetry package: ESM only, Node 20, declarations and
 * sourcemaps, dependencies left external (tsup's default), shared chunks
 * between entries.
 *
 * @param {string[]} entry the package's entry files, e.g. ['src/index.ts']
 * @returns {import('tsup').Options}
 */
export function packageBuild(entry) {
  return {
    entry,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: entry.length > 1,
  }
}
