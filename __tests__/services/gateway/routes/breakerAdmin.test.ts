import { describe, expect, it } from 'vitest'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { bearerGuard } from '../../../../services/http/bearerGuard.js'
import type { CircuitBreaker } from '../../../../utils/breaker/circuitBreaker.js'
import { buildTestApp } from '../../../helpers/testApp.js'

const token = 'correct-horse-battery-staple'
const startedAt = 1_700_000_000_000

/** The gateway with the admin routes when a token is given, and its breaker, on a manual clock at `startedAt`. */
async function buildAdminApp (options: { adminToken?: string, writeMax?: number, adminMax?: number } = {}): Promise<{ app: FastifyInstance, breaker: CircuitBreaker }> {
  const { app } = await buildTestApp({ config: { http: { adminToken: options.adminToken, rateLimitWriteMax: options.writeMax ?? 0, rateLimitAdminMax: options.adminMax ?? 0 } } })
  await app.ready()
  return { app, breaker: app.eventServiceBreaker }
}

function post (app: FastifyInstance, action: string, authorization?: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: `/admin/breaker/${action}`,
    headers: authorization === undefined ? {} : { authorization }
  })
}

const unauthorizedBody = {
  type: 'urn:event-gateway:problem:admin-unauthorized',
  title: 'A valid admin bearer token is required',
  status: 401,
  detail: 'A valid admin bearer token is required',
  code: 'GW_ERR_ADMIN_UNAUTHORIZED'
}

describe('admin breaker routes', () => {
  it('force the breaker open, closed, and reset it with the right token, answering its snapshot', async () => {
    const { app, breaker } = await buildAdminApp({ adminToken: token })

    const opened = await post(app, 'open', `Bearer ${token}`)
    expect(opened.statusCode).toBe(200)
    expect(opened.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(opened.json()).toEqual({ state: 'forced-open', consecutiveFailures: 0, attempt: 0, openedAt: new Date(startedAt).toISOString() })
    expect(breaker.state).toBe('forced-open')

    const closed = await post(app, 'close', `Bearer ${token}`)
    expect(closed.statusCode).toBe(200)
    expect(closed.json()).toEqual({ state: 'forced-closed', consecutiveFailures: 0, attempt: 0 })
    expect(breaker.state).toBe('forced-closed')

    const reset = await post(app, 'reset', `Bearer ${token}`)
    expect(reset.statusCode).toBe(200)
    expect(reset.json()).toEqual({ state: 'closed', consecutiveFailures: 0, attempt: 0 })
    expect(breaker.state).toBe('closed')
  })

  it('accepts the scheme in any case', async () => {
    const { app, breaker } = await buildAdminApp({ adminToken: token })
    expect((await post(app, 'open', `bearer ${token}`)).statusCode).toBe(200)
    expect(breaker.state).toBe('forced-open')
  })

  it('answers 401 problem+json with WWW-Authenticate when the token is missing, and leaves the breaker alone', async () => {
    const { app, breaker } = await buildAdminApp({ adminToken: token })
    for (const action of ['open', 'close', 'reset']) {
      const response = await post(app, action)
      expect(response.statusCode).toBe(401)
      expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8')
      expect(response.headers['www-authenticate']).toBe('Bearer')
      expect(response.json()).toEqual({ ...unauthorizedBody, requestId: response.headers['x-request-id'] })
    }
    expect(breaker.state).toBe('closed')
  })

  it.each([
    ['a one-character token', 'Bearer x'],
    ['a prefix of the token', `Bearer ${token.slice(0, -1)}`],
    ['the token and one more character', `Bearer ${token}x`],
    ['a much longer token', `Bearer ${'y'.repeat(4096)}`],
    ['the token in another case', `Bearer ${token.toUpperCase()}`],
    ['the token under another scheme', `Basic ${token}`],
    ['the token without a scheme', token],
    ['the scheme without a token', 'Bearer '],
    ['two tokens', `Bearer ${token} ${token}`]
  ])('answers exactly the same 401 for %s', async (_name, authorization) => {
    const { app, breaker } = await buildAdminApp({ adminToken: token })
    const response = await post(app, 'open', authorization)
    expect(response.statusCode).toBe(401)
    expect(response.headers['www-authenticate']).toBe('Bearer')
    expect(response.json()).toEqual({ ...unauthorizedBody, requestId: response.headers['x-request-id'] })
    expect(breaker.state).toBe('closed')
  })

  it('does not exist when no admin token is set', async () => {
    const { app, breaker } = await buildAdminApp()
    for (const action of ['open', 'close', 'reset']) {
      const response = await post(app, action, `Bearer ${token}`)
      expect(response.statusCode).toBe(404)
      expect(response.json()).toMatchObject({ code: 'GW_ERR_ROUTE_NOT_FOUND' })
    }
    expect(breaker.state).toBe('closed')
  })

  it('is rate limited with a quota of its own, wrong guesses included', async () => {
    const { app, breaker } = await buildAdminApp({ adminToken: token, adminMax: 2 })
    expect((await post(app, 'open', 'Bearer guess')).statusCode).toBe(401)
    expect((await post(app, 'open', `Bearer ${token}`)).statusCode).toBe(200)
    const limited = await post(app, 'reset', `Bearer ${token}`)
    expect(limited.statusCode).toBe(429)
    expect(limited.json()).toMatchObject({ code: 'GW_ERR_RATE_LIMITED' })
    expect(breaker.state).toBe('forced-open')
  })

  it('still answers the operator once a client has spent its write quota', async () => {
    const { app, breaker } = await buildAdminApp({ adminToken: token, writeMax: 2, adminMax: 5 })
    const write = (): Promise<LightMyRequestResponse> => app.inject({ method: 'POST', url: '/addEvent', headers: { 'content-type': 'application/json' }, payload: '{"name":"x","userId":"1"}' })
    expect((await write()).statusCode).toBe(201)
    expect((await write()).statusCode).toBe(201)
    expect((await write()).statusCode).toBe(429)
    const opened = await post(app, 'open', `Bearer ${token}`)
    expect(opened.statusCode).toBe(200)
    expect(opened.headers['ratelimit-policy']).toBe('"admin";q=5;w=60')
    expect(breaker.state).toBe('forced-open')
  })

  it('refuses an empty token at registration instead of guarding with it', () => {
    expect(() => bearerGuard('')).toThrow(TypeError)
  })
})
