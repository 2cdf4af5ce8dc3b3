import type { FastifyInstance, FastifyReply, FastifyRequest, LightMyRequestResponse } from 'fastify'
import { describe, expect, it } from 'vitest'
import { DashboardSessions } from '../../../services/dashboard/index.js'
import { sessionCookie, sessionMaxAgeMs } from '../../../services/dashboard/session.js'
import { dashboardSuite } from '../../helpers/dashboardFiles.js'
import { buildJourneysApp } from '../../helpers/journeysApp.js'

const adminToken = 'dashboard-admin-token-0123456789'
const remoteAddress = '203.0.113.9'

function formLogin (app: FastifyInstance, token: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/dashboard/login', remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ token }).toString() })
}

function sessionOf (response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((found) => found.name === sessionCookie)
  if (cookie === undefined) throw new Error('no session cookie was set')
  return cookie.value
}

describe('logging in to the dashboard with ADMIN_TOKEN set', () => {
  const suite = dashboardSuite()

  const build = (): ReturnType<typeof buildJourneysApp> => buildJourneysApp(suite.engine(), { adminToken, publicDir: suite.dir() })

  it('sends a page request without a session to the login page, refuses other files, and serves what the login page needs', async () => {
    const { app } = await build()
    for (const url of ['/dashboard/', '/dashboard/index.html']) {
      const page = await app.inject({ url, remoteAddress })
      expect(page.statusCode, url).toBe(303)
      expect(page.headers.location).toBe('/dashboard/login.html')
    }
    for (const url of ['/dashboard/js/app.js', '/dashboard/vendor/chart.umd.js']) {
      const file = await app.inject({ url, remoteAddress })
      expect(file.statusCode, url).toBe(401)
      expect(file.json()).toMatchObject({ code: 'GW_ERR_ADMIN_UNAUTHORIZED' })
    }
    for (const url of ['/dashboard/login.html', '/dashboard/js/login.js', '/dashboard/css/dashboard.css', '/dashboard/favicon.svg']) {
      expect((await app.inject({ url, remoteAddress })).statusCode, url).toBe(200)
    }
    // A dot-segment out of the public folder is the page it names, and that needs a session.
    expect((await app.inject({ url: '/dashboard/css/%2e%2e/index.html', remoteAddress })).headers.location).toBe('/dashboard/login.html')
    const session = await app.inject({ url: '/dashboard/session', remoteAddress })
    expect(session.statusCode).toBe(200)
    expect(session.json()).toEqual({ authenticated: false, mode: 'token' })
    expect(session.cookies).toEqual([])
  })

  it('takes the right token from a form: a signed HttpOnly, SameSite=Strict session cookie for the whole site, then on to /dashboard/', async () => {
    const { app } = await build()
    const login = await formLogin(app, adminToken)
    expect(login.statusCode).toBe(303)
    expect(login.headers.location).toBe('/dashboard/')
    const setCookie = String(login.headers['set-cookie'])
    expect(setCookie).toMatch(new RegExp(`^${sessionCookie}=[\\w-]{24}\\.\\d+\\.[\\w%+/=-]+; Max-Age=${sessionMaxAgeMs / 1000}; Path=/; HttpOnly; SameSite=Strict$`))
    const cookies = { [sessionCookie]: sessionOf(login) }

    const index = await app.inject({ url: '/dashboard/', remoteAddress, cookies })
    expect(index.statusCode).toBe(200)
    expect(index.body).toContain('<title>Dashboard</title>')
    expect((await app.inject({ url: '/dashboard/vendor/dagre.min.js', remoteAddress, cookies })).statusCode).toBe(200)
    const session = await app.inject({ url: '/dashboard/session', remoteAddress, cookies })
    expect(session.json()).toEqual({ authenticated: true, csrfToken: expect.stringMatching(/^[\w-]{43}$/) as unknown, mode: 'token' })
    expect(session.headers['cache-control']).toBe('no-store')
    // The management API takes the session as it takes the bearer token.
    expect((await app.inject({ url: '/api/flows', remoteAddress, cookies })).statusCode).toBe(200)
    expect((await app.inject({ url: '/api/flows', remoteAddress })).statusCode).toBe(401)
  })

  it('takes the token as JSON too', async () => {
    const { app } = await build()
    const login = await app.inject({ method: 'POST', url: '/dashboard/login', remoteAddress, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ token: adminToken }) })
    expect(login.statusCode).toBe(303)
    expect((await app.inject({ url: '/api/runs', remoteAddress, cookies: { [sessionCookie]: sessionOf(login) } })).statusCode).toBe(200)
  })

  it('refuses a wrong token: a form goes back to the login page with ?failed=1, JSON gets a 401; no cookie either way', async () => {
    const { app } = await build()
    const form = await formLogin(app, `${adminToken}x`)
    expect(form.statusCode).toBe(303)
    expect(form.headers.location).toBe('/dashboard/login.html?failed=1')
    expect(form.headers['set-cookie']).toBeUndefined()
    const body = await app.inject({ method: 'POST', url: '/dashboard/login', remoteAddress, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ token: 'guess' }) })
    expect(body.statusCode).toBe(401)
    expect(body.json()).toMatchObject({ code: 'GW_ERR_ADMIN_UNAUTHORIZED' })
    expect(body.headers['set-cookie']).toBeUndefined()
    const empty = await app.inject({ method: 'POST', url: '/dashboard/login', remoteAddress, headers: { 'content-type': 'application/json' }, payload: '{}' })
    expect(empty.statusCode).toBe(400)
    expect(empty.json()).toMatchObject({ code: 'GW_ERR_REQUEST_INVALID', field: 'body/token' })
  })

  it('ignores a cookie that was tampered with, signed under another token, or has expired', async () => {
    const { app, clock } = await build()
    const value = sessionOf(await formLogin(app, adminToken))
    const [id = '', expiry = '', signature = ''] = value.split('.')
    const later = `${id}.${Number(expiry) + 86_400_000}.${signature}`
    expect((await app.inject({ url: '/dashboard/', remoteAddress, cookies: { [sessionCookie]: later } })).statusCode).toBe(303)

    const other = await buildJourneysApp(suite.engine(), { adminToken: 'another-admin-token-0123456789', publicDir: suite.dir() })
    const foreign = sessionOf(await formLogin(other.app, 'another-admin-token-0123456789'))
    expect((await app.inject({ url: '/api/flows', remoteAddress, cookies: { [sessionCookie]: foreign } })).statusCode).toBe(401)

    expect((await app.inject({ url: '/dashboard/', remoteAddress, cookies: { [sessionCookie]: value } })).statusCode).toBe(200)
    clock.advance(sessionMaxAgeMs)
    expect((await app.inject({ url: '/dashboard/', remoteAddress, cookies: { [sessionCookie]: value } })).statusCode).toBe(303)
    expect((await app.inject({ url: '/api/flows', remoteAddress, cookies: { [sessionCookie]: value } })).statusCode).toBe(401)
  })

  it('logs out with the session\'s CSRF token (header or form field), clearing the cookie; without it, a 403', async () => {
    const { app } = await build()
    const cookies = { [sessionCookie]: sessionOf(await formLogin(app, adminToken)) }
    const { csrfToken } = (await app.inject({ url: '/dashboard/session', remoteAddress, cookies })).json<{ csrfToken: string }>()
    const refused = await app.inject({ method: 'POST', url: '/dashboard/logout', remoteAddress, cookies })
    expect(refused.statusCode).toBe(403)
    expect(refused.json()).toMatchObject({ code: 'GW_ERR_CSRF_INVALID' })

    const byHeader = await app.inject({ method: 'POST', url: '/dashboard/logout', remoteAddress, cookies, headers: { 'x-csrf-token': csrfToken } })
    expect(byHeader.statusCode).toBe(303)
    expect(byHeader.headers.location).toBe('/dashboard/login.html')
    expect(String(byHeader.headers['set-cookie'])).toMatch(new RegExp(`^${sessionCookie}=; .*Expires=Thu, 01 Jan 1970`))

    const byForm = await app.inject({
      method: 'POST', url: '/dashboard/logout', remoteAddress, cookies, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `csrfToken=${csrfToken}`
    })
    expect(byForm.statusCode).toBe(303)
  })

  it('refuses a login or logout posted by another site\'s page', async () => {
    const { app } = await build()
    const login = await app.inject({
      method: 'POST', url: '/dashboard/login', remoteAddress, headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'cross-site' }, payload: `token=${adminToken}`
    })
    expect(login.statusCode).toBe(403)
    expect(login.json()).toMatchObject({ code: 'GW_ERR_CSRF_INVALID' })
    const logout = await app.inject({ method: 'POST', url: '/dashboard/logout', remoteAddress, headers: { origin: 'https://attacker.example' } })
    expect(logout.statusCode).toBe(403)
  })
})

describe('DashboardSessions', () => {
  it('marks the cookie Secure when the request came over HTTPS', () => {
    const sessions = new DashboardSessions(adminToken, () => 0)
    const set: { name: string, options: Record<string, unknown> }[] = []
    const reply = { setCookie: (name: string, _value: string, options: Record<string, unknown>) => { set.push({ name, options }); return reply } }
    sessions.issue({ protocol: 'https' } as FastifyRequest, reply as unknown as FastifyReply)
    sessions.issue({ protocol: 'http' } as FastifyRequest, reply as unknown as FastifyReply)
    expect(set.map((cookie) => cookie.options.secure)).toEqual([true, false])
    expect(set[0]?.options).toMatchObject({ signed: true, httpOnly: true, sameSite: 'strict', path: '/' })
  })

  it('derives its keys from ADMIN_TOKEN, so a restart keeps sessions; without one, each process has its own', () => {
    expect(new DashboardSessions(adminToken, Date.now).cookieSecret).toEqual(new DashboardSessions(adminToken, Date.now).cookieSecret)
    expect(new DashboardSessions(adminToken, Date.now).cookieSecret).not.toEqual(new DashboardSessions(`${adminToken}2`, Date.now).cookieSecret)
    expect(new DashboardSessions(undefined, Date.now).cookieSecret).not.toEqual(new DashboardSessions(undefined, Date.now).cookieSecret)
  })
})
