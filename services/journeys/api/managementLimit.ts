import type { onRequestHookHandler } from 'fastify'
import type { SessionCheck } from './managementGuard.js'

/**
 * The quota of the management routes. The admin quota is small because it bounds the guessing of
 * ADMIN_TOKEN; a browser whose dashboard session has already proved the token counts against the
 * read quota instead, so that the dashboard's polling (a request every 2 s per page) never runs it out.
 */
export function managementLimit (
  admin: onRequestHookHandler | undefined,
  reads: onRequestHookHandler | undefined,
  sessions: SessionCheck | undefined
): onRequestHookHandler {
  return function limit (request, reply, done) {
    const quota = sessions?.check(request) === undefined ? admin : reads
    if (quota === undefined) done()
    else quota.call(this, request, reply, done)
  }
}
