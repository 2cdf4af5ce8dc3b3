import type { BreakerSnapshot, BreakerStateName } from '../../../utils/breaker/circuitBreaker.js'

/** One outbound destination's breaker, as /health shows it. */
export interface DestinationHealth {
  /** The destination's origin (`https://api.mail.example`), never a path. */
  readonly origin: string
  readonly state: BreakerStateName
  /** Milliseconds until a probe may be sent; only while open. */
  readonly retryAfterMs?: number
}

/** The remembered destinations' breakers (bounded by the sender's `maxOrigins`), most recently called first. */
export function destinationHealth (breakers: Readonly<Record<string, BreakerSnapshot>>): DestinationHealth[] {
  return Object.entries(breakers).reverse().map(([origin, snapshot]) => ({
    origin,
    state: snapshot.state,
    ...(snapshot.retryAfterMs !== undefined && { retryAfterMs: Math.ceil(snapshot.retryAfterMs) })
  }))
}
