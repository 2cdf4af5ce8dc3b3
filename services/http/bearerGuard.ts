import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest, onRequestHookHandler } from 'fastify'
import { GatewayError } from './errors.js'

/** The name the OpenAPI document gives the admin bearer token scheme. */
export const adminSecurityScheme = 'adminBearer'

function sha256 (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/**
 * Whether `given` is `token`, in constant time: both sides are hashed first, so the comparison is
 * always over 32 bytes and neither the token's length nor a matching prefix leaks.
 */
export function tokenMatcher (token: string): (given: string) => boolean {
  if (token.length === 0) throw new TypeError('tokenMatcher needs a non-empty token')
  const expected = sha256(token)
  return (given) => timingSafeEqual(sha256(given), expected)
}

/** Whether the request carries `Authorization: Bearer <token>`, compared in constant time. */
export function bearerMatcher (token: string): (request: FastifyRequest) => boolean {
  const matches = tokenMatcher(token)
  return (request) => {
    const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')
    const equal = matches(match?.[1] ?? '')
    return match !== null && equal
  }
}

/** Lets through only requests that carry `Authorization: Bearer <token>`; others get a 401. */
export function bearerGuard (token: string): onRequestHookHandler {
  if (token.length === 0) throw new TypeError('bearerGuard needs a non-empty token: leave the routes out instead')
  const matches = bearerMatcher(token)
  return (request, reply, done) => {
    if (matches(request)) {
      done()
      return
    }
    void reply.header('www-authenticate', 'Bearer')
    done(new GatewayError('GW_ERR_ADMIN_UNAUTHORIZED', 'A valid admin bearer token is required'))
  }
}
