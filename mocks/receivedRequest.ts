import { SCENARIO_HEADER } from './mockScenario.js'

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key'
export const REQUEST_ID_HEADER = 'x-request-id'

/** Path and query, as the model sees them (under its origin, any bridge prefix removed). */
export function pathOf (request: Request): string {
  const url = new URL(request.url)
  return `${url.pathname}${url.search}`
}

/** Every header the client sent, names in lower case; the scenario the bridge pinned is not the client's. */
export function headersOf (request: Request): Record<string, string> {
  const headers: Record<string, string> = {}
  request.headers.forEach((value, name) => { if (name !== SCENARIO_HEADER) headers[name] = value })
  return headers
}

/** The key and request id a request carried, each only when present. */
export function correlationOf (request: Request): { idempotencyKey?: string, requestId?: string } {
  const idempotencyKey = request.headers.get(IDEMPOTENCY_KEY_HEADER)
  const requestId = request.headers.get(REQUEST_ID_HEADER)
  return {
    ...(idempotencyKey !== null && { idempotencyKey }),
    ...(requestId !== null && { requestId })
  }
}
