import type { Dispatcher } from 'undici'
import { errors } from 'undici'
import { hopByHopHeaders } from './toFetchRequest.js'

type HeaderPairs = Iterable<readonly [string, string | readonly string[] | undefined]>

function headerPairs (headers: Dispatcher.DispatchOptions['headers']): HeaderPairs {
  if (headers === null || headers === undefined) return []
  if (Array.isArray(headers)) {
    // undici's flat form: name, value, name, value…
    const flat: readonly string[] = headers
    return Array.from({ length: Math.floor(flat.length / 2) }, (_, i) => [flat[2 * i] ?? '', flat[2 * i + 1]] as const)
  }
  if (Symbol.iterator in headers) return headers as HeaderPairs
  return Object.entries(headers)
}

function requestBody (body: Dispatcher.DispatchOptions['body']): string | Uint8Array | null {
  if (body === null || body === undefined || typeof body === 'string' || body instanceof Uint8Array) return body ?? null
  throw new errors.NotSupportedError('the handler dispatcher takes string or byte bodies only')
}

/**
 * A Fetch `Request` for `origin` carrying the dispatch's method, path, headers and body, so handlers
 * written for that origin match whatever origin the caller dispatched to. `signal` ends the request
 * for the handlers (msw runs their cleanups on it). Throws for a body it cannot carry.
 */
export function fromDispatchOptions (options: Dispatcher.DispatchOptions, origin: string, signal: AbortSignal): Request {
  const headers = new Headers()
  for (const [name, value] of headerPairs(options.headers)) {
    const lower = name.toLowerCase()
    if (value === undefined || hopByHopHeaders.has(lower)) continue
    for (const item of typeof value === 'string' ? [value] : value) headers.append(lower, item)
  }
  const bodyless = options.method === 'GET' || options.method === 'HEAD'
  const body = requestBody(options.body)
  return new Request(`${origin}${options.path}`, {
    method: options.method,
    headers,
    body: bodyless ? null : body,
    signal
  })
}
