import { Agent, request } from 'node:http'
import type { Socket } from 'node:net'
import parsePrometheusTextFormat from 'parse-prometheus-text-format'
import { afterEach, describe, expect, it } from 'vitest'
import { startHttpServer } from './http-server.js'
import type { ReadyCheck, WorkerHttpOptions, WorkerHttpServer } from './http-server.js'
import { WorkerMetrics } from './metrics.js'

const started: WorkerHttpServer[] = []

afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.close()))
})

async function start(options: Partial<WorkerHttpOptions> = {}): Promise<WorkerHttpServer> {
  const server = await startHttpServer({
    port: 0,
    metrics: new WorkerMetrics({ datasets: ['query_perf'] }),
    ready: async () => [{ name: 'config', ok: true }],
    status: () => ({ datasets: [] }),
    ...options,
  })
  started.push(server)
  return server
}

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(url, init)
  return { status: response.status, headers: response.headers, body: await response.json() }
}

describe('startHttpServer', () => {
  it('listens on 127.0.0.1 and a free port by default, and answers /healthz', async () => {
    const server = await start()
    expect(server.port).toBeGreaterThan(0)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
    const { status, headers, body } = await getJson(`${server.url}/healthz`)
    expect(status).toBe(200)
    expect(body).toEqual({ status: 'ok' })
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8')
    expect(headers.get('cache-control')).toBe('no-store')
  })

  it('/readyz is 200 when every check is ok, 503 with the checks otherwise', async () => {
    let checks: ReadyCheck[] = [
      { name: 'config', ok: true },
      { name: 'storage', ok: true },
    ]
    const server = await start({ ready: async () => checks })
    expect(await getJson(`${server.url}/readyz`)).toMatchObject({ status: 200, body: { ready: true, checks } })

    checks = [
      { name: 'config', ok: true },
      { name: 'postgres', ok: false, detail: 'ECONNREFUSED 127.0.0.1:5432' },
    ]
    const notReady = await getJson(`${server.url}/readyz`)
    expect(notReady.status).toBe(503)
    expect(notReady.body).toEqual({ ready: false, checks })
    expect(notReady.headers.get('cache-control')).toBe('no-store')
  })

  it('/readyz is 503 when the checks throw, and when they do not answer in time', async () => {
    const throwing = await start({
      ready: async () => {
        throw new Error('config not loaded yet')
      },
    })
    expect(await getJson(`${throwing.url}/readyz`)).toMatchObject({
      status: 503,
      body: { ready: false, checks: [{ name: 'ready', ok: false, detail: 'checks failed: config not loaded yet' }] },
    })

    const hanging = await start({ ready: () => new Promise<ReadyCheck[]>(() => {}), readyTimeoutMs: 200 })
    expect(await getJson(`${hanging.url}/readyz`)).toMatchObject({
      status: 503,
      body: { ready: false, checks: [{ name: 'ready', ok: false, detail: 'checks did not answer within 200 ms' }] },
    })
  })

  it('/metrics serves the registry in the Prometheus text format', async () => {
    const metrics = new WorkerMetrics({ datasets: ['query_perf'] })
    const finishedAt = new Date('2025-10-29T03:00:00Z')
    metrics.record({
      job: { dataset: 'query_perf', dates: ['2025-10-28'] },
      status: 'success',
      attempt: 1,
      startedAt: new Date(finishedAt.getTime() - 2000),
      finishedAt,
      durationMs: 2000,
    })
    metrics.setJobs(3, 1)
    const server = await start({ metrics })
    const response = await fetch(`${server.url}/metrics`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(response.headers.get('cache-control')).toBe('no-store')
    const families = parsePrometheusTextFormat(await response.text())
    const runs = families.find((family) => family.name === 'parquetry_job_runs_total')
    expect(runs?.type).toBe('COUNTER')
    expect(runs?.metrics.find((metric) => metric.labels?.status === 'success')).toEqual({ labels: { dataset: 'query_perf', status: 'success' }, value: '1' })
    expect(families.find((family) => family.name === 'parquetry_jobs')?.metrics).toEqual([
      { labels: { state: 'queued' }, value: '3' },
      { labels: { state: 'active' }, value: '1' },
    ])
    expect(families.find((family) => family.name === 'parquetry_last_success_timestamp_seconds')?.metrics).toEqual([
      { labels: { dataset: 'query_perf' }, value: String(finishedAt.getTime() / 1000) },
    ])
  })

  it('/status serves the document, asked for on every request', async () => {
    let calls = 0
    const server = await start({
      status: async () => {
        calls++
        return { mode: 'local', datasets: [{ name: 'query_perf', lastSuccess: '2025-10-29T03:00:00.000Z' }], calls }
      },
    })
    expect(await getJson(`${server.url}/status`)).toMatchObject({
      status: 200,
      body: { mode: 'local', datasets: [{ name: 'query_perf', lastSuccess: '2025-10-29T03:00:00.000Z' }], calls: 1 },
    })
    expect((await getJson(`${server.url}/status?verbose=1`)).body).toMatchObject({ calls: 2 })
  })

  it('answers HEAD on every route without a body', async () => {
    const server = await start()
    for (const path of ['/healthz', '/readyz', '/metrics', '/status']) {
      const response = await fetch(`${server.url}${path}`, { method: 'HEAD' })
      expect(response.status).toBe(200)
      expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0)
      expect(await response.text()).toBe('')
    }
  })

  it('answers 404 for an unknown path, 405 with Allow for another method', async () => {
    const server = await start()
    const missing = await getJson(`${server.url}/nope`)
    expect(missing.status).toBe(404)
    expect(missing.body).toEqual({ error: 'not found: /nope' })
    const post = await getJson(`${server.url}/metrics`, { method: 'POST', body: 'x' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
    expect(post.body).toEqual({ error: 'method not allowed: POST' })
  })

  it('answers 500 with the error when a handler fails, and keeps serving', async () => {
    let fail: 'throw' | 'bigint' | false = 'throw'
    const server = await start({
      status: () => {
        if (fail === 'throw') throw new Error('status: ledger unreadable')
        return fail === 'bigint' ? { rows: 1n } : { ok: true }
      },
    })
    expect(await getJson(`${server.url}/status`)).toMatchObject({ status: 500, body: { error: 'status: ledger unreadable' } })
    fail = 'bigint'
    const unserialisable = await getJson(`${server.url}/status`)
    expect(unserialisable.status).toBe(500)
    expect(unserialisable.body).toMatchObject({ error: expect.stringContaining('BigInt') })
    fail = false
    expect(await getJson(`${server.url}/status`)).toMatchObject({ status: 200, body: { ok: true } })
    expect((await getJson(`${server.url}/healthz`)).status).toBe(200)
  })

  it('close() ends keep-alive connections instead of waiting for the client to hang up', async () => {
    const server = await startHttpServer({
      port: 0,
      metrics: new WorkerMetrics({ datasets: [] }),
      ready: async () => [],
      status: () => null,
    })
    const agent = new Agent({ keepAlive: true })
    let socket: Socket | undefined
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(`${server.url}/status`, { agent }, (response) => {
        socket = response.socket
        let text = ''
        response.on('data', (chunk: Buffer) => (text += chunk.toString()))
        response.on('end', () => resolve(text))
      })
      req.on('error', reject)
      req.end()
    })
    expect(body).toBe('null')
    expect(socket?.destroyed).toBe(false)
    const socketClosed = new Promise<void>((resolve) => socket?.once('close', () => resolve()))
    // Bounded below the 1 s fallback that ends connections with a request still in flight: an idle one goes at once.
    const outcome = await Promise.race([
      server.close().then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 900, 'still open')),
    ])
    expect(outcome).toBe('closed')
    await socketClosed
    expect(socket?.destroyed).toBe(true)
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
    agent.destroy()
  })

  it('rejects naming host and port when the port is in use', async () => {
    const first = await start()
    await expect(start({ port: first.port })).rejects.toThrow(`worker http: 127.0.0.1:${first.port} is already in use`)
    expect((await getJson(`${first.url}/healthz`)).status).toBe(200)
  })
})
