
export interface SlowCallsOptions {
  /** A call that takes longer than this is slow, in milliseconds. */
  readonly thresholdMs: number
  /** Share of slow calls in the window that trips, in (0, 1]; 0.5 means half of them. */
  readonly rate: number
  /** Span of the rolling window, in milliseconds. */
  readonly windowMs: number
  /** Fewer calls than this in the window never trip, however slow; a positive integer. */
  readonly minimumCalls: number
  /** How many time buckets the window is cut into; a positive integer, default 10. */
  readonly buckets?: number
}

/** Calls in the rolling window, and how many of them were slow. */
export interface SlowCallCounts {
  readonly calls: number
  readonly slow: number
}

/**
 * The breaker's second trip strategy (resilience4j's slow-call rate): "too large a share of recent
 * calls took too long". An upstream that answers everything, but in 20 s, hurts as much as one that
 * fails. Memory is a fixed ring of time buckets holding counts, never a list of calls, so a burst
 * of traffic costs nothing extra. The window slides a bucket at a time: it spans between
 * (buckets - 1) / buckets of `windowMs` and all of it.
 */
export class SlowCalls {
  readonly thresholdMs: number
  readonly rate: number
  readonly minimumCalls: number
  readonly #bucketMs: number
  // Slot i holds bucket number epochs[i] (floor(now / bucketMs)); a slot whose bucket has slid
  // out of the window is stale and ignored until reused.
  readonly #epochs: number[]
  readonly #calls: number[]
  readonly #slow: number[]

  constructor (options: SlowCallsOptions) {
    const { thresholdMs, rate, windowMs, minimumCalls, buckets = 10 } = options
    if (!Number.isFinite(thresholdMs) || thresholdMs < 0) {
      throw new RangeError(`slowCalls.thresholdMs must be a non-negative number (ms), got ${String(thresholdMs)}`)
    }
    if (!Number.isFinite(rate) || rate <= 0 || rate > 1) {
      throw new RangeError(`slowCalls.rate must be a number in (0, 1], got ${String(rate)}`)
    }
    if (!Number.isFinite(windowMs) || windowMs <= 0) {
      throw new RangeError(`slowCalls.windowMs must be a positive number (ms), got ${String(windowMs)}`)
    }
    if (!Number.isSafeInteger(minimumCalls) || minimumCalls < 1) {
      throw new RangeError(`slowCalls.minimumCalls must be a positive integer, got ${String(minimumCalls)}`)
    }
    if (!Number.isSafeInteger(buckets) || buckets < 1 || buckets > 1000) {
      throw new RangeError(`slowCalls.buckets must be an integer from 1 to 1000, got ${String(buckets)}`)
    }
    this.thresholdMs = thresholdMs
    this.rate = rate
    this.minimumCalls = minimumCalls
    this.#bucketMs = windowMs / buckets
    this.#epochs = new Array<number>(buckets).fill(Number.NaN)
    this.#calls = new Array<number>(buckets).fill(0)
    this.#slow = new Array<number>(buckets).fill(0)
  }

  /** Records a call that took `durationMs` and ended at `now` (epoch ms); true when the window now trips. */
  record (durationMs: number, now: number): boolean {
    const epoch = this.#epochOf(now)
    const slot = this.#slotOf(epoch)
    if (this.#epochs[slot] !== epoch) {
      this.#epochs[slot] = epoch
      this.#calls[slot] = 0
      this.#slow[slot] = 0
    }
    this.#calls[slot] = (this.#calls[slot] ?? 0) + 1
    if (durationMs > this.thresholdMs) this.#slow[slot] = (this.#slow[slot] ?? 0) + 1
    const { calls, slow } = this.counts(now)
    // A division, not slow >= rate * calls: k / n rounds to the same double as the literal rate
    // (3 / 10 === 0.3), whereas 0.3 * 10 is 3.0000000000000004.
    return calls >= this.minimumCalls && slow / calls >= this.rate
  }

  /** What the window at `now` (epoch ms) holds. */
  counts (now: number): SlowCallCounts {
    const current = this.#epochOf(now)
    let calls = 0
    let slow = 0
    for (let slot = 0; slot < this.#epochs.length; slot++) {
      const epoch = this.#epochs[slot] ?? Number.NaN
      // NaN (never used) fails both comparisons.
      if (epoch <= current && epoch > current - this.#epochs.length) {
        calls += this.#calls[slot] ?? 0
        slow += this.#slow[slot] ?? 0
      }
    }
    return { calls, slow }
  }

  reset (): void {
    this.#epochs.fill(Number.NaN)
    this.#calls.fill(0)
    this.#slow.fill(0)
  }

  #epochOf (now: number): number {
    return Math.floor(now / this.#bucketMs)
  }

  #slotOf (epoch: number): number {
    const n = this.#epochs.length
    return ((epoch % n) + n) % n
  }
}
