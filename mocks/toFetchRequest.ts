import type { IncomingMessage } from 'node:http'

// Connection-level headers describe the socket to 127.0.0.1, not the request to event.com.
export const hopByHopHeaders: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host'
])

/** The path and query of a request target, whether origin-form (`/a?b`) or absolute-form (`http://h/a?b`). */
function pathAndQuery (target: string): string {
  if (target.startsWith('/')) return target
  try {
    const url = new URL(target)
    return `${url.pathname}${url.search}`
  } catch {
    return '/'
  }
}

/**
 * A Fetch `Request` for `origin` carrying the incoming request's method, path, headers and body,
 * so handlers written for that origin match. `prefix` (where the bridge mounts the model, e.g.
 * `/email`) is taken off the path: `/email/emails` becomes `http://email.example/emails`.
 */
export function toFetchRequest (req: IncomingMessage, origin: string, body: Buffer | undefined, prefix = ''): Request {
  const headers = new Headers()
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || hopByHopHeaders.has(name)) continue
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item)
  }
  const method = req.method ?? 'GET'
  const hasBody = method !== 'GET' && method !== 'HEAD' && body !== undefined
  const target = pathAndQuery(req.url ?? '/').slice(prefix.length)
  return new Request(`${origin}${target.startsWith('/') ? target : `/${target}`}`, {
    method,
    headers,
    body: hasBody ? body : null
  })
}
