import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Page } from '../utils/eventStore.js'

/**
 * Sends one page as a plain array; when more remain, a `Link: <…>; rel="next"` header (RFC 8288)
 * carries the same path and limit with the next cursor.
 */
export function sendPage<T> (request: FastifyRequest, reply: FastifyReply, page: Page<T>, limit: number): readonly T[] {
  if (page.next !== undefined) {
    const queryStart = request.url.indexOf('?')
    const path = queryStart === -1 ? request.url : request.url.slice(0, queryStart)
    void reply.header('link', `<${path}?limit=${limit}&cursor=${page.next}>; rel="next"`)
  }
  return page.items
}
