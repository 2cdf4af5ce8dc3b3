/**
 * Every error the gateway reports, with a stable code. Clients and tests match on `code`,
 * never on message text. Each code is documented in the README's error table.
 */
/**
 * What a failed request means for the event it carried, so a client knows whether a retry is safe:
 * - `not-forwarded`: event.com never saw it; retrying cannot create a duplicate.
 * - `upstream-failed`: event.com answered and did not store it; retrying is safe.
 * - `outcome-unknown`: it reached event.com and the answer was lost (timeout, dropped connection),
 *   so the event may exist; retry with the same Idempotency-Key.
 */
export type Outcome = 'not-forwarded' | 'upstream-failed' | 'outcome-unknown'

export const errorDefinitions = {
  GW_ERR_REQUEST_INVALID: { status: 400, slug: 'request-invalid', outcome: 'not-forwarded', title: 'The request is invalid' },
  GW_ERR_REQUEST_MALFORMED_JSON: { status: 400, slug: 'request-malformed-json', outcome: 'not-forwarded', title: 'The request body is not valid JSON' },
  GW_ERR_ADMIN_UNAUTHORIZED: { status: 401, slug: 'admin-unauthorized', outcome: 'not-forwarded', title: 'A valid admin bearer token is required' },
  GW_ERR_ROUTE_NOT_FOUND: { status: 404, slug: 'route-not-found', outcome: 'not-forwarded', title: 'No such route' },
  GW_ERR_USER_NOT_FOUND: { status: 404, slug: 'user-not-found', outcome: 'not-forwarded', title: 'No such user' },
  GW_ERR_IDEMPOTENCY_IN_FLIGHT: { status: 409, slug: 'idempotency-in-flight', outcome: 'not-forwarded', title: 'A request with this Idempotency-Key is still being processed' },
  GW_ERR_REQUEST_TOO_LARGE: { status: 413, slug: 'request-too-large', outcome: 'not-forwarded', title: 'The request body is too large' },
  GW_ERR_REQUEST_MEDIA_TYPE: { status: 415, slug: 'request-media-type', outcome: 'not-forwarded', title: 'The request body must be JSON' },
  GW_ERR_IDEMPOTENCY_MISMATCH: { status: 422, slug: 'idempotency-mismatch', outcome: 'not-forwarded', title: 'This Idempotency-Key was used with a different request body' },
  GW_ERR_RATE_LIMITED: { status: 429, slug: 'rate-limited', outcome: 'not-forwarded', title: 'Too many requests' },
  GW_ERR_INTERNAL: { status: 500, slug: 'internal', outcome: 'outcome-unknown', title: 'Internal error' },
  GW_ERR_UPSTREAM_STATUS: { status: 502, slug: 'upstream-status', outcome: 'upstream-failed', title: 'The event service rejected the request' },
  GW_ERR_UPSTREAM_UNREACHABLE: { status: 502, slug: 'upstream-unreachable', outcome: 'not-forwarded', title: 'The event service could not be reached' },
  GW_ERR_UPSTREAM_DISCONNECTED: { status: 502, slug: 'upstream-disconnected', outcome: 'outcome-unknown', title: 'The connection to the event service dropped before it answered' },
  GW_ERR_UPSTREAM_INVALID_RESPONSE: { status: 502, slug: 'upstream-invalid-response', outcome: 'outcome-unknown', title: 'The event service answered with data the gateway cannot read' },
  GW_ERR_BREAKER_OPEN: { status: 503, slug: 'breaker-open', outcome: 'not-forwarded', title: 'The event service is unavailable; writes are paused' },
  GW_ERR_BULKHEAD_FULL: { status: 503, slug: 'bulkhead-full', outcome: 'not-forwarded', title: 'Too many writes are waiting for the event service' },
  GW_ERR_STORE_NOT_READY: { status: 503, slug: 'store-not-ready', outcome: 'not-forwarded', title: 'The gateway is still loading events' },
  GW_ERR_UPSTREAM_TIMEOUT: { status: 504, slug: 'upstream-timeout', outcome: 'outcome-unknown', title: 'The event service did not answer in time' },
  GW_ERR_CONFIG_INVALID: { status: 500, slug: 'config-invalid', outcome: 'not-forwarded', title: 'Invalid configuration' }
} as const satisfies Record<string, { status: number, slug: string, outcome: Outcome, title: string }>

export type ErrorCode = keyof typeof errorDefinitions

/** Problem type URIs (RFC 9457 `type`) are stable names, one per code. */
export function problemType (code: ErrorCode): string {
  return `urn:event-gateway:problem:${errorDefinitions[code].slug}`
}

export class GatewayError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly title: string
  readonly outcome: Outcome

  constructor (code: ErrorCode, detail: string, options?: ErrorOptions) {
    super(detail, options)
    this.name = 'GatewayError'
    this.code = code
    this.statusCode = errorDefinitions[code].status
    this.title = errorDefinitions[code].title
    this.outcome = errorDefinitions[code].outcome
  }
}

/** One input is invalid; `field` names it as `<part>/<name>`, e.g. `body/name` or `querystring/cursor`. */
export class InvalidFieldError extends GatewayError {
  readonly field: string

  constructor (field: string, reason: string) {
    super('GW_ERR_REQUEST_INVALID', `${field} ${reason}`)
    this.name = 'InvalidFieldError'
    this.field = field
  }
}

/** Carries how long the client should wait before retrying; becomes a `Retry-After` header. */
export class RetryableError extends GatewayError {
  /** Milliseconds until a retry can succeed. */
  readonly retryAfterMs: number

  constructor (code: ErrorCode, detail: string, retryAfterMs: number, options?: ErrorOptions) {
    super(code, detail, options)
    this.retryAfterMs = retryAfterMs
  }
}

/** The breaker is open (or its single probe is in flight): the call was not attempted. */
export class BreakerOpenError extends RetryableError {
  constructor (retryAfterMs: number) {
    super('GW_ERR_BREAKER_OPEN', 'Writes to the event service are paused after repeated failures', retryAfterMs)
    this.name = 'BreakerOpenError'
  }
}

/** The event service answered with a status outside 2xx. */
export class UpstreamStatusError extends GatewayError {
  /** The status the event service answered with. */
  readonly upstreamStatus: number
  /** The event service's own `Retry-After`, in milliseconds, when it sent one. */
  readonly upstreamRetryAfterMs: number | undefined

  constructor (upstreamStatus: number, upstreamRetryAfterMs?: number) {
    super('GW_ERR_UPSTREAM_STATUS', `The event service answered ${upstreamStatus}`)
    this.name = 'UpstreamStatusError'
    this.upstreamStatus = upstreamStatus
    this.upstreamRetryAfterMs = upstreamRetryAfterMs
  }
}

/** No connection to the event service could be made (refused, unknown host): nothing was sent. */
export class UpstreamUnreachableError extends GatewayError {
  constructor (cause: unknown) {
    super('GW_ERR_UPSTREAM_UNREACHABLE', 'The event service could not be reached', { cause })
    this.name = 'UpstreamUnreachableError'
  }
}

/** The connection dropped after the request may have been sent: event.com may have acted on it. */
export class UpstreamDisconnectedError extends GatewayError {
  constructor (cause: unknown) {
    super('GW_ERR_UPSTREAM_DISCONNECTED', 'The connection to the event service dropped before it answered', { cause })
    this.name = 'UpstreamDisconnectedError'
  }
}

/** The event service did not answer within the configured timeout. */
export class UpstreamTimeoutError extends GatewayError {
  constructor (timeoutMs: number) {
    super('GW_ERR_UPSTREAM_TIMEOUT', `The event service did not answer within ${timeoutMs} ms`)
    this.name = 'UpstreamTimeoutError'
  }
}

/** The event service answered 2xx with a body that does not have the documented shape. */
export class UpstreamInvalidResponseError extends GatewayError {
  constructor (detail: string) {
    super('GW_ERR_UPSTREAM_INVALID_RESPONSE', detail)
    this.name = 'UpstreamInvalidResponseError'
  }
}

/**
 * Builds an error without capturing a stack trace: for expected rejections that can come thousands
 * of times a second (breaker open, bulkhead full, rate limited), where the stack says nothing and
 * capturing it is most of the cost of failing fast.
 */
export function withoutStack<E extends Error> (make: () => E): E {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return make()
  } finally {
    Error.stackTraceLimit = limit
  }
}

export function isGatewayError (error: unknown, code?: ErrorCode): error is GatewayError {
  return error instanceof GatewayError && (code === undefined || error.code === code)
}
