import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, onRequestAsyncHookHandler, onRequestHookHandler } from 'fastify'
import type { BreakerSnapshot } from '../../../utils/breaker/circuitBreaker.js'
import { GatewayError } from '../../http/errors.js'
import { breakerSnapshotSchema, errorResponses } from '../../http/schemas.js'

/** What the admin routes need from the breaker. */
export interface AdminBreaker {
  /** Holds the breaker open until forceClose or reset: every write is refused. */
  forceOpen: () => void
  /** Holds the breaker closed until forceOpen or reset: every write is forwarded. */
  forceClose: () => void
  /** Back to closed, with the failure count and backoff cleared, and no longer forced. */
  reset: () => void
  snapshot: () => BreakerSnapshot
}

export interface AdminRoutesOptions {
  readonly breaker: AdminBreaker
  /** The bearer token the admin routes require; never logged. */
  readonly token: string
  /** The data routes' rate limiter, run before the token check so guessing tokens spends the quota too. */
  readonly limitRate?: onRequestAsyncHookHandler | undefined
}

/** The name the OpenAPI document gives the admin bearer token scheme. */
export const adminSecurityScheme = 'adminBearer'

const actions = {
  open: { summary: 'Force the circuit breaker open', run: (breaker: AdminBreaker) => { breaker.forceOpen() } },
  close: { summary: 'Force the circuit breaker closed', run: (breaker: AdminBreaker) => { breaker.forceClose() } },
  reset: { summary: 'Reset the circuit breaker to closed, no longer forced', run: (breaker: AdminBreaker) => { breaker.reset() } }
} as const

function sha256 (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/**
 * Checks `Authorization: Bearer <token>` in constant time: both sides are hashed first, so the
 * comparison is always over 32 bytes and neither the token's length nor a matching prefix leaks.
 */
export function bearerGuard (token: string): onRequestHookHandler {
  const expected = sha256(token)
  return (request, reply, done) => {
    const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')
    const matches = timingSafeEqual(sha256(match?.[1] ?? ''), expected)
    if (match !== null && matches) {
      done()
      return
    }
    void reply.header('www-authenticate', 'Bearer')
    done(new GatewayError('GW_ERR_ADMIN_UNAUTHORIZED', 'A valid admin bearer token is required'))
  }
}

/**
 * POST /admin/breaker/{open,close,reset}: operator overrides, answered with the breaker's snapshot.
 * Register them only when a token is configured; without one they do not exist (404).
 */
export function adminRoutes (app: FastifyInstance, options: AdminRoutesOptions): void {
  const { breaker, token, limitRate } = options
  if (token.length === 0) {
    throw new GatewayError('GW_ERR_CONFIG_INVALID', 'admin token must not be empty: leave it unset to disable the admin routes')
  }
  const guard = bearerGuard(token)
  const onRequest = limitRate === undefined ? [guard] : [limitRate, guard]
  for (const [action, { summary, run }] of Object.entries(actions)) {
    app.post(`/admin/breaker/${action}`, {
      onRequest,
      schema: {
        summary,
        tags: ['admin'],
        security: [{ [adminSecurityScheme]: [] }],
        response: { 200: breakerSnapshotSchema, ...errorResponses }
      }
    }, (request) => {
      run(breaker)
      const snapshot = breaker.snapshot()
      request.log.warn({ action, breaker: snapshot }, `admin breaker ${action}`)
      return snapshot
    })
  }
}
