import type { DuckDBConnection } from '@duckdb/node-api'
import type { Storage } from '@parquetry/storage'
import { join } from 'node:path'
import { cacheObjects, cacheRootFor, defaultCacheDir } from './cache.js'
import type { DatasetFiles } from './files.js'
import type { QuerierOptions } from './querier.js'
import { escapeGlob, quoteLiteral } from './sql.js'

/**
 * Where DuckDB reads each listed file of a storage: a local folder's files
 * in place; an S3 storage's through httpfs when it loads and the store lets
 * it in, else from the download cache (`cacheDir`), keyed by ETag.
 */
export async function readPathsFor(connection: DuckDBConnection, storage: Storage, options: QuerierOptions, found: readonly DatasetFiles[]): Promise<(listed: DatasetFiles) => Promise<string[]>> {
  const local = localRoot(storage)
  if (local !== undefined) return async ({ files }) => files.map((file) => join(local, ...file.path.split('/')))
  if (await loadHttpfs(connection, storage, options, found)) return async ({ files }) => files.map((file) => `${storage.url}/${file.path}`)
  return ({ files }) => cacheObjects(storage, files, cacheRootFor(options.cacheDir ?? defaultCacheDir(), storage), options.signal)
}

/** The folder of a local storage (DuckDB reads it directly), or undefined for a remote one. */
function localRoot(storage: Storage): string | undefined {
  const local = storage as Storage & { root?: unknown; resolvePath?: unknown }
  return storage.url.startsWith('file:') && typeof local.root === 'string' ? local.root : undefined
}

/**
 * Whether DuckDB can read an S3 storage itself: httpfs loads (it is never
 * downloaded here: only an extension already installed is used), a secret
 * is made from the storage's settings and the credentials its client signs
 * with (its chain: keys, variables, profiles, roles), and the store lets it
 * see the first listed file (it may refuse credentials it cannot use).
 * Otherwise the caller downloads the files.
 */
async function loadHttpfs(connection: DuckDBConnection, storage: Storage, options: QuerierOptions, found: readonly DatasetFiles[]): Promise<boolean> {
  const s3 = storage as Storage & {
    settings?: { region: string; endpoint: string | undefined; forcePathStyle: boolean }
    resolveCredentials?: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>
  }
  if (options.httpfs === false || !storage.url.startsWith('s3://') || !s3.settings || !s3.resolveCredentials) return false
  try {
    await connection.run('LOAD httpfs')
    const credentials = await s3.resolveCredentials()
    const parts = [`TYPE s3`, `REGION ${quoteLiteral(s3.settings.region)}`, `KEY_ID ${quoteLiteral(credentials.accessKeyId)}`, `SECRET ${quoteLiteral(credentials.secretAccessKey)}`]
    if (credentials.sessionToken) parts.push(`SESSION_TOKEN ${quoteLiteral(credentials.sessionToken)}`)
    if (s3.settings.endpoint) {
      const endpoint = new URL(s3.settings.endpoint)
      parts.push(`ENDPOINT ${quoteLiteral(endpoint.host)}`, `USE_SSL ${endpoint.protocol === 'https:'}`)
    }
    if (s3.settings.forcePathStyle) parts.push(`URL_STYLE 'path'`)
    await connection.run(`CREATE OR REPLACE SECRET parquetry_s3 (${parts.join(', ')})`)
    // The object's size only: a refusal here is the store's, never a damaged file's.
    const first = found.find((listed) => listed.files.length > 0)?.files[0]
    if (first) await connection.run(`SELECT size FROM read_blob(${quoteLiteral(escapeGlob(`${storage.url}/${first.path}`))})`)
    return true
  } catch {
    return false
  }
}
