import type { FastifyPluginCallback, FastifyReply, onRequestHookHandler } from 'fastify'
import { isBreakerRejection } from '../../../utils/breaker/circuitBreaker.js'
import type { BreakerRefusal } from '../../../utils/breaker/circuitBreaker.js'
import { isGatewayError } from '../../http/errors.js'
import { cannedProblem } from '../../http/problem.js'
import { counter } from '../../operability/index.js'
import { parseKey } from '../idempotency/keyHeader.js'
import { notReadyError } from '../store/hydrationPlugin.js'
import { BreakerOpenError, breakerOpenDetail } from '../upstream/upstreamErrors.js'
import { addEventRoute } from './addEvent.js'
import { breakerAdminRoutes } from './breakerAdmin.js'
import { eventRoutes } from './events.js'
import { userRoutes } from './users.js'

export interface GatewayRoutesOptions {
  /** Bearer token for /admin/breaker/*; undefined leaves those routes out entirely. */
  readonly adminToken?: string | undefined
}

/** Why a request was turned away without reaching event.com. */
export const rejectionReasons = ['open', 'half-open', 'forced-open', 'bulkhead', 'rate-limit', 'shared-state'] as const
type RejectionReason = typeof rejectionReasons[number]

const families = {
  rejections: counter('rejections_total', 'Requests turned away without reaching the event service, by reason', ['reason'])
}

function rejectionReason (error: unknown): RejectionReason | undefined {
  if (error instanceof BreakerOpenError || isBreakerRejection(error)) return error.reason
  if (isGatewayError(error, 'GW_ERR_BULKHEAD_FULL')) return 'bulkhead'
  if (isGatewayError(error, 'GW_ERR_RATE_LIMITED')) return 'rate-limit'
  if (isGatewayError(error, 'GW_ERR_SHARED_STATE_UNAVAILABLE')) return 'shared-state'
  return undefined
}

/** The Idempotency-Key of a request, or undefined when it has none or an invalid one (the route answers that). */
function idempotencyKeyOf (header: string | string[] | undefined): string | undefined {
  try {
    return parseKey(header)
  } catch {
    return undefined
  }
}

/**
 * The gateway's HTTP surface: reads, the write, and the breaker's admin routes. Reads and writes
 * are limited apart; a write refused by the limiter while the breaker is open gets the larger wait.
 */
export const gatewayRoutes: FastifyPluginCallback<GatewayRoutesOptions> = (app, options, done) => {
  const { rejections } = app.metrics.register(families)
  // Series that exist from the start let rate() and alerts see a zero instead of nothing.
  const rejectionSeries = new Map(rejectionReasons.map((reason) => [reason, rejections.series({ reason })]))
  app.addHook('onError', (_request, _reply, error, next) => {
    const reason = rejectionReason(error)
    if (reason !== undefined) rejectionSeries.get(reason)?.inc()
    next()
  })

  const breaker = app.eventServiceBreaker
  const storeReady: onRequestHookHandler = (_request, _reply, next) => { next(app.hydrator.state === 'ready' ? undefined : notReadyError()) }
  // A write the breaker would refuse is refused on its head, before its body is read or validated:
  // it is not forwarded whatever it holds, and Retry-After says when to come back. A repeat of a
  // write already acknowledged goes on: its answer is a replay, which event.com is not needed for.
  // The refusal is answered here rather than thrown: while event.com is down it is most of the
  // traffic, and building an error and going through the error path would cost as much again.
  const breakerOpen = cannedProblem('GW_ERR_BREAKER_OPEN', breakerOpenDetail, true)
  const refuse = (reply: FastifyReply, refusal: BreakerRefusal): void => {
    rejectionSeries.get(refusal.reason)?.inc()
    breakerOpen.send(reply, refusal.retryAfterMs)
  }
  const breakerAdmits: onRequestHookHandler = (request, reply, next) => {
    const refusal = breaker.refusal()
    if (refusal === undefined) {
      next()
      return
    }
    const key = idempotencyKeyOf(request.headers['idempotency-key'])
    if (key === undefined) {
      refuse(reply, refusal)
      return
    }
    // A key that cannot be checked is not known to be completed: the breaker's refusal stands.
    app.idempotencyKeys.completed(key).catch(() => false).then((completed) => {
      if (completed) next()
      else refuse(reply, refusal)
    }).catch(next)
  }
  // With a shared store, a read first catches up with every write acknowledged anywhere; when it
  // cannot make sure of that (Redis slow or away), it is served all the same, and says so.
  const store = app.eventStore
  const sync = store.sync?.bind(store)
  const storeInSync: onRequestHookHandler = (_request, reply, next) => {
    if (sync === undefined) {
      next()
      return
    }
    void sync().then((consistency) => {
      if (consistency === 'stale') void reply.header('read-consistency', 'stale')
      next()
    })
  }
  const reads = app.rateLimits.hook('reads')
  const writes = app.rateLimits.hook('writes', { refusedForMs: () => breaker.snapshot().retryAfterMs ?? 0 })
  // The order of the checks on a write: rate limit, breaker, store readiness, then the body, then the user.
  const readChecks = sync === undefined ? [storeReady] : [storeReady, storeInSync]
  const readHooks = reads === undefined ? readChecks : [reads, ...readChecks]
  const writeHooks = writes === undefined ? [breakerAdmits, storeReady] : [writes, breakerAdmits, storeReady]

  void app.register(userRoutes, { onRequest: readHooks })
  void app.register(eventRoutes, { onRequest: readHooks })
  void app.register(addEventRoute, { onRequest: writeHooks })
  if (options.adminToken !== undefined) void app.register(breakerAdminRoutes, { token: options.adminToken })
  done()
}
