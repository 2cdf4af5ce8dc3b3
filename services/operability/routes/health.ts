import type { FastifyInstance } from 'fastify'
import { RetryableError, withoutStack } from '../../http/errors.js'
import { sendProblem } from '../../http/problem.js'
import { breakerSnapshotSchema, problemSchema } from '../../http/schemas.js'

const healthSchema = {
  type: 'object',
  required: ['status', 'breaker', 'store'],
  properties: {
    status: { type: 'string' },
    breaker: breakerSnapshotSchema,
    store: {
      type: 'object',
      properties: {
        state: { type: 'string' },
        users: { type: 'integer' },
        events: { type: 'integer' },
        hydrationFailures: { type: 'integer' }
      }
    }
  }
} as const

/** Probes stay outside the rate limit: an orchestrator polling them must never be throttled. */
export function healthRoutes (app: FastifyInstance): void {
  app.get('/health', {
    config: { rateLimit: false },
    schema: { response: { 200: healthSchema } }
  }, async () => {
    const { breaker, hydrator, store } = app.gateway
    return {
      status: 'ok',
      breaker: breaker.snapshot(),
      store: { state: hydrator.state, ...await store.counts(), hydrationFailures: hydrator.failures }
    }
  })

  app.get('/ready', {
    config: { rateLimit: false },
    schema: { response: { 200: { type: 'object', properties: { ready: { type: 'boolean' } } }, 503: problemSchema } }
  }, async (_request, reply) => {
    if (app.gateway.hydrator.state !== 'ready') {
      return sendProblem(reply, notReadyError())
    }
    return { ready: true }
  })
}

export function notReadyError (): RetryableError {
  return withoutStack(() => new RetryableError('GW_ERR_STORE_NOT_READY', 'Users and events are still being loaded from the event service', 1000))
}
