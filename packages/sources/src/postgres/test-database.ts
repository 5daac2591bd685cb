// Test helper (not exported): a fresh database per test file on testPostgres()'s server.
import { testPostgres, type TestDatabase } from '@parquetry/testing'
import { afterAll, beforeAll } from 'vitest'

/** A database made before the calling file's tests and dropped after them; read `.url` inside tests. */
export function useTestDatabase(): { readonly url: string; readonly serverUrl: string } {
  let database: TestDatabase | undefined
  let serverUrl = ''
  beforeAll(async () => {
    const server = await testPostgres()
    serverUrl = server.url
    database = await server.createDatabase()
  }, 60_000)
  afterAll(async () => {
    await database?.drop()
  })
  return {
    get url(): string {
      if (!database) throw new Error('useTestDatabase: .url is only there while a test runs')
      return database.url
    },
    get serverUrl(): string {
      return serverUrl
    },
  }
}
