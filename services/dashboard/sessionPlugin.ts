import cookie from '@fastify/cookie'
import fp from 'fastify-plugin'
import type { DashboardSessions } from './session.js'

export interface SessionPluginOptions {
  readonly sessions: DashboardSessions
}

/**
 * Cookies on every request, signed with the sessions' key: the management API reads the
 * dashboard's session as well as the dashboard does. Register it before either.
 */
export const sessionPlugin = fp<SessionPluginOptions>(async (app, { sessions }) => {
  await app.register(cookie, { secret: sessions.cookieSecret })
}, { name: 'dashboard-session', fastify: '5.x' })
