import type { FastifyRequest, onRequestHookHandler } from 'fastify'
import { bearerMatcher } from '../../http/bearerGuard.js'
import { GatewayError } from '../../http/errors.js'
import { fromThisMachine, isCrossSite, isSafeMethod } from '../../http/requestOrigin.js'

/** A browser's session (the dashboard's), as the guard asks about it. */
export interface SessionCheck {
  /** Undefined when the request carries no valid session; otherwise whether its CSRF token matches the session's. */
  readonly check: (request: FastifyRequest) => { readonly csrf: boolean } | undefined
}

/** The problems every management route can answer before its handler runs. */
export const guardProblems = ['GW_ERR_ADMIN_UNAUTHORIZED', 'GW_ERR_CSRF_INVALID', 'GW_ERR_RATE_LIMITED', 'GW_ERR_INTERNAL', 'GW_ERR_JOURNEYS_UNAVAILABLE'] as const

/** The OpenAPI fields every management route shares. */
export const management = { tags: ['journeys'], security: [{ adminBearer: [] }] }

const csrfInvalid = (detail: string): GatewayError => new GatewayError('GW_ERR_CSRF_INVALID', detail)

/**
 * Who may manage flows and runs: whoever presents ADMIN_TOKEN as a bearer token (compared in
 * constant time); a browser with a valid dashboard session; without ADMIN_TOKEN, clients on this
 * machine (loopback), so a fresh `npm start` is usable and yet not open to the network.
 * A request that changes something is refused when a page of another site sent it, and, when only
 * its session cookie vouches for it, unless it carries the session's `x-csrf-token`.
 */
export function managementGuard (adminToken: string | undefined, sessions?: SessionCheck): onRequestHookHandler {
  const bearer = adminToken === undefined ? () => false : bearerMatcher(adminToken)
  return (request, reply, done) => {
    const unsafe = !isSafeMethod(request.method)
    if (unsafe && isCrossSite(request)) {
      done(csrfInvalid('A page of another site may not change flows or runs'))
      return
    }
    if (bearer(request)) {
      done()
      return
    }
    const session = sessions?.check(request)
    if (session !== undefined) {
      done(unsafe && !session.csrf ? csrfInvalid('A request authenticated by the dashboard\'s session needs its x-csrf-token header') : undefined)
      return
    }
    if (adminToken === undefined && fromThisMachine(request)) {
      done()
      return
    }
    void reply.header('www-authenticate', 'Bearer')
    done(new GatewayError('GW_ERR_ADMIN_UNAUTHORIZED', adminToken === undefined
      ? 'Flows and runs are managed from this machine, or with ADMIN_TOKEN set and given as a bearer token'
      : 'A valid admin bearer token or dashboard session is required'))
  }
}
