
export interface ConsecutiveFailuresOptions {
  /** How many failures in a row trip the breaker; a positive integer. */
  readonly threshold: number
  /** The last `threshold` failures must all fall within this span to trip, in milliseconds. */
  readonly windowMs: number
}

/**
 * The breaker's trip strategy: "N failures in a row, close together". Kept apart from the state
 * machine so the rule can change without touching transitions. The window stops a trickle of
 * failures spread over hours, each separated only by silence, from ever adding up to a trip.
 */
export class ConsecutiveFailures {
  readonly threshold: number
  readonly windowMs: number
  // Timestamps (epoch ms) of the current run, oldest first; never more than `threshold`, since
  // older ones cannot affect the decision.
  readonly #timestamps: number[] = []

  constructor (options: ConsecutiveFailuresOptions) {
    const { threshold, windowMs } = options
    if (!Number.isSafeInteger(threshold) || threshold < 1) {
      throw new RangeError(`consecutiveFailures.threshold must be a positive integer, got ${String(threshold)}`)
    }
    if (!Number.isFinite(windowMs) || windowMs < 0) {
      throw new RangeError(`consecutiveFailures.windowMs must be a non-negative number (ms), got ${String(windowMs)}`)
    }
    this.threshold = threshold
    this.windowMs = windowMs
  }

  /** Failures in the current run, capped at `threshold`. */
  get count (): number {
    return this.#timestamps.length
  }

  /** The upstream answered: the run is broken. */
  recordSuccess (): void {
    this.reset()
  }

  /** Records a failure at `now` (epoch ms); true when the last `threshold` failures span at most `windowMs`. */
  recordFailure (now: number): boolean {
    this.#timestamps.push(now)
    if (this.#timestamps.length > this.threshold) this.#timestamps.shift()
    const oldest = this.#timestamps[0]
    return this.#timestamps.length === this.threshold && oldest !== undefined && now - oldest <= this.windowMs
  }

  reset (): void {
    this.#timestamps.length = 0
  }
}
