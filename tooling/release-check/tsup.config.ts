import { packageBuild } from '@parquetry/build-config/tsup'
import { defineConfig } from 'tsup'

export default defineConfig(packageBuild(['src/cli.ts']))
