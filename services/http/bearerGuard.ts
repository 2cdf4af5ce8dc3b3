import { createHash, timingSafeEqual } from 'node:crypto'
import type { onRequestHookHandler } from 'fastify'
import { GatewayError } from './errors.js'

/** The name the OpenAPI document gives the admin bearer token scheme. */
export const adminSecurityScheme = 'adminBearer'

function sha256 (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/**
 * Checks `Authorization: Bearer <token>` in constant time: both sides are hashed first, so the
 * comparison is always over 32 bytes and neither the token's length nor a matching prefix leaks.
 */
export function bearerGuard (token: string): onRequestHookHandler {
  if (token.length === 0) throw new TypeError('bearerGuard needs a non-empty token: leave the routes out instead')
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
