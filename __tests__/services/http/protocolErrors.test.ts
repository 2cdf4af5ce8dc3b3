import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { MemoryEventStore } from '../../../services/gateway/store/memoryEventStore.js'
import { seedUsers } from '../../helpers/seed.js'
import { buildMockedApp } from '../../helpers/mockedApp.js'
import { expectProblem } from '../../helpers/responseSafety.js'
import { buildTestApp } from '../../helpers/testApp.js'

// Each of these was found by the hostile-input and fuzz suites.
describe('malformed percent-encoding in the path', () => {
  it.each(['/getEventsByUserId/%', '/getEventsByUserId/%ff', '/getEventsByUserId/%E0%A4%A', '/getEventsByUserId/%ED%A0%80', '/nope%ff'])('GET %s → 400 problem', async (url) => {
    const { app } = await buildTestApp()
    expectProblem(await app.inject(url), 'GW_ERR_REQUEST_INVALID')
  })
})

describe('ids longer than the router takes', () => {
  it.each([['513 ASCII characters', 'a'.repeat(513)], ['10 000 ASCII characters', 'a'.repeat(10_000)], ['257 emoji', '%F0%9F%98%80'.repeat(257)]])('an id of %s → 400 naming params/id, without echoing it', async (_label, id) => {
    const { app } = await buildTestApp()
    const response = await app.inject(`/getEventsByUserId/${id}`)
    expectProblem(response, 'GW_ERR_REQUEST_INVALID', 'params/id')
    expect(response.body.length).toBeLessThan(1000)
  })
})

describe('non-finite page limits', () => {
  it.each(['Infinity', '-Infinity', '1e400', '-1e400'])('limit=%s → 400 naming querystring/limit', async (limit) => {
    const { app } = await buildTestApp()
    for (const route of ['/getEvents', '/getEventsByUserId/1']) {
      expectProblem(await app.inject(`${route}?limit=${limit}`), 'GW_ERR_REQUEST_INVALID', 'querystring/limit')
    }
  })

  it('never serve more than 10 000 events in one page', async () => {
    const store = new MemoryEventStore()
    await store.load({ users: seedUsers, events: Array.from({ length: 10_005 }, (_, i) => ({ id: `e${i}`, name: 'n', userId: '1' })) })
    const { app } = await buildTestApp({ store })
    const response = await app.inject('/getEvents?limit=Infinity')
    expect(response.statusCode === 200 ? response.json<unknown[]>().length : 0).toBeLessThanOrEqual(10_000)
  })
})

describe('a cursor the gateway never issued', () => {
  it('→ 400 whose field names querystring/cursor', async () => {
    const { app } = await buildTestApp()
    expectProblem(await app.inject('/getEvents?cursor=garbage'), 'GW_ERR_REQUEST_INVALID', 'querystring/cursor')
  })
})

describe('invalid UTF-8 inside a JSON string', () => {
  it.each([['0xFF 0xFE', [0xff, 0xfe]], ['an overlong "/"', [0xc0, 0xaf]], ['an encoded surrogate', [0xed, 0xa0, 0x80]]])('%s → 400 GW_ERR_REQUEST_MALFORMED_JSON, not forwarded', async (_label, bytes) => {
    const { app, upstream } = await buildTestApp()
    const payload = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from(bytes), Buffer.from('","userId":"1"}')])
    const response = await app.inject({ method: 'POST', url: '/addEvent', headers: { 'content-type': 'application/json' }, payload })
    expectProblem(response, 'GW_ERR_REQUEST_MALFORMED_JSON')
    expect(upstream.received).toEqual([])
  })
})

describe('bytes that are not HTTP', () => {
  async function exchange (port: number, bytes: string): Promise<string> {
    return new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      const chunks: Buffer[] = []
      socket.on('data', (chunk: Buffer) => { chunks.push(chunk) })
      socket.on('error', () => { /* a reset is a close */ })
      socket.on('close', () => { resolve(Buffer.concat(chunks).toString('latin1')) })
      socket.write(bytes)
    })
  }

  it('get a problem+json 400 on an idle connection', async () => {
    const { app } = await buildMockedApp()
    await app.listen({ port: 0, host: '127.0.0.1' })
    const reply = await exchange((app.server.address() as AddressInfo).port, 'GARBAGE\r\n\r\n')
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
    expect(reply).toContain('Content-Type: application/problem+json')
    expect(reply).toContain('"code":"GW_ERR_REQUEST_INVALID"')
  })

  it('pipelined behind a write, never make the write look refused', async () => {
    const { app, mock } = await buildMockedApp()
    await app.listen({ port: 0, host: '127.0.0.1' })
    const body = '{"name":"test","userId":"1"}'
    const write = `POST /addEvent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`
    const reached = mock.nextRequest()
    const reply = await exchange((app.server.address() as AddressInfo).port, `${write}GARBAGE\r\n\r\n`)
    expect(await reached).toEqual({ method: 'POST', path: '/addEvent' })
    // The first response on the connection answers the write: 201, or nothing (the connection closed).
    expect(/^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1] ?? 'closed').toMatch(/^(201|closed)$/)
  })
})
