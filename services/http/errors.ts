/**
 * Every error the gateway reports, with a stable code. Clients and tests match on `code`, never on
 * message text. Each code is documented in the README's error table.
 */

/**
 * What a failed write means for the event it carried, so a client knows whether a retry is safe:
 * - `not-forwarded`: event.com never saw it; retrying cannot create a duplicate.
 * - `upstream-failed`: event.com answered and did not store it; retrying is safe.
 * - `outcome-unknown`: it reached event.com and the answer was lost (timeout, dropped connection),
 *   so the event may exist; retry with the same Idempotency-Key.
 * Only the codes of the write and upstream paths carry one of their own; on a write route every
 * other problem is `not-forwarded` (or `outcome-unknown` for an internal error), see `writeOutcome`.
 */
export type Outcome = 'not-forwarded' | 'upstream-failed' | 'outcome-unknown'

interface ErrorDefinition {
  readonly status: number
  readonly slug: string
  readonly title: string
  readonly outcome?: Outcome
}

export const errorDefinitions = {
  GW_ERR_REQUEST_INVALID: { status: 400, slug: 'request-invalid', title: 'The request is invalid' },
  GW_ERR_REQUEST_MALFORMED_JSON: { status: 400, slug: 'request-malformed-json', title: 'The request body is not valid JSON' },
  GW_ERR_ADMIN_UNAUTHORIZED: { status: 401, slug: 'admin-unauthorized', title: 'A valid admin bearer token is required' },
  GW_ERR_CSRF_INVALID: { status: 403, slug: 'csrf-invalid', title: 'The request is cross-site, or lacks the session\'s CSRF token' },
  GW_ERR_ROUTE_NOT_FOUND: { status: 404, slug: 'route-not-found', title: 'No such route' },
  GW_ERR_USER_NOT_FOUND: { status: 404, slug: 'user-not-found', title: 'No such user' },
  GW_ERR_FLOW_NOT_FOUND: { status: 404, slug: 'flow-not-found', title: 'No such flow' },
  GW_ERR_RUN_NOT_FOUND: { status: 404, slug: 'run-not-found', title: 'No such run' },
  GW_ERR_EVENT_NOT_FOUND: { status: 404, slug: 'event-not-found', title: 'No such trigger event' },
  GW_ERR_REQUEST_TIMEOUT: { status: 408, slug: 'request-timeout', title: 'The request took too long to arrive' },
  GW_ERR_IDEMPOTENCY_IN_FLIGHT: { status: 409, slug: 'idempotency-in-flight', outcome: 'not-forwarded', title: 'A request with this Idempotency-Key is still being processed' },
  GW_ERR_RUN_CONFLICT: { status: 409, slug: 'run-conflict', title: 'The run\'s status does not allow this' },
  GW_ERR_EVENT_ID_CONFLICT: { status: 409, slug: 'event-id-conflict', title: 'An event with this id was already recorded with other content' },
  GW_ERR_REQUEST_TOO_LARGE: { status: 413, slug: 'request-too-large', title: 'The request body is too large' },
  GW_ERR_REQUEST_MEDIA_TYPE: { status: 415, slug: 'request-media-type', title: 'The request body must be JSON' },
  GW_ERR_EXPECTATION_FAILED: { status: 417, slug: 'expectation-failed', title: 'The expectation in the Expect header cannot be met' },
  GW_ERR_IDEMPOTENCY_MISMATCH: { status: 422, slug: 'idempotency-mismatch', outcome: 'not-forwarded', title: 'This Idempotency-Key was used with a different request body' },
  GW_ERR_FLOW_INVALID: { status: 422, slug: 'flow-invalid', title: 'The flow definition is invalid' },
  GW_ERR_RATE_LIMITED: { status: 429, slug: 'rate-limited', title: 'Too many requests' },
  GW_ERR_REQUEST_HEADERS_TOO_LARGE: { status: 431, slug: 'request-headers-too-large', title: 'The request headers are too large' },
  GW_ERR_INTERNAL: { status: 500, slug: 'internal', title: 'Internal error' },
  GW_ERR_UPSTREAM_STATUS: { status: 502, slug: 'upstream-status', outcome: 'upstream-failed', title: 'The event service rejected the request' },
  GW_ERR_UPSTREAM_UNREACHABLE: { status: 502, slug: 'upstream-unreachable', outcome: 'not-forwarded', title: 'The event service could not be reached' },
  GW_ERR_UPSTREAM_DISCONNECTED: { status: 502, slug: 'upstream-disconnected', outcome: 'outcome-unknown', title: 'The connection to the event service dropped before it answered' },
  GW_ERR_UPSTREAM_INVALID_RESPONSE: { status: 502, slug: 'upstream-invalid-response', outcome: 'outcome-unknown', title: 'The event service answered with data the gateway cannot read' },
  GW_ERR_BREAKER_OPEN: { status: 503, slug: 'breaker-open', outcome: 'not-forwarded', title: 'The event service is unavailable; writes are paused' },
  GW_ERR_BULKHEAD_FULL: { status: 503, slug: 'bulkhead-full', outcome: 'not-forwarded', title: 'Too many writes are waiting for the event service' },
  GW_ERR_SHARED_STATE_UNAVAILABLE: { status: 503, slug: 'shared-state-unavailable', outcome: 'not-forwarded', title: 'The state the gateway\'s instances share cannot be reached' },
  GW_ERR_STORE_NOT_READY: { status: 503, slug: 'store-not-ready', title: 'The gateway is still loading events' },
  GW_ERR_JOURNEYS_UNAVAILABLE: { status: 503, slug: 'journeys-unavailable', title: 'The journeys engine is unavailable' },
  GW_ERR_UPSTREAM_TIMEOUT: { status: 504, slug: 'upstream-timeout', outcome: 'outcome-unknown', title: 'The event service did not answer in time' },
  GW_ERR_CONFIG_INVALID: { status: 500, slug: 'config-invalid', title: 'Invalid configuration' }
} as const satisfies Record<string, ErrorDefinition>

export type ErrorCode = keyof typeof errorDefinitions

/** Problem type URIs (RFC 9457 `type`) are stable names, one per code. */
export function problemType (code: ErrorCode): string {
  return `urn:event-gateway:problem:${errorDefinitions[code].slug}`
}

/** The outcome a code has of its own: only the codes of the write and upstream paths have one. */
export function ownOutcome (code: ErrorCode): Outcome | undefined {
  const definition: ErrorDefinition = errorDefinitions[code]
  return definition.outcome
}

/**
 * The outcome a problem reports on a route that forwards writes: the code's own, or, for a code
 * that has none, `not-forwarded` (the request was refused before anything was sent), except for an
 * internal error, which may have struck after the write was sent.
 */
export function writeOutcome (code: ErrorCode): Outcome {
  return ownOutcome(code) ?? (code === 'GW_ERR_INTERNAL' ? 'outcome-unknown' : 'not-forwarded')
}

export interface GatewayErrorOptions extends ErrorOptions {
  /** Members added to the problem body beside the standard ones, e.g. `errors` for an invalid flow. */
  readonly extensions?: Readonly<Record<string, unknown>>
}

export class GatewayError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly title: string
  /** Only for the codes of the write and upstream paths. */
  readonly outcome: Outcome | undefined
  readonly extensions: Readonly<Record<string, unknown>> | undefined

  constructor (code: ErrorCode, detail: string, options?: GatewayErrorOptions) {
    super(detail, options)
    this.extensions = options?.extensions
    const definition: ErrorDefinition = errorDefinitions[code]
    this.name = 'GatewayError'
    this.code = code
    this.statusCode = definition.status
    this.title = definition.title
    this.outcome = definition.outcome
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

export function isGatewayError (error: unknown, code?: ErrorCode): error is GatewayError {
  return error instanceof GatewayError && (code === undefined || error.code === code)
}
