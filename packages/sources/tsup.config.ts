import { packageBuild } from '@parquetry/build-config/tsup'
import { defineConfig } from 'tsup'

// `postgres` is its own entry: pg loads only for `@parquetry/sources/postgres`.
export default defineConfig({ ...packageBuild(['src/index.ts', 'src/postgres/index.ts']), entry: { index: 'src/index.ts', 'postgres/index': 'src/postgres/index.ts' } })
