export { makeTempDir } from './temp-dir.js'
export { duckDbQuery, duckDbDescribe } from './duckdb.js'
export type { DescribedColumn } from './duckdb.js'
export { readParquetRows } from './hyparquet.js'
