import type { ServerResponse } from 'node:http'

// Framing is recomputed from the buffered body; the rest is copied as the handler set it.
const framingHeaders = new Set(['content-length', 'transfer-encoding', 'connection', 'set-cookie'])

/** Writes a JSON body (or none, when `body` is undefined) unless the client has already gone. */
export function sendJson (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return
  if (body === undefined) {
    res.writeHead(status, headers).end()
    return
  }
  const payload = Buffer.from(JSON.stringify(body))
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': String(payload.length)
  }).end(payload)
}

/** Writes a Fetch `Response` (status, headers, body) onto a node:http response. */
export async function sendFetchResponse (res: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer())
  if (res.destroyed || res.headersSent) return
  const headers: Record<string, string | string[]> = {}
  response.headers.forEach((value, name) => {
    if (!framingHeaders.has(name)) headers[name] = value
  })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  headers['content-length'] = String(body.length)
  res.writeHead(response.status, headers).end(body)
}
