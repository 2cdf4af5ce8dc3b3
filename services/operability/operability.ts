import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify'
import type { Metrics } from './metrics.js'
import { requestEnded, requestStarted } from '../http/protocolErrors.js'
import { requestIdHeader } from '../http/requestId.js'
import { adminRoutes } from './routes/admin.js'
import type { AdminBreaker } from './routes/admin.js'
import { errorResponses } from '../http/schemas.js'

export { registerDocs } from './docsPlugin.js'

export interface OperabilityOptions {
  readonly metrics: Metrics
  readonly breaker: AdminBreaker
  /** Bearer token for /admin/breaker/*; undefined leaves those routes out entirely. */
  readonly adminToken?: string | undefined
  /** The hook `registerRateLimits` returns; the admin routes are limited like the data routes, /metrics never. */
  readonly limitRate?: onRequestAsyncHookHandler | undefined
}

/** Label for requests that matched no route: the raw URL would make one series per probe of a scanner. */
const notFoundRoute = 'not-found'

/**
 * The hooks every request passes through, kept to one onRequest and one onResponse because each hook
 * is paid on every request: the `x-request-id` echo, the count of unanswered requests per connection
 * (for protocol errors), and the request metrics. Call it on the root instance before any route.
 */
export function registerRequestHooks (app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header(requestIdHeader, request.id)
    requestStarted(request.raw.socket)
    done()
  })
  app.addHook('onResponse', (request, reply, done) => {
    requestEnded(request.raw.socket)
    metrics.recordRequest({
      route: request.routeOptions.url ?? notFoundRoute,
      method: request.method,
      status: String(reply.statusCode)
    }, reply.elapsedTime / 1000)
    done()
  })
}

/**
 * GET /metrics and the admin routes. Call it on the root instance after `registerDocs` and before
 * any route plugin, so its routes are documented.
 */
export function registerOperability (app: FastifyInstance, options: OperabilityOptions): void {
  const { metrics, breaker, adminToken, limitRate } = options

  // A scraper polls on a fixed schedule and must never be throttled, even if the limiter ever becomes global.
  app.get('/metrics', {
    config: { rateLimit: false },
    schema: {
      summary: 'Prometheus metrics',
      tags: ['operability'],
      produces: ['text/plain'],
      response: { 200: { type: 'string', description: 'Prometheus text exposition format 0.0.4' }, ...errorResponses }
    }
  }, async (_request, reply) => {
    // Read at scrape time, so the gauge is right even for transitions nobody reported.
    metrics.setBreakerState(breaker.snapshot().state)
    return reply.type(metrics.contentType).send(await metrics.expose())
  })

  if (adminToken !== undefined) adminRoutes(app, { breaker, token: adminToken, limitRate })
}
