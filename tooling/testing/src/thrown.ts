/**
 * What `action` throws (or rejects with), for assertions on it; fails the
 * test when it does not throw.
 *
 *     const failure = await thrown(async () => { for await (const batch of stream) rows += batch.length })
 *     expect(failure).toMatchObject({ code: 'QUERY_FAILED' })
 */
export async function thrown(action: () => unknown): Promise<unknown> {
  try {
    await action()
  } catch (error) {
    return error
  }
  throw new Error('expected a failure, and there was none')
}
