/** The call reached the destination, which answered 2xx. */
export interface Delivered {
  readonly kind: 'delivered'
  readonly status: number
  /** The response body: parsed when it is JSON, else its text; undefined when empty. */
  readonly body: unknown
  /** True when the body was longer than the sender reads (`maxResponseBytes`): `body` is then the text read so far. */
  readonly truncated: boolean
}

export type RetryReason = 'timeout' | 'unreachable' | 'disconnected' | 'status' | 'throttled' | 'breaker-open'

/**
 * Worth trying again with the same Idempotency-Key: the destination timed out, could not be reached,
 * dropped the connection, answered 408 or 5xx, throttled (429), or its breaker is open.
 */
export interface Retry {
  readonly kind: 'retry'
  readonly reason: RetryReason
  /** The destination's status, when it answered. */
  readonly status?: number
  /** The longer of the destination's Retry-After and the wait of its breaker, in milliseconds; absent when neither asks for one. */
  readonly retryAfterMs?: number
  readonly message: string
}

export type PermanentReason = 'status' | 'refused-destination' | 'invalid-request'

/** Trying again cannot help: the destination answered 3xx or 4xx, is refused, or the request is malformed. */
export interface Permanent {
  readonly kind: 'permanent'
  readonly reason: PermanentReason
  readonly status?: number
  readonly message: string
}

/** The caller's signal aborted the call; a request in flight was aborted with it. */
export interface Cancelled {
  readonly kind: 'cancelled'
}

/** How one delivery attempt ended. `send` resolves with one of these and never rejects. */
export type DeliveryResult = Delivered | Retry | Permanent | Cancelled
