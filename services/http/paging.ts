import type { FastifyReply, FastifyRequest } from 'fastify'

/** A page already serialised: `json` is the JSON array of its items, as the API sends it. */
export interface JsonPage {
  readonly json: string
  /** Cursor of the following page; absent on the last page. */
  readonly next?: string | undefined
}

/**
 * Sends one page as a plain JSON array; when more remain, a `Link: <…>; rel="next"` header (RFC 8288)
 * carries the same path and limit with the next cursor.
 */
export function sendPage (request: FastifyRequest, reply: FastifyReply, page: JsonPage, limit: number): FastifyReply {
  if (page.next !== undefined) {
    const queryStart = request.url.indexOf('?')
    const path = queryStart === -1 ? request.url : request.url.slice(0, queryStart)
    void reply.header('link', `<${path}?limit=${limit}&cursor=${page.next}>; rel="next"`)
  }
  // Already serialised (and usually cached) by the store: sent as it is.
  return reply.type('application/json; charset=utf-8').send(page.json)
}
