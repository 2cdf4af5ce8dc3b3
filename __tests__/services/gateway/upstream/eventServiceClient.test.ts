import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { createEventServiceClient } from '../../../../services/gateway/upstream/eventServiceClient.js'
import type { UpstreamCall } from '../../../../services/gateway/upstream/eventServiceClient.js'
import { createManualClock } from '../../../../utils/clock.js'

type Handler = (request: IncomingMessage, response: ServerResponse) => void

async function serve (handler: Handler): Promise<{ server: Server, url: string }> {
  const server = createServer(handler)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve() }) }))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

function client (baseUrl: string, calls: UpstreamCall[] = []) {
  const clock = createManualClock(0)
  const eventService = createEventServiceClient({ baseUrl, timeoutMs: 3000, clock: clock.now, onCall: (call) => { calls.push(call) } })
  onTestFinished(() => eventService.close())
  return eventService
}

const event = { id: 'e-1', name: 'n', userId: '1' }

describe('the event.com client', () => {
  it('forwards the request id and the event as JSON, under the base URL path', async () => {
    const seen: { path: string | undefined, requestId: string | string[] | undefined, body: string }[] = []
    const { url } = await serve((request, response) => {
      let body = ''
      request.on('data', (chunk: Buffer) => { body += chunk.toString() })
      request.on('end', () => {
        seen.push({ path: request.url, requestId: request.headers['x-request-id'], body })
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}')
      })
    })
    await client(`${url}/api/`).addEvent(event, { requestId: 'req-42' })
    expect(seen).toEqual([{ path: '/api/addEvent', requestId: 'req-42', body: JSON.stringify(event) }])
  })

  it('reports each call with its outcome', async () => {
    const statuses = [200, 503, 429, 400]
    const { url } = await serve((_request, response) => { response.writeHead(statuses.shift() ?? 200).end() })
    const calls: UpstreamCall[] = []
    const eventService = client(url, calls)
    for (let i = 0; i < 4; i++) await eventService.addEvent(event).catch(() => undefined)
    expect(calls.map((call) => call.outcome)).toEqual(['success', 'status_5xx', 'status_429', 'status_4xx'])
    expect(calls.every((call) => call.operation === 'addEvent' && call.durationMs >= 0)).toBe(true)
  })

  it("reads event.com's Retry-After into the status error", async () => {
    const { url } = await serve((_request, response) => { response.writeHead(503, { 'retry-after': '7' }).end() })
    await expect(client(url).addEvent(event)).rejects.toMatchObject({ code: 'GW_ERR_UPSTREAM_STATUS', upstreamStatus: 503, upstreamRetryAfterMs: 7000 })
  })

  it('tells a refused connection (nothing sent) from a dropped one (outcome unknown)', async () => {
    const { url, server } = await serve((request) => { request.socket.destroy() })
    const calls: UpstreamCall[] = []
    const eventService = client(url, calls)
    await expect(eventService.addEvent(event)).rejects.toMatchObject({ code: 'GW_ERR_UPSTREAM_DISCONNECTED', outcome: 'outcome-unknown' })
    server.closeAllConnections()
    await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    await expect(eventService.addEvent(event)).rejects.toMatchObject({ code: 'GW_ERR_UPSTREAM_UNREACHABLE', outcome: 'not-forwarded' })
    expect(calls.map((call) => call.outcome)).toEqual(['disconnected', 'unreachable'])
  })

  it('answers hasEvent from getEventById: 200 true, 404 false, anything else an error', async () => {
    const { url } = await serve((request, response) => {
      if (request.url === '/getEventById/known') response.writeHead(200).end('{"id":"known"}')
      else if (request.url === '/getEventById/a%2Fb') response.writeHead(404).end()
      else response.writeHead(500).end()
    })
    const eventService = client(url)
    expect(await eventService.hasEvent('known')).toBe(true)
    expect(await eventService.hasEvent('a/b')).toBe(false)
    await expect(eventService.hasEvent('other')).rejects.toMatchObject({ code: 'GW_ERR_UPSTREAM_STATUS' })
  })

  it('rejects a read that is not JSON with GW_ERR_UPSTREAM_INVALID_RESPONSE', async () => {
    const { url } = await serve((_request, response) => { response.writeHead(200).end('<html>') })
    await expect(client(url).getUsers()).rejects.toMatchObject({ code: 'GW_ERR_UPSTREAM_INVALID_RESPONSE' })
  })
})

describe('the event.com client, timing out', () => {
  it('gives up after timeoutMs with GW_ERR_UPSTREAM_TIMEOUT, on its own timer', async () => {
    let received = (): void => undefined
    const arrived = new Promise<void>((resolve) => { received = resolve })
    const { url } = await serve(() => { received() })
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    onTestFinished(() => { vi.useRealTimers() })
    const eventService = client(url)
    let settled = false
    const outcome = eventService.addEvent(event).catch((error: unknown) => error).finally(() => { settled = true })
    await arrived
    vi.advanceTimersByTime(2999)
    await new Promise((resolve) => { setImmediate(resolve) })
    expect(settled).toBe(false)
    vi.advanceTimersByTime(1)
    expect(await outcome).toMatchObject({ code: 'GW_ERR_UPSTREAM_TIMEOUT', outcome: 'outcome-unknown' })
  })

  it('gives up on a response whose body stops arriving, as on one that never starts', async () => {
    let started = (): void => undefined
    const headersSent = new Promise<void>((resolve) => { started = resolve })
    const { url } = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.write('[')
      started()
    })
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    onTestFinished(() => { vi.useRealTimers() })
    const outcome = client(url).getUsers().catch((error: unknown) => error)
    await headersSent
    vi.advanceTimersByTime(3000)
    expect(await outcome).toMatchObject({ code: 'GW_ERR_UPSTREAM_TIMEOUT' })
  })

  it('clears its timer once a call is over, answered or failed', async () => {
    const { url } = await serve((request, response) => {
      response.writeHead(request.url === '/addEvent' ? 200 : 500).end('{}')
    })
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    onTestFinished(() => { vi.useRealTimers() })
    const eventService = client(url)
    const calls = async (): Promise<void> => {
      await eventService.addEvent(event)
      await expect(eventService.getUsers()).rejects.toMatchObject({ code: 'GW_ERR_UPSTREAM_STATUS' })
    }
    // The first calls open the connection, and with it undici's own timers.
    await calls()
    const timers = vi.getTimerCount()
    await calls()
    await calls()
    expect(vi.getTimerCount()).toBe(timers)
  })
})
