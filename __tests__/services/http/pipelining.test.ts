import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import pino from 'pino'
import { exchange, listenOn, problemBodies, statuses } from '../../helpers/rawSocket.js'
import { buildTestApp } from '../../helpers/testApp.js'

const body = '{"name":"pipelined","userId":"1"}'
const write = `POST /addEvent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`
const read = (n: number): string => `GET /getEventsByUserId/1?limit=${n} HTTP/1.1\r\nHost: x\r\nx-request-id: read-${n}\r\n\r\n`

async function storedNames (app: Awaited<ReturnType<typeof buildTestApp>>['app']): Promise<string[]> {
  return (await app.inject('/getEventsByUserId/1')).json<{ name: string }[]>().map((event) => event.name)
}

describe('a protocol error on a connection', () => {
  it('after a write in the same TCP write: the write is answered 201, then the garbage gets a 400 problem', async () => {
    const { app } = await buildTestApp()
    const raw = await exchange(await listenOn(app), `${write}GARBAGE\r\n\r\n`)
    expect(statuses(raw)).toEqual([201, 400])
    expect(problemBodies(raw)).toMatchObject([{ code: 'GW_ERR_REQUEST_INVALID', status: 400 }])
    expect(await storedNames(app)).toContain('pipelined')
  })

  it('after a write, a request with 20 KB of headers: 201, then a 431 problem', async () => {
    const { app } = await buildTestApp()
    const big = `GET /getUsers HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`
    const raw = await exchange(await listenOn(app), `${write}${big}`)
    expect(statuses(raw)).toEqual([201, 431])
    expect(problemBodies(raw)).toMatchObject([{ code: 'GW_ERR_REQUEST_HEADERS_TOO_LARGE', status: 431 }])
    expect(await storedNames(app)).toContain('pipelined')
  })

  it('in the middle of 50 pipelined reads: the 24 before it are answered in order, then its 400, then the close', async () => {
    const { app } = await buildTestApp()
    const requests = Array.from({ length: 50 }, (_, i) => i === 24 ? 'NOT HTTP AT ALL\r\n\r\n' : read(i + 1))
    const raw = await exchange(await listenOn(app), requests.join(''))
    expect(statuses(raw)).toEqual([...Array.from({ length: 24 }, () => 200), 400])
    expect([...raw.matchAll(/x-request-id: (read-\d+)/g)].map((match) => match[1])).toEqual(Array.from({ length: 24 }, (_, i) => `read-${i + 1}`))
  })

  it('in a chunk line after valid headers: the request itself gets a 400 problem, not a silent close', async () => {
    const { app, upstream } = await buildTestApp()
    const raw = await exchange(await listenOn(app), 'POST /addEvent HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n')
    expect(statuses(raw)).toEqual([400])
    expect(problemBodies(raw)).toMatchObject([{ code: 'GW_ERR_REQUEST_INVALID', outcome: 'not-forwarded' }])
    expect(upstream.received).toEqual([])
  })

  it('gives every problem written outside Fastify a request id, in the body and the header', async () => {
    const { app } = await buildTestApp()
    const raw = await exchange(await listenOn(app), 'GARBAGE\r\n\r\n')
    const [problem] = problemBodies(raw)
    expect(problem).toMatchObject({ code: 'GW_ERR_REQUEST_INVALID', type: 'urn:event-gateway:problem:request-invalid', title: 'The request is invalid' })
    expect(typeof problem?.requestId).toBe('string')
    expect(raw).toContain(`X-Request-Id: ${String(problem?.requestId)}`)
    expect(raw).toContain('Content-Type: application/problem+json')
  })

  it('is logged at warn with the id of the last good request of the connection', async () => {
    const lines: Record<string, unknown>[] = []
    const logger = pino({ level: 'warn' }, new Writable({
      write (chunk: Buffer, _encoding, callback) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); callback() }
    }))
    const { app } = await buildTestApp({ logger })
    await exchange(await listenOn(app), `${read(1)}${read(2)}GARBAGE\r\n\r\n`)
    expect(lines.filter((line) => line.msg === 'protocol error on a connection')).toMatchObject([
      { level: 40, code: 'GW_ERR_REQUEST_INVALID', parserError: 'HPE_INVALID_METHOD', lastRequestId: 'read-2' }
    ])
  })
})
