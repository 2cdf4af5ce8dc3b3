import type { IncomingMessage } from 'node:http'
import type { FastifyServerOptions } from 'fastify'
import { randomUuid } from '../../utils/randomUuid.js'
import { rememberRequestId } from './socketRequests.js'

/** The header that carries the request id in from the client, back out, and on to event.com. */
export const requestIdHeader = 'x-request-id'

/** Safe to log, to echo in a header and to forward: no spaces, no CR/LF, bounded. */
const acceptableId = /^[A-Za-z0-9._:-]{1,128}$/

/** The client's `x-request-id` when it is acceptable, otherwise a fresh UUID: a bad id is replaced, never rejected. */
export function requestIdOf (request: IncomingMessage): string {
  const given = request.headers[requestIdHeader]
  const id = typeof given === 'string' && acceptableId.test(given) ? given : randomUuid()
  rememberRequestId(request, id)
  return id
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
