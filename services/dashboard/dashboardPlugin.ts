import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { addSecurityHeaders } from './contentSecurityPolicy.js'
import { dashboardAccess, dashboardPrefix } from './dashboardAccess.js'
import { parseForm } from './formBody.js'
import { loginRoutes } from './loginRoutes.js'
import { defaultPublicDir, vendorFiles } from './publicFiles.js'
import type { DashboardSessions } from './session.js'

export interface DashboardPluginOptions {
  readonly adminToken: string | undefined
  readonly sessions: DashboardSessions
  /** Where the pages are; default services/dashboard/public under the project's root. */
  readonly publicDir?: string
}

const hidden = { schema: { hide: true } }

/**
 * The dashboard at /dashboard/: its pages and their scripts and styles as files, the libraries they
 * load under /dashboard/vendor/, logging in and out. Every answer carries a strict Content Security
 * Policy; who may see it is decided by `dashboardAccess`.
 */
const dashboard: FastifyPluginAsync<DashboardPluginOptions> = async (app, options) => {
  const { adminToken, sessions } = options
  const limit = app.rateLimits.hook('admin')
  await app.register(async (scope) => {
    scope.addHook('onRequest', dashboardAccess(adminToken, sessions))
    scope.addHook('onSend', addSecurityHeaders)
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, parseForm)

    scope.get('/dashboard', { ...hidden, config: { dashboardOpen: true } }, (_request, reply) => reply.redirect(dashboardPrefix, 301))
    await scope.register(fastifyStatic, {
      root: options.publicDir ?? defaultPublicDir(),
      prefix: dashboardPrefix,
      index: ['index.html'],
      dotfiles: 'ignore',
      // Always revalidated (ETag, Last-Modified): a new version of a page is never mixed with old scripts.
      cacheControl: true,
      maxAge: 0
    })
    for (const file of vendorFiles()) {
      scope.get(`${dashboardPrefix}vendor/${file.name}`, hidden, (_request, reply) => reply.sendFile(file.name, file.dir))
    }
    await scope.register(loginRoutes, { adminToken, sessions, limit })
  })
}

export const dashboardPlugin = fp(dashboard, { name: 'dashboard', fastify: '5.x', dependencies: ['http', 'rate-limit', 'dashboard-session'] })
