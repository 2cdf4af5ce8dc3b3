import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { describe, expect, it } from 'vitest'
import { sessionCookie } from '../../../services/dashboard/session.js'
import { dashboardSuite } from '../../helpers/dashboardFiles.js'
import { buildJourneysApp, emailFlow } from '../../helpers/journeysApp.js'
import { unique } from '../../helpers/testEngine.js'

const adminToken = 'csrf-admin-token-0123456789abcdef'
const remoteAddress = '198.51.100.4'

interface Browser {
  readonly cookies: Record<string, string>
  readonly csrfToken: string
}

/** Logs in as the login form does, then asks for the CSRF token as the pages do. */
async function logIn (app: FastifyInstance): Promise<Browser> {
  const login = await app.inject({ method: 'POST', url: '/dashboard/login', remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${adminToken}` })
  const value = login.cookies.find((cookie) => cookie.name === sessionCookie)?.value ?? ''
  const cookies = { [sessionCookie]: value }
  const session = await app.inject({ url: '/dashboard/session', remoteAddress, cookies })
  return { cookies, csrfToken: session.json<{ csrfToken: string }>().csrfToken }
}

function createFlow (app: FastifyInstance, options: { cookies?: Record<string, string>, headers?: Record<string, string>, remoteAddress?: string } = {}): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/api/flows',
    remoteAddress: options.remoteAddress ?? remoteAddress,
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.cookies !== undefined && { cookies: options.cookies }),
    payload: JSON.stringify(emailFlow(unique('csrf')))
  })
}

describe('CSRF on the management API', () => {
  const suite = dashboardSuite()

  it('refuses a change authenticated by the session cookie alone without the session\'s x-csrf-token, or with a wrong one', async () => {
    const { app } = await buildJourneysApp(suite.engine(), { adminToken, publicDir: suite.dir() })
    const browser = await logIn(app)
    for (const headers of [{}, { 'x-csrf-token': 'forged' }, { 'x-csrf-token': `${browser.csrfToken}x` }]) {
      const refused = await createFlow(app, { cookies: browser.cookies, headers })
      expect(refused.statusCode).toBe(403)
      expect(refused.headers['content-type']).toBe('application/problem+json; charset=utf-8')
      expect(refused.json()).toMatchObject({ code: 'GW_ERR_CSRF_INVALID', status: 403, type: 'urn:event-gateway:problem:csrf-invalid' })
    }
    const flows = await app.inject({ url: '/api/flows', remoteAddress, headers: { authorization: `Bearer ${adminToken}` } })
    expect(flows.json<unknown[]>().filter((flow) => JSON.stringify(flow).includes('csrf-'))).toEqual([])
  })

  it('accepts it with the token, and reads with the cookie alone', async () => {
    const { app } = await buildJourneysApp(suite.engine(), { adminToken, publicDir: suite.dir() })
    const browser = await logIn(app)
    const created = await createFlow(app, { cookies: browser.cookies, headers: { 'x-csrf-token': browser.csrfToken } })
    expect(created.statusCode).toBe(201)
    const { id } = created.json<{ id: string }>()
    expect((await app.inject({ url: `/api/flows/${id}`, remoteAddress, cookies: browser.cookies })).statusCode).toBe(200)
    const disabled = await app.inject({ method: 'POST', url: `/api/flows/${id}/disable`, remoteAddress, cookies: browser.cookies, headers: { 'x-csrf-token': browser.csrfToken } })
    expect(disabled.json()).toMatchObject({ id, enabled: false })
    // Another session's token is not this one's.
    const other = await logIn(app)
    expect((await app.inject({ method: 'DELETE', url: `/api/flows/${id}`, remoteAddress, cookies: browser.cookies, headers: { 'x-csrf-token': other.csrfToken } })).statusCode).toBe(403)
  })

  it('needs no CSRF token from a bearer of ADMIN_TOKEN, nor from this machine without a cookie', async () => {
    const guarded = await buildJourneysApp(suite.engine(), { adminToken, publicDir: suite.dir() })
    expect((await createFlow(guarded.app, { headers: { authorization: `Bearer ${adminToken}` } })).statusCode).toBe(201)
    const open = await buildJourneysApp(suite.engine(), { publicDir: suite.dir() })
    expect((await createFlow(open.app, { remoteAddress: '127.0.0.1' })).statusCode).toBe(201)
  })

  it('gives this machine a session without ADMIN_TOKEN, whose cookie then needs the CSRF token like any other', async () => {
    const { app } = await buildJourneysApp(suite.engine(), { publicDir: suite.dir() })
    const session = await app.inject('/dashboard/session')
    expect(session.json()).toEqual({ authenticated: true, csrfToken: expect.any(String) as unknown, mode: 'loopback' })
    const cookies = { [sessionCookie]: session.cookies.find((cookie) => cookie.name === sessionCookie)?.value ?? '' }
    expect((await app.inject('/dashboard/session')).cookies).toHaveLength(1)
    expect((await app.inject({ url: '/dashboard/session', cookies })).cookies).toEqual([])
    expect((await createFlow(app, { remoteAddress: '127.0.0.1', cookies })).statusCode).toBe(403)
    const { csrfToken } = session.json<{ csrfToken: string }>()
    expect((await createFlow(app, { remoteAddress: '127.0.0.1', cookies, headers: { 'x-csrf-token': csrfToken } })).statusCode).toBe(201)
  })

  it('refuses a change sent by another site\'s page, whatever vouches for it', async () => {
    const guarded = await buildJourneysApp(suite.engine(), { adminToken, publicDir: suite.dir() })
    const browser = await logIn(guarded.app)
    const withToken = { 'x-csrf-token': browser.csrfToken, authorization: `Bearer ${adminToken}` }
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site' }, { origin: 'https://attacker.example' }, { origin: 'null' }]) {
      const refused = await createFlow(guarded.app, { cookies: browser.cookies, headers: { ...withToken, ...headers } })
      expect(refused.statusCode, JSON.stringify(headers)).toBe(403)
      expect(refused.json()).toMatchObject({ code: 'GW_ERR_CSRF_INVALID' })
    }
    const sameOrigin = await createFlow(guarded.app, { cookies: browser.cookies, headers: { 'x-csrf-token': browser.csrfToken, 'sec-fetch-site': 'same-origin', origin: 'http://localhost:80' } })
    expect(sameOrigin.statusCode).toBe(201)
    const open = await buildJourneysApp(suite.engine(), { publicDir: suite.dir() })
    expect((await createFlow(open.app, { remoteAddress: '127.0.0.1', headers: { 'sec-fetch-site': 'cross-site' } })).statusCode).toBe(403)
    // Reads are not changes: a cross-site page cannot read the answer anyway.
    expect((await open.app.inject({ url: '/api/flows', headers: { 'sec-fetch-site': 'cross-site' } })).statusCode).toBe(200)
  })
})

describe('the quota of a dashboard session', () => {
  const suite = dashboardSuite()

  it('counts a logged-in browser\'s polling against the read quota, while bearer calls and logins keep the small admin quota', async () => {
    const { app } = await buildJourneysApp(suite.engine(), { adminToken, publicDir: suite.dir(), config: { http: { rateLimitAdminMax: 3, rateLimitMax: 1000 } } })
    // The login is one admin call.
    const browser = await logIn(app)
    for (let poll = 0; poll < 10; poll++) {
      const runs = await app.inject({ url: '/api/runs', remoteAddress, cookies: browser.cookies })
      expect(runs.statusCode, `poll ${String(poll)}`).toBe(200)
    }
    const bearer = (): Promise<LightMyRequestResponse> => app.inject({ url: '/api/runs', remoteAddress, headers: { authorization: `Bearer ${adminToken}` } })
    expect((await bearer()).statusCode).toBe(200)
    expect((await bearer()).statusCode).toBe(200)
    const refused = await bearer()
    expect(refused.statusCode).toBe(429)
    expect(refused.json()).toMatchObject({ code: 'GW_ERR_RATE_LIMITED' })
  })
})
