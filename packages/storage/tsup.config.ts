import { packageBuild } from '@parquetry/build-config/tsup'
import { defineConfig } from 'tsup'

// `s3` is its own entry: the AWS SDK loads only for `@parquetry/storage/s3`.
export default defineConfig({ ...packageBuild(['src/index.ts', 'src/s3/index.ts']), entry: { index: 'src/index.ts', 's3/index': 'src/s3/index.ts' } })
