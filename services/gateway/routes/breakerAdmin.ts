import type { FastifyPluginCallback } from 'fastify'
import type { CircuitBreaker } from '../../../utils/breaker/circuitBreaker.js'
import { adminSecurityScheme, bearerGuard } from '../../http/bearerGuard.js'
import { problems, responseHeaders, success } from '../../http/openapi.js'
import { breakerSnapshotSchema } from '../schemas.js'

export interface BreakerAdminOptions {
  /** The bearer token the routes require; never logged. */
  readonly token: string
}

const actions = {
  open: { operationId: 'forceBreakerOpen', summary: 'Force the circuit breaker open', run: (breaker: CircuitBreaker) => { breaker.forceOpen() } },
  close: { operationId: 'forceBreakerClosed', summary: 'Force the circuit breaker closed', run: (breaker: CircuitBreaker) => { breaker.forceClose() } },
  reset: { operationId: 'resetBreaker', summary: 'Reset the circuit breaker to closed, no longer forced', run: (breaker: CircuitBreaker) => { breaker.reset() } }
} as const

/**
 * POST /admin/breaker/{open,close,reset}: operator overrides, answered with the breaker's snapshot.
 * Register them only when a token is configured; without one they do not exist (404). They have a
 * quota of their own, counted apart from client writes, so clients cannot lock the operator out;
 * it runs before the token check, so guessing tokens spends it too.
 */
export const breakerAdminRoutes: FastifyPluginCallback<BreakerAdminOptions> = (app, options, done) => {
  const breaker = app.eventServiceBreaker
  const guard = bearerGuard(options.token)
  const limit = app.rateLimits.hook('admin')
  const onRequest = limit === undefined ? [guard] : [limit, guard]
  for (const [action, { operationId, summary, run }] of Object.entries(actions)) {
    app.post(`/admin/breaker/${action}`, {
      onRequest,
      schema: {
        operationId,
        summary,
        tags: ['admin'],
        security: [{ [adminSecurityScheme]: [] }],
        response: {
          200: success('The breaker\'s snapshot after the command', breakerSnapshotSchema, { headers: responseHeaders.rateLimit }),
          ...problems(['GW_ERR_ADMIN_UNAUTHORIZED', 'GW_ERR_RATE_LIMITED', 'GW_ERR_INTERNAL'], { limited: true })
        }
      }
    }, (request) => {
      run(breaker)
      const snapshot = breaker.snapshot()
      request.log.warn({ action, breaker: snapshot }, `admin breaker ${action}`)
      return snapshot
    })
  }
  done()
}
