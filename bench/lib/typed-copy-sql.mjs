// DuckDB's typed CSV → Parquet COPY statements for bench/vs-duckdb.mjs: the
// columns typed as Parquetry's built-in schemas type them (no sniffing), so
// both sides write the same columns.

/** A quoted SQL string literal (COPY takes no parameters; the paths are the benchmark's own files). */
export const sqlLiteral = (text) => `'${String(text).replaceAll("'", "''")}'`

/** DuckDB types of the query_perf CSV's columns (`queryPerfSchema`; `date_partition` is computed). */
export const queryPerfCsvColumns = {
  timestamp: 'TIMESTAMP',
  query_hash: 'VARCHAR',
  query_type: 'VARCHAR',
  execution_time_ms: 'DOUBLE',
  rows_examined: 'BIGINT',
  rows_returned: 'BIGINT',
  cache_hit: 'BOOLEAN',
  table_name: 'VARCHAR',
  index_used: 'VARCHAR',
  cpu_time_ms: 'DOUBLE',
  io_wait_ms: 'DOUBLE',
}

/** DuckDB types of the pageviews CSV's columns (`pageviewsSchema`: int64, int32, int16, date). */
export const pageviewsCsvColumns = {
  id: 'BIGINT',
  project_id: 'INTEGER',
  project_slug: 'VARCHAR',
  version_id: 'INTEGER',
  version_slug: 'VARCHAR',
  path: 'VARCHAR',
  full_path: 'VARCHAR',
  view_count: 'INTEGER',
  date: 'DATE',
  status: 'SMALLINT',
}

function columnsStruct(columns) {
  return `{${Object.entries(columns).map(([name, type]) => `${sqlLiteral(name)}: ${sqlLiteral(type)}`).join(', ')}}`
}

function copyTo(select, output, codec) {
  return `COPY (${select}) TO ${sqlLiteral(output)} (FORMAT parquet, COMPRESSION ${codec.toLowerCase()})`
}

/** `COPY (SELECT *, CAST(timestamp AS DATE) AS date_partition FROM read_csv(csv, header=true, columns={…})) TO output (FORMAT parquet, COMPRESSION codec)`. */
export function queryPerfCopySql(csv, output, codec = 'snappy') {
  return copyTo(`SELECT *, CAST(timestamp AS DATE) AS date_partition FROM read_csv(${sqlLiteral(csv)}, header=true, columns=${columnsStruct(queryPerfCsvColumns)})`, output, codec)
}

/** The same for a `psql \copy … CSV HEADER` file of pageviews. */
export function pageviewsCopySql(csv, output, codec = 'snappy') {
  return copyTo(`SELECT * FROM read_csv(${sqlLiteral(csv)}, header=true, columns=${columnsStruct(pageviewsCsvColumns)})`, output, codec)
}
