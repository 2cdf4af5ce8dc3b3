import type { ExponentialBackoff } from './backoff.js'
import type { Clock, Random } from './clock.js'
import { ConsecutiveFailures } from './consecutiveFailures.js'
import { BreakerOpenError, GatewayError } from './errors.js'

/**
 * `openedAt` and `retryAt` are epoch ms and exist only while open. `attempt` is the backoff step
 * index of the open period (or, when half-open, of the period the in-flight probe ends).
 */
export type BreakerState =
  | { readonly name: 'closed' }
  | { readonly name: 'open', readonly openedAt: number, readonly retryAt: number, readonly attempt: number }
  | { readonly name: 'half-open', readonly attempt: number }

export type BreakerStateName = BreakerState['name']

export type BreakerTransitionReason = 'failure-threshold' | 'upstream-retry-after' | 'probe' | 'probe-succeeded' | 'probe-failed'

export interface BreakerTransition {
  readonly from: BreakerStateName
  readonly to: BreakerStateName
  readonly reason: BreakerTransitionReason
  /** When opening: how long it stays open, in milliseconds. */
  readonly retryAfterMs?: number
}

/** Plain JSON for /health. */
export interface BreakerSnapshot {
  readonly state: BreakerStateName
  /** Failures in the current run, capped at the threshold. */
  readonly consecutiveFailures: number
  /** Backoff step index: 0 until a probe fails. */
  readonly attempt: number
  /** When it opened (ISO 8601); only while open. */
  readonly openedAt?: string
  /** Milliseconds until a probe may be sent; only while open. */
  readonly retryAfterMs?: number
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker; a positive integer. */
  readonly failureThreshold: number
  /** Those failures must all fall within this span to count, in milliseconds. */
  readonly windowMs: number
  /** Chooses how long each open period lasts, in milliseconds, by step. */
  readonly backoff: ExponentialBackoff
  /** Upper bound on how long an upstream `Retry-After` may hold the breaker open, in milliseconds. */
  readonly maxOpenMs: number
  /** The only source of time (epoch ms); the breaker sets no timers. */
  readonly clock: Clock
  /** Jitter source for the backoff. */
  readonly random: Random
  /** True when an error means the upstream is unhealthy (timeouts, 5xx); false for answers like 4xx. */
  readonly isFailure: (error: unknown) => boolean
  /** The upstream's own `Retry-After` carried by an error, in milliseconds, if any. */
  readonly retryAfterMsOf?: (error: unknown) => number | undefined
  /** `Retry-After` given to callers turned away while the probe is in flight, in milliseconds; default 1000. */
  readonly halfOpenRetryAfterMs?: number
  /** Called synchronously on every transition, after the state has changed; must not throw. */
  readonly onStateChange?: (change: BreakerTransition) => void
}

/**
 * Closed → open → half-open → closed, driven only by call outcomes and the injected clock: an
 * open breaker turns half-open lazily, on the first call after `retryAt`, and that call is the
 * single probe. Every transition bumps a generation so results of calls started under an
 * earlier state cannot move the current one (a slow failure must not extend an open period,
 * a slow success must not close it).
 */
export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions
  readonly #halfOpenRetryAfterMs: number
  readonly #failures: ConsecutiveFailures
  #state: BreakerState = { name: 'closed' }
  #generation = 0

  constructor (options: CircuitBreakerOptions) {
    const { maxOpenMs, halfOpenRetryAfterMs = 1000 } = options
    if (!Number.isFinite(maxOpenMs) || maxOpenMs < 0) {
      throw new GatewayError('GW_ERR_CONFIG_INVALID', `breaker.maxOpenMs must be a non-negative number (ms), got ${String(maxOpenMs)}`)
    }
    if (!Number.isFinite(halfOpenRetryAfterMs) || halfOpenRetryAfterMs <= 0) {
      throw new GatewayError('GW_ERR_CONFIG_INVALID', `breaker.halfOpenRetryAfterMs must be a positive number (ms), got ${String(halfOpenRetryAfterMs)}`)
    }
    this.#options = options
    this.#halfOpenRetryAfterMs = halfOpenRetryAfterMs
    this.#failures = new ConsecutiveFailures({ threshold: options.failureThreshold, windowMs: options.windowMs })
  }

  get state (): BreakerStateName {
    return this.#state.name
  }

  async execute<T> (fn: () => Promise<T>): Promise<T> {
    const state = this.#state
    if (state.name === 'open') {
      const now = this.#options.clock()
      if (now < state.retryAt) throw new BreakerOpenError(state.retryAt - now)
      this.#transition({ name: 'half-open', attempt: state.attempt }, 'probe')
    } else if (state.name === 'half-open') {
      // Half-open always means the probe is in flight: it is entered by the call that becomes the probe.
      throw new BreakerOpenError(this.#halfOpenRetryAfterMs)
    }

    const generation = this.#generation
    let value: T
    try {
      value = await fn()
    } catch (error) {
      if (this.#options.isFailure(error)) this.#onFailure(generation, error)
      // Not a failure (the upstream answered, e.g. 4xx): healthy for the breaker, still the caller's error.
      else this.#onSuccess(generation)
      throw error
    }
    this.#onSuccess(generation)
    return value
  }

  snapshot (): BreakerSnapshot {
    const state = this.#state
    const base = { state: state.name, consecutiveFailures: this.#failures.count }
    switch (state.name) {
      case 'closed':
        return { ...base, attempt: 0 }
      case 'half-open':
        return { ...base, attempt: state.attempt }
      case 'open':
        return {
          ...base,
          attempt: state.attempt,
          openedAt: new Date(state.openedAt).toISOString(),
          retryAfterMs: Math.max(0, state.retryAt - this.#options.clock())
        }
    }
  }

  #onSuccess (generation: number): void {
    // Results of calls started before the last transition describe an older state: ignore them.
    // While half-open only the probe can be current, since every other call is turned away.
    if (generation !== this.#generation) return
    if (this.#state.name === 'half-open') this.#transition({ name: 'closed' }, 'probe-succeeded')
    else this.#failures.recordSuccess()
  }

  #onFailure (generation: number, error: unknown): void {
    if (generation !== this.#generation) return
    const state = this.#state
    const upstreamRetryAfterMs = this.#upstreamRetryAfterMs(error)
    if (state.name === 'half-open') {
      this.#open(state.attempt + 1, 'probe-failed', upstreamRetryAfterMs)
      return
    }
    const tripped = this.#failures.recordFailure(this.#options.clock())
    if (tripped) this.#open(0, 'failure-threshold', upstreamRetryAfterMs)
    // Below the threshold, but the upstream asked us explicitly to wait.
    else if (upstreamRetryAfterMs !== undefined) this.#open(0, 'upstream-retry-after', upstreamRetryAfterMs)
  }

  #upstreamRetryAfterMs (error: unknown): number | undefined {
    const ms = this.#options.retryAfterMsOf?.(error)
    // A nonsensical value is treated as absent rather than allowed to poison retryAt.
    return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined
  }

  #open (attempt: number, reason: BreakerTransitionReason, upstreamRetryAfterMs: number | undefined): void {
    const { backoff, random, maxOpenMs, clock } = this.#options
    const now = clock()
    // Honour the upstream's Retry-After, but never let one header park us longer than maxOpenMs.
    const openMs = Math.max(backoff.delay(attempt, random), Math.min(upstreamRetryAfterMs ?? 0, maxOpenMs))
    this.#transition({ name: 'open', openedAt: now, retryAt: now + openMs, attempt }, reason, openMs)
  }

  #transition (next: BreakerState, reason: BreakerTransitionReason, retryAfterMs?: number): void {
    const from = this.#state.name
    this.#state = next
    this.#generation += 1
    if (next.name === 'closed') this.#failures.reset()
    const change: BreakerTransition = retryAfterMs === undefined
      ? { from, to: next.name, reason }
      : { from, to: next.name, reason, retryAfterMs }
    this.#options.onStateChange?.(change)
  }
}
