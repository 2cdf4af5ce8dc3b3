import type { onRequestAsyncHookHandler } from 'fastify'
import { GatewayError } from '../http/errors.js'
import { fromThisMachine } from '../http/requestOrigin.js'
import { isPublicAsset } from './publicFiles.js'
import type { DashboardSessions } from './session.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A dashboard route anyone may call (logging in, asking whether one is logged in). */
    dashboardOpen?: boolean
  }
}

/** Where the dashboard lives, and its login page. */
export const dashboardPrefix = '/dashboard/'
export const loginPage = '/dashboard/login.html'

/** The path below /dashboard/, decoded; undefined when it cannot be read or climbs out. */
function pathBelowDashboard (url: string): string | undefined {
  const path = url.split('?', 1)[0] ?? ''
  if (!path.startsWith(dashboardPrefix)) return undefined
  try {
    const decoded = decodeURIComponent(path.slice(dashboardPrefix.length))
    return decoded.includes('..') || decoded.includes('\\') || decoded.includes('\0') ? undefined : decoded
  } catch {
    return undefined
  }
}

const isPage = (path: string): boolean => path === '' || path.endsWith('/') || path.endsWith('.html')

/**
 * Who may see the dashboard. Without ADMIN_TOKEN, clients on this machine only (as the management
 * API); everyone else gets a 401. With it, a valid session; without one, a page request is sent
 * to the login page and anything else gets a 401, but for what the login page itself needs.
 */
export function dashboardAccess (adminToken: string | undefined, sessions: DashboardSessions): onRequestAsyncHookHandler {
  // eslint-disable-next-line @typescript-eslint/require-await -- Fastify takes an early reply from an async hook's returned reply
  return async (request, reply) => {
    if (adminToken === undefined) {
      if (fromThisMachine(request)) return
      throw new GatewayError('GW_ERR_ADMIN_UNAUTHORIZED', 'The dashboard answers only this machine while ADMIN_TOKEN is unset')
    }
    if (request.routeOptions.config.dashboardOpen === true) return
    const path = pathBelowDashboard(request.url)
    if (path !== undefined && isPublicAsset(path)) return
    if (sessions.read(request) !== undefined) return
    if (path !== undefined && isPage(path) && (request.method === 'GET' || request.method === 'HEAD')) return reply.redirect(loginPage, 303)
    throw new GatewayError('GW_ERR_ADMIN_UNAUTHORIZED', 'Log in to the dashboard first')
  }
}
