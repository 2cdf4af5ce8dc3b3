import { createExponentialBackoff } from '../../../utils/backoff.js'
import type { ExponentialBackoff } from '../../../utils/backoff.js'
import { CircuitBreaker } from '../../../utils/breaker/circuitBreaker.js'
import type { BreakerSnapshot, BreakerTransition } from '../../../utils/breaker/circuitBreaker.js'
import type { Clock, Random } from '../../../utils/clock.js'
import { destinationRetryAfterMs, isDestinationFailure, isDestinationThrottle, isSilentAttempt } from './destinationFailure.js'

/** How each destination's breaker trips and waits. */
export interface DeliveryBreakerSettings {
  /** Consecutive failures that open a destination's breaker; a positive integer. */
  readonly failureThreshold: number
  /** Those failures must all fall within this span to count, in milliseconds. */
  readonly windowMs: number
  /** The first open period, in milliseconds; doubles on each failed probe. */
  readonly backoffBaseMs: number
  /** The longest open period, in milliseconds; also caps how long a destination's Retry-After holds the breaker open. */
  readonly backoffMaxMs: number
}

export interface OriginBreakersOptions {
  readonly settings: DeliveryBreakerSettings
  /** Most destinations remembered; the least recently called is forgotten first. */
  readonly maxOrigins: number
  readonly clock: Clock
  readonly random: Random
  readonly onStateChange?: ((origin: string, change: BreakerTransition) => void) | undefined
}

/**
 * One breaker per destination origin, so one provider being down never slows the others. Bounded:
 * past `maxOrigins` the least recently called origin is forgotten (a Map keeps insertion order, so a
 * touch is delete + set), and comes back with a fresh breaker if it is called again.
 */
export class OriginBreakers {
  readonly #options: OriginBreakersOptions
  readonly #backoff: ExponentialBackoff
  readonly #breakers = new Map<string, CircuitBreaker>()

  constructor (options: OriginBreakersOptions) {
    const { maxOrigins, settings } = options
    if (!Number.isSafeInteger(maxOrigins) || maxOrigins < 1) {
      throw new RangeError(`outbound.maxOrigins must be a positive integer, got ${String(maxOrigins)}`)
    }
    this.#options = options
    this.#backoff = createExponentialBackoff({ baseMs: settings.backoffBaseMs, maxMs: settings.backoffMaxMs })
    // Built once now so bad settings fail at start-up, not on the first call.
    this.#create('')
  }

  get size (): number {
    return this.#breakers.size
  }

  /** The breaker of `origin`, made the most recently used; created when the origin is new. */
  for (origin: string): CircuitBreaker {
    let breaker = this.#breakers.get(origin)
    if (breaker === undefined) {
      breaker = this.#create(origin)
      if (this.#breakers.size >= this.#options.maxOrigins) {
        const oldest = this.#breakers.keys().next()
        if (oldest.done !== true) this.#breakers.delete(oldest.value)
      }
    } else {
      this.#breakers.delete(origin)
    }
    this.#breakers.set(origin, breaker)
    return breaker
  }

  /** Each remembered origin's breaker, least recently called first. */
  snapshot (): Record<string, BreakerSnapshot> {
    const snapshots: Record<string, BreakerSnapshot> = {}
    for (const [origin, breaker] of this.#breakers) snapshots[origin] = breaker.snapshot()
    return snapshots
  }

  #create (origin: string): CircuitBreaker {
    const { settings, clock, random, onStateChange } = this.#options
    return new CircuitBreaker({
      failureThreshold: settings.failureThreshold,
      windowMs: settings.windowMs,
      backoff: this.#backoff,
      maxOpenMs: settings.backoffMaxMs,
      clock,
      random,
      isFailure: isDestinationFailure,
      isThrottle: isDestinationThrottle,
      isIgnored: isSilentAttempt,
      retryAfterMsOf: destinationRetryAfterMs,
      ...(onStateChange !== undefined && { onStateChange: (change: BreakerTransition) => { onStateChange(origin, change) } })
    })
  }
}
