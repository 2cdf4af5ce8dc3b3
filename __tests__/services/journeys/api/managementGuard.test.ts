import { describe, expect, it } from 'vitest'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { backends } from '../../../helpers/journeyDatabases.js'
import { expectDocumented } from './documentedResponse.js'
import { buildJourneysApp, problemCode, quickFlow, sharedEngine, unique } from '../../../helpers/journeysApp.js'

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE'

interface Operation { readonly tags?: readonly string[], readonly security?: readonly Record<string, unknown>[] }

/** Every journeys operation in the OpenAPI document, as [method, path template]. */
function journeysOperations (app: FastifyInstance): [Method, string, Operation][] {
  const paths = app.swagger().paths as Record<string, Record<string, Operation>>
  return Object.entries(paths).flatMap(([path, methods]) => Object.entries(methods)
    .filter(([, operation]) => operation.tags?.includes('journeys') === true)
    .map(([method, operation]): [Method, string, Operation] => [method.toUpperCase() as Method, path, operation]))
}

const token = 'journeys-admin-token'

function send (app: FastifyInstance, method: Method, path: string, options: { readonly headers?: Record<string, string>, readonly remoteAddress?: string } = {}): Promise<LightMyRequestResponse> {
  const body = method === 'POST' || method === 'PUT' ? quickFlow(unique('guarded')) : undefined
  return app.inject({
    method,
    url: path.replace('{id}', 'no-such-id'),
    headers: { ...options.headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { payload: JSON.stringify(body) }),
    ...(options.remoteAddress !== undefined && { remoteAddress: options.remoteAddress })
  })
}

function expectRefused (app: FastifyInstance, method: Method, path: string, response: LightMyRequestResponse): void {
  expect(response.statusCode, `${method} ${path}`).toBe(401)
  expect(problemCode(response)).toBe('GW_ERR_ADMIN_UNAUTHORIZED')
  expect(response.headers['www-authenticate']).toBe('Bearer')
  expectDocumented(app, method, path, response)
}

describe.each(backends)('who may manage flows and runs, on %s', (backend) => {
  const engine = sharedEngine(backend)

  it('guards every journeys route but POST /api/trigger-event, and says so in the OpenAPI document', async () => {
    const { app } = await buildJourneysApp(engine())
    await app.ready()
    const operations = journeysOperations(app)
    const guarded = operations.filter(([, path]) => path !== '/api/trigger-event')
    expect(guarded.map(([method, path]) => `${method} ${path}`).sort()).toEqual([
      'DELETE /api/flows/{id}', 'GET /api/analytics', 'GET /api/events', 'GET /api/events/{id}', 'GET /api/flows', 'GET /api/flows/{id}', 'GET /api/flows/{id}/steps', 'GET /api/runs', 'GET /api/runs/{id}',
      'POST /api/flows', 'POST /api/flows/validate', 'POST /api/flows/{id}/disable', 'POST /api/flows/{id}/enable',
      'POST /api/runs/{id}/cancel', 'POST /api/runs/{id}/retry', 'PUT /api/flows/{id}'
    ])
    for (const [, , operation] of guarded) expect(operation.security).toEqual([{ adminBearer: [] }])
    expect(operations.find(([, path]) => path === '/api/trigger-event')?.[2].security).toEqual([])
  })

  describe('with ADMIN_TOKEN set', () => {
    it('refuses a request with no bearer token, or a wrong one, with 401 on every management route', async () => {
      const { app } = await buildJourneysApp(engine(), { config: { http: { adminToken: token } } })
      await app.ready()
      for (const [method, path] of journeysOperations(app).filter(([, route]) => route !== '/api/trigger-event')) {
        expectRefused(app, method, path, await send(app, method, path))
        expectRefused(app, method, path, await send(app, method, path, { headers: { authorization: `Bearer ${token}x` } }))
        expectRefused(app, method, path, await send(app, method, path, { headers: { authorization: `Basic ${token}` } }))
      }
    })

    it('lets the right bearer token through, from anywhere', async () => {
      const { app } = await buildJourneysApp(engine(), { config: { http: { adminToken: token } } })
      await app.ready()
      for (const [method, path] of journeysOperations(app).filter(([, route]) => route !== '/api/trigger-event')) {
        const response = await send(app, method, path, { headers: { authorization: `Bearer ${token}` }, remoteAddress: '203.0.113.7' })
        expect(response.statusCode, `${method} ${path}`).not.toBe(401)
        expect(response.statusCode, `${method} ${path}`).toBeLessThan(500)
        expectDocumented(app, method, path, response)
      }
      const created = await app.inject({ method: 'POST', url: '/api/flows', headers: { authorization: `bearer ${token}` }, payload: quickFlow(unique('token')) })
      expect(created.statusCode).toBe(201)
    })

    it('takes trigger events without a token', async () => {
      const { app } = await buildJourneysApp(engine(), { config: { http: { adminToken: token } } })
      const response = await send(app, 'POST', '/api/trigger-event', { remoteAddress: '203.0.113.7' })
      // The body is a flow, not an event: refused by validation, not by the guard.
      expect(response.statusCode).toBe(400)
      const event = await app.inject({ method: 'POST', url: '/api/trigger-event', remoteAddress: '203.0.113.7', payload: { name: unique('open'), userId: '1' } })
      expect(event.statusCode).toBe(202)
    })
  })

  describe('without ADMIN_TOKEN', () => {
    it('refuses clients not on this machine with 401, whatever X-Forwarded-For claims', async () => {
      const { app } = await buildJourneysApp(engine())
      await app.ready()
      for (const [method, path] of journeysOperations(app).filter(([, route]) => route !== '/api/trigger-event')) {
        expectRefused(app, method, path, await send(app, method, path, { remoteAddress: '203.0.113.7' }))
        expectRefused(app, method, path, await send(app, method, path, { remoteAddress: '203.0.113.7', headers: { 'x-forwarded-for': '127.0.0.1' } }))
      }
      // A bearer token means nothing when none is configured.
      expectRefused(app, 'GET', '/api/flows', await send(app, 'GET', '/api/flows', { remoteAddress: '10.0.0.2', headers: { authorization: 'Bearer anything' } }))
    })

    it('lets loopback clients through, over IPv4, IPv6 and IPv4-mapped IPv6', async () => {
      const { app } = await buildJourneysApp(engine())
      for (const remoteAddress of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
        const response = await send(app, 'GET', '/api/flows', { remoteAddress })
        expect(response.statusCode, remoteAddress).toBe(200)
        expectDocumented(app, 'GET', '/api/flows', response)
      }
    })

    it('takes trigger events from anywhere', async () => {
      const { app } = await buildJourneysApp(engine())
      const response = await app.inject({ method: 'POST', url: '/api/trigger-event', remoteAddress: '203.0.113.7', payload: { name: unique('open'), userId: '1' } })
      expect(response.statusCode).toBe(202)
    })
  })

  it('counts management calls against RATE_LIMIT_ADMIN_MAX, refused ones included', async () => {
    const { app } = await buildJourneysApp(engine(), { config: { http: { adminToken: token, rateLimitAdminMax: 2 } } })
    expect((await send(app, 'GET', '/api/flows', { headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401)
    expect((await send(app, 'GET', '/api/flows', { headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200)
    const limited = await send(app, 'GET', '/api/flows', { headers: { authorization: `Bearer ${token}` } })
    expect(limited.statusCode).toBe(429)
    expect(problemCode(limited)).toBe('GW_ERR_RATE_LIMITED')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expectDocumented(app, 'GET', '/api/flows', limited)
  })
})
