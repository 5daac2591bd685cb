import { buildApp } from 'fauxqs'

interface FauxqsS3Store {
  createBucket(name: string): void
  headObject(bucket: string, key: string): { etag: string }
  listObjects(bucket: string): { objects: { key: string }[] }
  multipartUploads: Map<string, unknown>
}

// fauxqs exports only its app; its stores (needed to enforce conditional
// writes and to inspect state) are loaded from its files by absolute URL.
async function loadStores(): Promise<{ s3Store: FauxqsS3Store; sqsStore: unknown; snsStore: unknown }> {
  const app = import.meta.resolve('fauxqs')
  const load = async <T>(path: string, name: string): Promise<T> => {
    const module = (await import(new URL(path, app).href)) as Record<string, new () => T>
    return new (module[name] as new () => T)()
  }
  return {
    s3Store: await load<FauxqsS3Store>('./s3/s3Store.js', 'S3Store'),
    sqsStore: await load<unknown>('./sqs/sqsStore.js', 'SqsStore'),
    snsStore: await load<unknown>('./sns/snsStore.js', 'SnsStore'),
  }
}

/** One request the S3 server saw. */
export interface S3Request {
  method: string
  bucket: string
  key: string
  /** `put`, `upload-part`, `create-upload`, `complete-upload`, `abort-upload`, `copy`, `get`, `head`, `list`, `delete`. */
  action: string
  headers: Record<string, string | string[] | undefined>
}

/** A real S3-protocol server for tests: fauxqs 1.9.2, in this process, on 127.0.0.1. */
export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string
  /** The variables a child process needs to reach it (endpoint, region, dummy credentials). */
  env: Record<string, string>
  /** Options for `createS3Storage` (besides `url`). */
  options: { endpoint: string; region: string; forcePathStyle: boolean; credentials: { accessKeyId: string; secretAccessKey: string } }
  /** Every request so far, in order. */
  requests: S3Request[]
  /** Called (and awaited) before each request is handled: delay or observe it. */
  onRequest: ((request: S3Request) => void | Promise<void>) | undefined
  createBucket(name: string): void
  /** Keys stored in a bucket, sorted. */
  keys(bucket: string): string[]
  /** Multipart uploads begun and neither completed nor aborted. */
  openUploads(): number
  stop(): Promise<void>
}

function actionOf(method: string, key: string, query: Record<string, string>, headers: Record<string, unknown>): string {
  if (method === 'PUT') return query['partNumber'] ? 'upload-part' : headers['x-amz-copy-source'] ? 'copy' : 'put'
  if (method === 'POST') return 'uploads' in query ? 'create-upload' : query['uploadId'] ? 'complete-upload' : 'delete'
  if (method === 'DELETE') return query['uploadId'] ? 'abort-upload' : 'delete'
  if (method === 'HEAD') return 'head'
  return key === '' ? 'list' : 'get'
}

const preconditionFailed = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>`

/**
 * Starts fauxqs (pinned to 1.9.2) in this process, bound to 127.0.0.1 on a
 * free port. fauxqs accepts `If-None-Match`/`If-Match` on writes without
 * enforcing them; a request hook here enforces them (412
 * PreconditionFailed) on PutObject, CopyObject and CompleteMultipartUpload,
 * so conditional publication is really tested.
 */
export async function startS3Server(options: { buckets?: readonly string[] } = {}): Promise<S3TestServer> {
  const stores = await loadStores()
  const s3Store = stores.s3Store
  const app = buildApp({ logger: false, stores: stores as never })
  const requests: S3Request[] = []
  const server: S3TestServer = {
    endpoint: '',
    env: {},
    options: { endpoint: '', region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
    requests,
    onRequest: undefined,
    createBucket: (name) => s3Store.createBucket(name),
    keys: (bucket) => s3Store.listObjects(bucket).objects.map((object) => object.key).sort(),
    openUploads: () => s3Store.multipartUploads.size,
    stop: () => app.close(),
  }
  app.addHook('preHandler', async (request, reply) => {
    const params = request.params as { bucket?: string; '*'?: string }
    const bucket = params.bucket ?? ''
    const key = params['*'] ?? ''
    const query = request.query as Record<string, string>
    const headers = request.headers as Record<string, string | string[] | undefined>
    const entry: S3Request = { method: request.method, bucket, key, action: actionOf(request.method, key, query, headers), headers }
    requests.push(entry)
    await server.onRequest?.(entry)
    if (!['put', 'copy', 'complete-upload'].includes(entry.action)) return
    const ifNoneMatch = headers['if-none-match']
    const ifMatch = headers['if-match']
    if (ifNoneMatch === undefined && ifMatch === undefined) return
    let current: { etag: string } | undefined
    try {
      current = s3Store.headObject(bucket, key)
    } catch {
      current = undefined
    }
    const holds = (ifNoneMatch !== '*' || current === undefined) && (ifMatch === undefined || current?.etag === ifMatch)
    if (!holds) {
      reply.status(412).header('content-type', 'application/xml').send(preconditionFailed)
      return reply
    }
  })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  server.endpoint = address
  server.options.endpoint = address
  server.env = { AWS_ENDPOINT_URL_S3: address, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' }
  for (const bucket of options.buckets ?? []) s3Store.createBucket(bucket)
  return server
}
