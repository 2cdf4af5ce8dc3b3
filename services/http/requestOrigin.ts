import type { FastifyRequest } from 'fastify'

const loopbackAddresses = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])
const loopbackHosts = new Set(['localhost', '127.0.0.1', '[::1]', '::1'])

/**
 * The client is on this machine: a loopback address, and a Host naming this machine by a loopback
 * name, so that a web page whose own name was rebound to 127.0.0.1 (DNS rebinding) is not taken for it.
 */
export function fromThisMachine (request: FastifyRequest): boolean {
  return loopbackAddresses.has(request.ip) && loopbackHosts.has(request.hostname.toLowerCase())
}

/**
 * A browser sent this request for a page of another origin: `Sec-Fetch-Site` says so (every
 * current browser sends it), or else an `Origin` that is not this host. Requests from other
 * programs carry neither, and are not cross-site.
 */
export function isCrossSite (request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site']
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none'
  const origin = request.headers.origin
  if (origin === undefined) return false
  try {
    return new URL(origin).host !== request.host
  } catch {
    // "null" (a sandboxed or file: page) and anything unreadable.
    return true
  }
}

/** Methods that change nothing, which CSRF defences let through. */
export function isSafeMethod (method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS'
}
