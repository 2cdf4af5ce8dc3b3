import type { onSendHookHandler } from 'fastify'

/** Only the dashboard's own files run, style and load; nothing frames it; forms post only to it. */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'"
].join('; ')

/** The headers every dashboard response carries, errors and redirects included. */
export const securityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY'
}

export const addSecurityHeaders: onSendHookHandler = (_request, reply, payload, done) => {
  void reply.headers(securityHeaders)
  done(null, payload)
}
