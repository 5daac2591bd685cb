import type { Options } from 'tsup'

/** tsup options for a Parquetry package (ESM, node20, dts, sourcemaps). */
export declare function packageBuild(entry: string[]): Options
