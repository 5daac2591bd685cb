import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { WorkerMetrics } from './metrics.js'

/** One readiness check: config loaded, storage reachable, PostgreSQL reachable. */
export interface ReadyCheck {
  name: string
  ok: boolean
  /** Why it is not ready, for people (`storage: ECONNREFUSED 10.0.0.7:9000`). */
  detail?: string
}

/** Options for {@link startHttpServer}. */
export interface WorkerHttpOptions {
  /** Interface to listen on. Default `127.0.0.1` (set `0.0.0.0` for a scraper on another host). */
  host?: string
  /** Port; 0 picks any free port (read it back from {@link WorkerHttpServer.port}). */
  port: number
  metrics: WorkerMetrics
  /** Readiness checks (config loaded, storage reachable, PostgreSQL reachable); called per request. */
  ready: () => Promise<ReadyCheck[]>
  /** The /status JSON document (any JSON-serialisable value). */
  status: () => unknown | Promise<unknown>
  /** How long `ready` may take before `/readyz` answers 503 without it. Default 5000. */
  readyTimeoutMs?: number
}

/** A listening health and metrics server. */
export interface WorkerHttpServer {
  /** `http://127.0.0.1:9464`. */
  readonly url: string
  readonly port: number
  /** Stops listening and closes every connection, keep-alive ones included. Calling it again returns the same promise. */
  close(): Promise<void>
}

type Handler = (options: WorkerHttpOptions) => Promise<{ status: number; type: string; body: string }>

const jsonType = 'application/json; charset=utf-8'

const routes: Record<string, Handler> = {
  '/healthz': async () => json(200, { status: 'ok' }),
  '/readyz': async (options) => {
    const checks = await readiness(options.ready, options.readyTimeoutMs ?? 5000)
    const ready = checks.every((check) => check.ok)
    return json(ready ? 200 : 503, { ready, checks })
  },
  '/metrics': async (options) => ({ status: 200, type: options.metrics.contentType, body: await options.metrics.text() }),
  '/status': async (options) => json(200, await options.status()),
}

/**
 * Serves the worker's health and metrics over node:http:
 * - `GET /healthz`: 200 `{"status":"ok"}` while the process is up (liveness);
 * - `GET /readyz`: 200 when every check of `ready` is ok, else 503, `{"ready","checks"}`;
 *   a `ready` that throws or outlasts `readyTimeoutMs` is a failed check, never a hung request;
 * - `GET /metrics`: the Prometheus text exposition;
 * - `GET /status`: the document `status` returns.
 *
 * HEAD is allowed on each; an unknown path is 404, another method 405 (with `Allow`).
 * An error inside a handler answers 500 with `{"error"}` and never ends the process.
 *
 * @throws Error naming host and port when the port is in use (EADDRINUSE) or cannot be bound.
 */
export async function startHttpServer(options: WorkerHttpOptions): Promise<WorkerHttpServer> {
  const host = options.host ?? '127.0.0.1'
  const server = createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      // Reached only when writing the response itself failed: the socket is of no further use.
      response.destroy(error instanceof Error ? error : undefined)
    })
  })
  await listen(server, host, options.port)
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : options.port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  let closing: Promise<void> | undefined
  return { url, port, close: () => (closing ??= close(server)) }
}

async function handle(options: WorkerHttpOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname
  const route = routes[path]
  let reply: { status: number; type: string; body: string }
  const headers: Record<string, string> = { 'cache-control': 'no-store' }
  if (route === undefined) {
    reply = json(404, { error: `not found: ${path}` })
  } else if (request.method !== 'GET' && request.method !== 'HEAD') {
    reply = json(405, { error: `method not allowed: ${request.method ?? ''}` })
    headers.allow = 'GET, HEAD'
  } else {
    try {
      reply = await route(options)
    } catch (error) {
      reply = json(500, { error: error instanceof Error ? error.message : String(error) })
    }
  }
  headers['content-type'] = reply.type
  headers['content-length'] = String(Buffer.byteLength(reply.body))
  response.writeHead(reply.status, headers)
  response.end(request.method === 'HEAD' ? undefined : reply.body)
}

function json(status: number, value: unknown): { status: number; type: string; body: string } {
  // JSON.stringify of undefined (a status() with nothing to say) is not JSON: send null.
  return { status, type: jsonType, body: JSON.stringify(value) ?? 'null' }
}

async function readiness(ready: () => Promise<ReadyCheck[]>, timeoutMs: number): Promise<ReadyCheck[]> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<ReadyCheck[]>((resolve) => {
    timer = setTimeout(() => resolve([{ name: 'ready', ok: false, detail: `checks did not answer within ${timeoutMs} ms` }]), timeoutMs)
  })
  try {
    const checks = Promise.resolve()
      .then(ready)
      .catch((error: unknown) => [{ name: 'ready', ok: false, detail: `checks failed: ${error instanceof Error ? error.message : String(error)}` }])
    return await Promise.race([checks, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRINUSE' ? 'is already in use' : `cannot be bound (${error.code ?? error.message})`
      reject(new Error(`worker http: ${host}:${port} ${reason}`, { cause: error }))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    // Keep-alive clients would hold close() open until they hang up; a request
    // still in flight gets a moment to finish before its socket goes too.
    server.closeIdleConnections()
    setTimeout(() => server.closeAllConnections(), 1000).unref()
  })
}
