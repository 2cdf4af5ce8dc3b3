import { describe, expect, it } from 'vitest'
import { listenOn, openRaw, problemBodies, statuses } from '../../helpers/rawSocket.js'
import type { RawClient } from '../../helpers/rawSocket.js'
import { buildTestApp } from '../../helpers/testApp.js'

const body = '{"name":"expect","userId":"1"}'
const head = (path: string, headers: Record<string, string | number>): string =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`
const json = { 'Content-Type': 'application/json', 'Content-Length': body.length, Expect: '100-continue' }

/** Sends a head that waits for 100 Continue, never its body, and returns what came back once the server closed the connection. */
async function refusedOnHead (port: number, path: string, headers: Record<string, string | number>): Promise<RawClient> {
  const client = await openRaw(port)
  client.send(head(path, headers))
  await client.closed
  return client
}

describe('Expect: 100-continue', () => {
  it('sends 100 Continue once the body is needed, then answers the write', async () => {
    const { app } = await buildTestApp()
    const client = await openRaw(await listenOn(app))
    client.send(head('/addEvent', json))
    await client.waitFor('HTTP/1.1 100 Continue\r\n\r\n')
    client.send(body)
    await client.waitFor('"name":"expect"')
    expect(statuses(client.received())).toEqual([100, 201])
    client.socket.destroy()
  })

  it.each([
    ['415 for a body that is not JSON', '/addEvent', { ...json, 'Content-Type': 'text/plain' }, 415, 'GW_ERR_REQUEST_MEDIA_TYPE'],
    ['413 for a body over the limit', '/addEvent', { ...json, 'Content-Length': 70_000 }, 413, 'GW_ERR_REQUEST_TOO_LARGE'],
    ['404 for no such route', '/nowhere', json, 404, 'GW_ERR_ROUTE_NOT_FOUND']
  ])('answers %s without 100 Continue, and closes', async (_label, path, headers, status, code) => {
    const { app, upstream } = await buildTestApp()
    const client = await refusedOnHead(await listenOn(app), path, headers)
    expect(statuses(client.received())).toEqual([status])
    expect(problemBodies(client.received())).toMatchObject([{ code }])
    expect(client.received()).not.toContain('100 Continue')
    expect(upstream.received).toEqual([])
  })

  it('answers 429 without 100 Continue once the write limit is spent', async () => {
    const { app } = await buildTestApp({ config: { http: { rateLimitWriteMax: 1 } } })
    const port = await listenOn(app)
    const first = await openRaw(port)
    first.send(head('/addEvent', json))
    await first.waitFor('100 Continue')
    first.send(body)
    await first.waitFor('"name":"expect"')
    first.socket.destroy()

    const client = await refusedOnHead(port, '/addEvent', json)
    expect(statuses(client.received())).toEqual([429])
    expect(client.received()).not.toContain('100 Continue')
  })

  it('answers 503 with Retry-After without 100 Continue while the breaker is open', async () => {
    const { app, upstream } = await buildTestApp()
    const port = await listenOn(app)
    app.eventServiceBreaker.forceOpen()
    const client = await refusedOnHead(port, '/addEvent', json)
    expect(statuses(client.received())).toEqual([503])
    expect(problemBodies(client.received())).toMatchObject([{ code: 'GW_ERR_BREAKER_OPEN', outcome: 'not-forwarded' }])
    expect(client.received()).toMatch(/retry-after: \d+/)
    expect(client.received()).not.toContain('100 Continue')
    expect(upstream.received).toEqual([])
  })
})

describe('other expectations', () => {
  it('get a 417 problem with a request id, in the body and the header', async () => {
    const { app } = await buildTestApp()
    const client = await refusedOnHead(await listenOn(app), '/addEvent', { ...json, Expect: '200-ok' })
    expect(statuses(client.received())).toEqual([417])
    const [problem] = problemBodies(client.received())
    expect(problem).toMatchObject({ code: 'GW_ERR_EXPECTATION_FAILED', status: 417 })
    expect(client.received()).toMatch(/content-type: application\/problem\+json/i)
    expect(client.received()).toContain(`X-Request-Id: ${String(problem?.requestId)}`)
  })
})
