import { describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { GatewayError } from '../../../services/http/errors.js'
import { loggedHttpApp } from '../../helpers/loggedHttpApp.js'
import type { LogLine } from '../../helpers/loggedHttpApp.js'

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

/** A gateway-shaped app whose routes answer with the id they saw or fail, and whose pino lines are kept. */
function buildIdApp (): { app: FastifyInstance, lines: LogLine[] } {
  const { app, lines } = loggedHttpApp()
  void app.register((routes, _options, done) => {
    routes.get('/echo', (request) => ({ id: request.id }))
    routes.get('/fail', () => { throw new GatewayError('GW_ERR_USER_NOT_FOUND', 'no such user') })
    done()
  })
  return { app, lines }
}

async function idFor (header: string | undefined): Promise<{ seen: string, echoed: unknown }> {
  const { app } = buildIdApp()
  const response = await app.inject({ url: '/echo', headers: header === undefined ? {} : { 'x-request-id': header } })
  expect(response.statusCode).toBe(200)
  return { seen: response.json<{ id: string }>().id, echoed: response.headers['x-request-id'] }
}

describe('x-request-id', () => {
  it.each([
    ['a uuid', '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b'],
    ['every allowed character', 'AZaz09._:-'],
    ['one character', 'x'],
    ['128 characters', 'a'.repeat(128)]
  ])('keeps and echoes %s', async (_name, id) => {
    const { seen, echoed } = await idFor(id)
    expect(seen).toBe(id)
    expect(echoed).toBe(id)
  })

  it.each([
    ['129 characters', 'a'.repeat(129)],
    ['300 characters', 'b'.repeat(300)],
    ['CRLF', 'abc\r\nx-injected: 1'],
    ['a space', 'abc def'],
    ['a tab', 'abc\tdef'],
    ['a slash', 'abc/def'],
    ['non-ASCII', 'abcé'],
    ['an empty value', '']
  ])('replaces %s with a fresh uuid instead of rejecting the request', async (_name, id) => {
    const { seen, echoed } = await idFor(id)
    expect(seen).toMatch(uuid)
    expect(echoed).toBe(seen)
  })

  it('generates a uuid when the client sent none, a new one per request', async () => {
    const first = await idFor(undefined)
    const second = await idFor(undefined)
    expect(first.seen).toMatch(uuid)
    expect(first.echoed).toBe(first.seen)
    expect(second.seen).not.toBe(first.seen)
  })

  it('is echoed on problem responses too', async () => {
    const { app } = buildIdApp()
    const response = await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'trace-404' } })
    expect(response.statusCode).toBe(404)
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(response.headers['x-request-id']).toBe('trace-404')
  })

  it('is the reqId of every log line of the request', async () => {
    const { app, lines } = buildIdApp()
    await app.inject({ url: '/echo', headers: { 'x-request-id': 'trace-log-1' } })
    await app.inject({ url: '/fail', headers: { 'x-request-id': 'a b' } })
    const first = lines.filter((line) => line.reqId === 'trace-log-1')
    expect(first.map((line) => line.msg)).toEqual(['incoming request', 'request completed'])

    const replacedIds = new Set(lines.filter((line) => line.reqId !== 'trace-log-1').map((line) => line.reqId))
    expect(replacedIds.size).toBe(1)
    const [replaced] = replacedIds
    expect(replaced).toMatch(uuid)
    // The error handler's own line carries the same id as Fastify's request lines.
    expect(lines.filter((line) => line.reqId === replaced).map((line) => line.msg)).toEqual(['incoming request', 'request rejected', 'request completed'])
  })
})
