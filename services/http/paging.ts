import type { FastifyReply, FastifyRequest } from 'fastify'

/** A page already serialised: `json` is the JSON array of its items, as the API sends it. */
export interface JsonPage {
  readonly json: string
  /** Cursor of the following page; absent on the last page. */
  readonly next?: string | undefined
}

/**
 * Sends one page as a plain JSON array; when more remain, a `Link: <…>; rel="next"` header (RFC 8288)
 * carries the same path, limit and `filters` with the next cursor.
 */
export function sendPage (request: FastifyRequest, reply: FastifyReply, page: JsonPage, limit: number, filters: Readonly<Record<string, string | undefined>> = {}): FastifyReply {
  if (page.next !== undefined) {
    const queryStart = request.url.indexOf('?')
    const path = queryStart === -1 ? request.url : request.url.slice(0, queryStart)
    const kept = Object.entries(filters).filter((entry): entry is [string, string] => entry[1] !== undefined).map(([name, value]) => `&${name}=${encodeURIComponent(value)}`).join('')
    void reply.header('link', `<${path}?limit=${limit}${kept}&cursor=${page.next}>; rel="next"`)
  }
  // Already serialised (and usually cached) by the store: sent as it is.
  return reply.type('application/json; charset=utf-8').send(page.json)
}
