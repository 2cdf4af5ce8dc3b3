import type { FastifyPluginCallback, onRequestHookHandler } from 'fastify'
import { tokenMatcher } from '../http/bearerGuard.js'
import { GatewayError } from '../http/errors.js'
import { problems, success } from '../http/openapi.js'
import { isCrossSite } from '../http/requestOrigin.js'
import { csrfHeader } from './csrf.js'
import { dashboardPrefix, loginPage } from './dashboardAccess.js'
import type { DashboardSessions } from './session.js'

export interface LoginRouteOptions {
  readonly adminToken: string | undefined
  readonly sessions: DashboardSessions
  /** The admin rate limit, so that guessing the token costs a quota; undefined when off. */
  readonly limit: onRequestHookHandler | undefined
}

const dashboard = { tags: ['dashboard'], security: [] }
const redirect = (description: string): Record<string, unknown> => ({ description, headers: { location: { type: 'string' } }, type: 'null' })
const formTypes = ['application/x-www-form-urlencoded', 'application/json']

const loginBodySchema = {
  type: 'object',
  required: ['token'],
  additionalProperties: false,
  properties: { token: { type: 'string', minLength: 1, maxLength: 1024, description: 'ADMIN_TOKEN' } }
} as const

/** A logout form's CSRF token field (a request may come with no body at all, so no body schema). */
function csrfField (body: unknown): unknown {
  return typeof body === 'object' && body !== null && 'csrfToken' in body ? body.csrfToken : undefined
}

const sessionSchema = {
  type: 'object',
  required: ['authenticated', 'mode'],
  properties: {
    authenticated: { type: 'boolean' },
    csrfToken: { type: 'string', description: `Send it as ${csrfHeader} with every POST, PUT and DELETE` },
    mode: { type: 'string', enum: ['token', 'loopback'], description: 'token: ADMIN_TOKEN is set and logging in needs it; loopback: this machine only, no login' }
  }
} as const

const crossSite = (): GatewayError => new GatewayError('GW_ERR_CSRF_INVALID', 'A page of another site may not log in or out of the dashboard')

/** Logging in (ADMIN_TOKEN, compared in constant time, for a session cookie), out, and the session's CSRF token. */
export const loginRoutes: FastifyPluginCallback<LoginRouteOptions> = (app, { adminToken, sessions, limit }, done) => {
  const matches = adminToken === undefined ? undefined : tokenMatcher(adminToken)
  const mode = adminToken === undefined ? 'loopback' : 'token'

  app.post<{ Body: { token: string } }>('/dashboard/login', {
    ...(limit !== undefined && { onRequest: [limit] }),
    config: { dashboardOpen: true },
    bodyLimit: 4096,
    schema: {
      ...dashboard,
      operationId: 'dashboardLogin',
      summary: 'Log in to the dashboard with ADMIN_TOKEN: a session cookie, and on to /dashboard/',
      consumes: formTypes,
      body: loginBodySchema,
      response: {
        303: redirect('Logged in (the session cookie is set), on to /dashboard/; or, from a form, a wrong token, back to the login page with ?failed=1'),
        ...problems(['GW_ERR_REQUEST_INVALID', 'GW_ERR_ADMIN_UNAUTHORIZED', 'GW_ERR_CSRF_INVALID', 'GW_ERR_RATE_LIMITED', 'GW_ERR_REQUEST_MEDIA_TYPE'])
      }
    }
  }, (request, reply) => {
    if (isCrossSite(request)) throw crossSite()
    // Without ADMIN_TOKEN this machine is the credential (the dashboard's guard has checked it).
    if (matches !== undefined && !matches(request.body.token)) {
      request.log.info('dashboard login refused')
      if (request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') === true) return reply.redirect(`${loginPage}?failed=1`, 303)
      throw new GatewayError('GW_ERR_ADMIN_UNAUTHORIZED', 'That is not the admin token')
    }
    sessions.issue(request, reply)
    return reply.redirect(dashboardPrefix, 303)
  })

  app.post('/dashboard/logout', {
    config: { dashboardOpen: true },
    bodyLimit: 4096,
    schema: {
      ...dashboard,
      operationId: 'dashboardLogout',
      summary: 'End the session: its cookie cleared, and on to the login page. Needs the session\'s CSRF token, as x-csrf-token or a csrfToken form field',
      response: {
        303: redirect('Logged out, on to the login page (or /dashboard/ without ADMIN_TOKEN)'),
        ...problems(['GW_ERR_REQUEST_INVALID', 'GW_ERR_CSRF_INVALID', 'GW_ERR_REQUEST_MEDIA_TYPE'])
      }
    }
  }, (request, reply) => {
    if (isCrossSite(request)) throw crossSite()
    const session = sessions.read(request)
    if (session !== undefined && !sessions.csrfValid(session, request.headers[csrfHeader] ?? csrfField(request.body))) {
      throw new GatewayError('GW_ERR_CSRF_INVALID', `Logging out needs the session's ${csrfHeader} header or csrfToken field`)
    }
    sessions.clear(request, reply)
    return reply.redirect(adminToken === undefined ? dashboardPrefix : loginPage, 303)
  })

  app.get('/dashboard/session', {
    config: { dashboardOpen: true },
    schema: {
      ...dashboard,
      operationId: 'dashboardSession',
      summary: 'Whether this browser is logged in, and its CSRF token',
      response: { 200: success('The session', sessionSchema), ...problems(['GW_ERR_ADMIN_UNAUTHORIZED']) }
    }
  }, (request, reply) => {
    void reply.header('cache-control', 'no-store')
    // Without ADMIN_TOKEN the guard let only this machine in: it gets a session, so its page's writes carry a CSRF token too.
    const session = sessions.read(request) ?? (adminToken === undefined ? sessions.issue(request, reply) : undefined)
    return session === undefined ? { authenticated: false, mode } : { authenticated: true, csrfToken: sessions.csrfToken(session), mode }
  })
  done()
}
