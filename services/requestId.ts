import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'

/** The header that carries the request id in from the client, back out, and on to event.com. */
export const requestIdHeader = 'x-request-id'

/** Safe to log, to echo in a header and to forward: no spaces, no CR/LF, bounded. */
const acceptableId = /^[A-Za-z0-9._:-]{1,128}$/

/** The client's `x-request-id` when it is acceptable, otherwise a fresh UUID: a bad id is replaced, never rejected. */
export function requestIdOf (request: IncomingMessage): string {
  const given = request.headers[requestIdHeader]
  return typeof given === 'string' && acceptableId.test(given) ? given : randomUUID()
}

/**
 * Spread into `Fastify({ ...requestIdOptions })`. Fastify's own `requestIdHeader` would take the
 * header verbatim (any length, any characters) and skip `genReqId`, so it stays off and `genReqId`
 * reads the header itself. The log key stays Fastify's default, `reqId`.
 */
export const requestIdOptions = {
  requestIdHeader: false,
  genReqId: requestIdOf
} as const satisfies Pick<FastifyServerOptions, 'requestIdHeader' | 'genReqId'>

/**
 * Echoes `request.id` in every response's `x-request-id`, errors and 404s included. Call it on the
 * root instance before any route plugin is registered, or that plugin's routes miss the hook.
 */
export function registerRequestId (app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    void reply.header(requestIdHeader, request.id)
    done(null, payload)
  })
}
