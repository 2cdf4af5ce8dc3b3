import type { Cancelled, Permanent, Retry } from './deliveryResult.js'

/**
 * How an attempt ended when it did not deliver, thrown out of the destination's breaker so the
 * breaker can judge the destination by it (see destinationFailure.ts), then turned back into the result.
 */
export class AttemptEnded extends Error {
  readonly result: Retry | Permanent | Cancelled
  /** The destination's own Retry-After, in milliseconds. */
  readonly retryAfterMs: number | undefined

  constructor (result: Retry | Permanent | Cancelled, retryAfterMs?: number) {
    super(result.kind === 'cancelled' ? 'cancelled' : result.message)
    this.name = 'AttemptEnded'
    this.result = result
    this.retryAfterMs = retryAfterMs
  }
}

export function isAttemptEnded (error: unknown): error is AttemptEnded {
  return error instanceof AttemptEnded
}
