import type { onRequestHookHandler } from 'fastify'

/** What the data routes run before anything else, in order: the rate limit of their policy, then the store's readiness. */
export interface DataRouteOptions {
  readonly onRequest: onRequestHookHandler[]
}
