import { describe, expect, it, vi } from 'vitest'
import { connectionsCheckingIntervalMs, defaultMaxConnections, openFileLimit } from '../../../services/http/connections.js'
import { listenOn, openRaw, problemBodies, statuses } from '../../helpers/rawSocket.js'
import { buildTestApp } from '../../helpers/testApp.js'

/** The value of the one series whose name and labels are given exactly as exposed. */
async function metric (app: Awaited<ReturnType<typeof buildTestApp>>['app'], series: string): Promise<number | undefined> {
  const line = (await app.inject('/metrics')).body.split('\n').find((text) => text.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

describe('MAX_CONNECTIONS', () => {
  it('refuses connections past the cap at once, while the open ones keep working', async () => {
    const { app } = await buildTestApp({ config: { http: { maxConnections: 3 } } })
    const port = await listenOn(app)
    const held = [await openRaw(port), await openRaw(port), await openRaw(port)]
    const refused = await openRaw(port)
    // Closed by the server without a byte, well before any timeout could have done it.
    expect(await refused.closed).toBeLessThan(1000)
    expect(refused.received()).toBe('')

    held[0]?.send('GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
    await held[0]?.waitFor('"status":"ok"')
    expect(statuses(held[0]?.received() ?? '')).toEqual([200])
    expect(await metric(app, 'http_connections_refused_total')).toBe(1)
    expect(await metric(app, 'http_connections_open')).toBe(3)
    for (const client of held) client.socket.destroy()
  })

  it('is sized from the open-file limit when unset, leaving room for everything else', () => {
    expect(defaultMaxConnections(20_000)).toBe(17_744)
    expect(defaultMaxConnections(1024)).toBe(665)
    // Unset, it reads this process's limit.
    expect(openFileLimit()).toBeGreaterThan(0)
    expect(defaultMaxConnections()).toBe(defaultMaxConnections(openFileLimit()))
    expect(defaultMaxConnections(100)).toBe(64)
  })
})

describe('HEADERS_TIMEOUT_MS', () => {
  it('closes a connection that never sends a byte soon after the timeout, with a 408 problem', async () => {
    const { app } = await buildTestApp({ config: { http: { headersTimeoutMs: 300 } } })
    const port = await listenOn(app)
    const silent = await openRaw(port)
    const openMs = await silent.closed
    expect(openMs).toBeGreaterThanOrEqual(250)
    // The timeout plus one check interval, with room for a busy machine: never Node's 60 s + 30 s.
    expect(openMs).toBeLessThan(300 + connectionsCheckingIntervalMs(300) + 1500)
    expect(statuses(silent.received())).toEqual([408])
    expect(problemBodies(silent.received())).toMatchObject([{ code: 'GW_ERR_REQUEST_TIMEOUT', status: 408 }])
    expect(await metric(app, 'http_connection_timeouts_total{kind="headers"}')).toBe(1)
  })

  it('frees the connection even when the client never reads the answer', async () => {
    const { app } = await buildTestApp({ config: { http: { headersTimeoutMs: 300 } } })
    const port = await listenOn(app)
    const deaf = await openRaw(port)
    deaf.socket.pause()
    await vi.waitFor(async () => { expect(await metric(app, 'http_connection_timeouts_total{kind="headers"}')).toBe(1) }, { timeout: 3000, interval: 50 })
    // Not half-closed and waiting on the client: the gateway's side is gone.
    await vi.waitFor(async () => { expect(await metric(app, 'http_connections_open')).toBe(0) }, { timeout: 3000, interval: 50 })
    deaf.socket.destroy()
  })

  it('closes a connection whose request head stops half-way', async () => {
    const { app } = await buildTestApp({ config: { http: { headersTimeoutMs: 300 } } })
    const port = await listenOn(app)
    const client = await openRaw(port)
    client.send('GET /health HTTP/1.1\r\nHost: x\r\n')
    expect(await client.closed).toBeLessThan(300 + connectionsCheckingIntervalMs(300) + 1500)
    expect(statuses(client.received())).toEqual([408])
  })

  it('checks often enough for the bound to hold within a second at the default', () => {
    expect(connectionsCheckingIntervalMs(10_000)).toBe(1000)
    expect(connectionsCheckingIntervalMs(300)).toBe(75)
  })
})

describe('BODY_TIMEOUT_MS and REQUEST_TIMEOUT_MS', () => {
  const head = (length: number): string => `POST /addEvent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`

  it('answers a body that stops arriving with a 408 problem for that request, then closes, forwarding nothing', async () => {
    const { app, upstream } = await buildTestApp({ config: { http: { bodyTimeoutMs: 300 } } })
    const port = await listenOn(app)
    const client = await openRaw(port)
    client.send(`${head(100)}{"name":`)
    const openMs = await client.closed
    expect(openMs).toBeLessThan(300 + 1500)
    expect(statuses(client.received())).toEqual([408])
    const [problem] = problemBodies(client.received())
    expect(problem).toMatchObject({ code: 'GW_ERR_REQUEST_TIMEOUT', outcome: 'not-forwarded' })
    expect(client.received()).toContain(`x-request-id: ${String(problem?.requestId)}`)
    expect(upstream.received).toEqual([])
    expect(await metric(app, 'http_connection_timeouts_total{kind="body"}')).toBe(1)
  })

  it('bounds the whole request even when the body timeout is longer', async () => {
    const { app, upstream } = await buildTestApp({ config: { http: { headersTimeoutMs: 200, requestTimeoutMs: 400, bodyTimeoutMs: 60_000 } } })
    const port = await listenOn(app)
    const client = await openRaw(port)
    client.send(`${head(100)}{"name":`)
    expect(await client.closed).toBeLessThan(400 + connectionsCheckingIntervalMs(200) + 1500)
    expect(statuses(client.received())).toEqual([408])
    expect(problemBodies(client.received())).toMatchObject([{ code: 'GW_ERR_REQUEST_TIMEOUT' }])
    expect(upstream.received).toEqual([])
    expect(await metric(app, 'http_connection_timeouts_total{kind="request"}')).toBe(1)
  })
})
