import type { ExponentialBackoff } from '../backoff.js'
import type { Clock, Random } from '../clock.js'
import { ConsecutiveFailures } from './consecutiveFailures.js'
import { withoutStack } from '../withoutStack.js'
import { SlowCalls } from './slowCalls.js'
import type { SlowCallsOptions } from './slowCalls.js'

/**
 * `openedAt` and `retryAt` are epoch ms. `attempt` is the backoff step index: of the open period
 * (when half-open, of the period the in-flight probe ends); when closed, the step remembered at
 * `closedAt`, which decays by one per `decayMs` spent closed.
 */
export type BreakerState =
  | { readonly name: 'closed', readonly closedAt: number, readonly attempt: number }
  | { readonly name: 'open', readonly openedAt: number, readonly retryAt: number, readonly attempt: number }
  | { readonly name: 'half-open', readonly attempt: number }
  | { readonly name: 'forced-open', readonly openedAt: number }
  | { readonly name: 'forced-closed' }

export type BreakerStateName = BreakerState['name']

export type BreakerTransitionReason =
  | 'failure-threshold' | 'slow-calls' | 'upstream-retry-after' | 'throttled'
  | 'probe' | 'probe-succeeded' | 'probe-failed' | 'probe-abandoned'
  | 'forced-open' | 'forced-closed' | 'reset' | 'shared-retry-after'

export interface BreakerTransition {
  readonly from: BreakerStateName
  readonly to: BreakerStateName
  readonly reason: BreakerTransitionReason
  /** When opening: how long it stays open, in milliseconds. */
  readonly retryAfterMs?: number
  /** When opening honours the upstream's own `Retry-After`: the epoch ms until which it asked to wait (at most `maxOpenMs` away). */
  readonly upstreamRetryAt?: number
}

/** Plain JSON for /health. */
export interface BreakerSnapshot {
  readonly state: BreakerStateName
  /** Failures in the current run, capped at the threshold. */
  readonly consecutiveFailures: number
  /** Backoff step index the next opening uses (when closed: after decay); 0 when forced. */
  readonly attempt: number
  /** When it opened (ISO 8601); only while open or forced open. */
  readonly openedAt?: string
  /** Milliseconds until a probe may be sent; only while open. */
  readonly retryAfterMs?: number
}

export type BreakerRejectionReason = 'open' | 'half-open' | 'forced-open'

/** Why a call started now would be turned away, and for how long. */
export interface BreakerRefusal {
  /** Milliseconds until a call may be let through again. */
  readonly retryAfterMs: number
  readonly reason: BreakerRejectionReason
}

/** The call was turned away without reaching the upstream; `reason` says by which state. */
export class BreakerRejection extends Error {
  /** Milliseconds until a call may be let through again. */
  readonly retryAfterMs: number
  readonly reason: BreakerRejectionReason

  constructor (retryAfterMs: number, reason: BreakerRejectionReason) {
    super(reason === 'half-open' ? 'The circuit is half-open and its probe is in flight' : 'The circuit is open')
    this.name = 'BreakerRejection'
    this.retryAfterMs = retryAfterMs
    this.reason = reason
  }
}

export function isBreakerRejection (error: unknown): error is BreakerRejection {
  return error instanceof BreakerRejection
}

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker; a positive integer. */
  readonly failureThreshold: number
  /** Those failures must all fall within this span to count, in milliseconds. */
  readonly windowMs: number
  /** Chooses how long each open period lasts, in milliseconds, by step. */
  readonly backoff: ExponentialBackoff
  /** Upper bound on how long an upstream `Retry-After` may hold the breaker open, in milliseconds; also the `Retry-After` while forced open. */
  readonly maxOpenMs: number
  /** The only source of time (epoch ms); the breaker sets no timers. */
  readonly clock: Clock
  /** Jitter source for the backoff. */
  readonly random: Random
  /** True when an error means the upstream is unhealthy (timeouts, 5xx); false for answers like 4xx. */
  readonly isFailure: (error: unknown) => boolean
  /** True when an error means the upstream is busy, not broken (a 429): it pauses without raising the backoff step. Checked before `isFailure`. */
  readonly isThrottle?: (error: unknown) => boolean
  /**
   * True when a call ended in a way that says nothing about the upstream (its caller gave up on it):
   * neither counted nor taken as a success. A probe that ends so hands the probe to the next call.
   * Checked before `isThrottle`.
   */
  readonly isIgnored?: (error: unknown) => boolean
  /** The upstream's own `Retry-After` carried by an error, in milliseconds, if any. */
  readonly retryAfterMsOf?: (error: unknown) => number | undefined
  /** `Retry-After` given to callers turned away while the probe is in flight, in milliseconds; default 1000. */
  readonly halfOpenRetryAfterMs?: number
  /** Time spent closed that takes one step off the remembered backoff step, in milliseconds; default 60000. */
  readonly decayMs?: number
  /** Also open when too many calls are slow (durations in milliseconds); off when absent. */
  readonly slowCalls?: SlowCallsOptions
  /** Called synchronously on every transition, after the state has changed; must not throw. */
  readonly onStateChange?: (change: BreakerTransition) => void
}

/** What one settled call says about the upstream. */
type Verdict = 'healthy' | 'failure' | 'throttle' | 'ignored'

/**
 * Closed → open → half-open → closed, driven only by call outcomes and the injected clock: an
 * open breaker turns half-open lazily, on the first call after `retryAt`, and that call is the
 * single probe. Operators can force it open or closed and reset it. Every transition bumps a
 * generation so results of calls started under an earlier state cannot move the current one (a
 * slow failure must not extend an open period, a slow success must not close it, and nothing
 * from before an operator's command may undo it).
 */
export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions
  readonly #halfOpenRetryAfterMs: number
  readonly #decayMs: number
  readonly #failures: ConsecutiveFailures
  readonly #slowCalls: SlowCalls | undefined
  #state: BreakerState
  #generation = 0

  constructor (options: CircuitBreakerOptions) {
    const { maxOpenMs, halfOpenRetryAfterMs = 1000, decayMs = 60_000 } = options
    if (!Number.isFinite(maxOpenMs) || maxOpenMs < 0) {
      throw new RangeError(`breaker.maxOpenMs must be a non-negative number (ms), got ${String(maxOpenMs)}`)
    }
    if (!Number.isFinite(halfOpenRetryAfterMs) || halfOpenRetryAfterMs <= 0) {
      throw new RangeError(`breaker.halfOpenRetryAfterMs must be a positive number (ms), got ${String(halfOpenRetryAfterMs)}`)
    }
    if (!Number.isFinite(decayMs) || decayMs <= 0) {
      throw new RangeError(`breaker.decayMs must be a positive number (ms), got ${String(decayMs)}`)
    }
    this.#options = options
    this.#halfOpenRetryAfterMs = halfOpenRetryAfterMs
    this.#decayMs = decayMs
    this.#failures = new ConsecutiveFailures({ threshold: options.failureThreshold, windowMs: options.windowMs })
    this.#slowCalls = options.slowCalls && new SlowCalls(options.slowCalls)
    this.#state = { name: 'closed', closedAt: options.clock(), attempt: 0 }
  }

  get state (): BreakerStateName {
    return this.#state.name
  }

  async execute<T> (fn: () => Promise<T>): Promise<T> {
    this.#admit()
    const generation = this.#generation
    // The clock is read per call only when slow calls are tracked: the breaker's cost is paid on every write.
    const startedAt = this.#slowCalls === undefined ? 0 : this.#options.clock()
    let value: T
    try {
      value = await fn()
    } catch (error) {
      this.#settle(generation, startedAt, this.#verdictOf(error), error)
      throw error
    }
    this.#settle(generation, startedAt, 'healthy', undefined)
    return value
  }

  /**
   * The rejection a call started now would get, without starting one or changing any state; undefined
   * when it would be let through (an open period that is over lets the next call through as the probe).
   * For refusing work before it is prepared, e.g. before a request body is read.
   */
  peek (): BreakerRejection | undefined {
    const refusal = this.refusal()
    return refusal === undefined ? undefined : withoutStack(() => new BreakerRejection(refusal.retryAfterMs, refusal.reason))
  }

  /** What `peek()` says, as plain data: no error is built, for callers that answer the refusal themselves. */
  refusal (): BreakerRefusal | undefined {
    const state = this.#state
    switch (state.name) {
      case 'closed':
      case 'forced-closed':
        return undefined
      case 'forced-open':
        return { retryAfterMs: this.#options.maxOpenMs, reason: 'forced-open' }
      case 'half-open':
        return { retryAfterMs: this.#halfOpenRetryAfterMs, reason: 'half-open' }
      case 'open': {
        const now = this.#options.clock()
        return now < state.retryAt ? { retryAfterMs: state.retryAt - now, reason: 'open' } : undefined
      }
    }
  }

  /** Rejects every call, until `reset()` or `forceClose()`. */
  forceOpen (): void {
    this.#transition({ name: 'forced-open', openedAt: this.#options.clock() }, 'forced-open')
  }

  /** Lets every call through and ignores outcomes, until `reset()` or `forceOpen()`. */
  forceClose (): void {
    this.#transition({ name: 'forced-closed' }, 'forced-closed')
  }

  /**
   * Open until `retryAt` (epoch ms, at most `maxOpenMs` from now) because the upstream asked someone
   * else to wait that long, e.g. another instance; no-op when forced, when already open at least that
   * long, or when `retryAt` has passed. A probe in flight is abandoned: its result no longer counts.
   * True when it opened or extended the open period.
   */
  holdOpenUntil (retryAt: number, reason: BreakerTransitionReason = 'shared-retry-after'): boolean {
    const state = this.#state
    const now = this.#options.clock()
    const until = Math.min(retryAt, now + this.#options.maxOpenMs)
    if (!Number.isFinite(until) || until <= now) return false
    switch (state.name) {
      case 'forced-open':
      case 'forced-closed':
        return false
      case 'open':
        if (state.retryAt >= until) return false
        this.#transition({ name: 'open', openedAt: state.openedAt, retryAt: until, attempt: state.attempt }, reason, until - now)
        return true
      case 'half-open':
        this.#transition({ name: 'open', openedAt: now, retryAt: until, attempt: state.attempt }, reason, until - now)
        return true
      case 'closed':
        this.#transition({ name: 'open', openedAt: now, retryAt: until, attempt: this.#decayedAttempt(state, now) }, reason, until - now)
        return true
    }
  }

  /** Back to a fresh closed breaker: backoff step 0, failure run and slow-call window cleared. */
  reset (): void {
    this.#transition({ name: 'closed', closedAt: this.#options.clock(), attempt: 0 }, 'reset')
  }

  snapshot (): BreakerSnapshot {
    const state = this.#state
    const base = { state: state.name, consecutiveFailures: this.#failures.count }
    switch (state.name) {
      case 'closed':
        return { ...base, attempt: this.#decayedAttempt(state, this.#options.clock()) }
      case 'half-open':
        return { ...base, attempt: state.attempt }
      case 'open':
        return {
          ...base,
          attempt: state.attempt,
          openedAt: new Date(state.openedAt).toISOString(),
          retryAfterMs: Math.max(0, state.retryAt - this.#options.clock())
        }
      case 'forced-open':
        return { ...base, attempt: 0, openedAt: new Date(state.openedAt).toISOString() }
      case 'forced-closed':
        return { ...base, attempt: 0 }
    }
  }

  /**
   * Throws when the call may not reach the upstream; turns an expired open period into the probe.
   * Half-open always means the probe is in flight: it is entered by the call that becomes the probe.
   * retryAt is fixed for the whole open period, so the wait never grows between two rejections.
   */
  #admit (): void {
    const rejection = this.peek()
    if (rejection !== undefined) throw rejection
    const state = this.#state
    if (state.name === 'open') this.#transition({ name: 'half-open', attempt: state.attempt }, 'probe')
  }

  #verdictOf (error: unknown): Verdict {
    if (this.#options.isIgnored?.(error) === true) return 'ignored'
    if (this.#options.isThrottle?.(error) === true) return 'throttle'
    // Not a failure (the upstream answered, e.g. 4xx): healthy for the breaker, still the caller's error.
    return this.#options.isFailure(error) ? 'failure' : 'healthy'
  }

  #settle (generation: number, startedAt: number, verdict: Verdict, error: unknown): void {
    // Results of calls started before the last transition describe an older state: ignore them.
    // While half-open only the probe can be current, since every other call is turned away.
    if (generation !== this.#generation) return
    const state = this.#state
    if (state.name === 'half-open') {
      this.#settleProbe(state.attempt, verdict, error)
      return
    }
    // Forced closed ignores outcomes; open and forced open admit no call of their own generation.
    if (state.name !== 'closed' || verdict === 'ignored') return
    if (verdict === 'healthy' && this.#slowCalls === undefined) {
      this.#failures.recordSuccess()
      return
    }

    const now = this.#options.clock()
    const attempt = this.#decayedAttempt(state, now)
    if (verdict === 'throttle') {
      // Busy, not broken: pause as asked, but neither count it nor raise the step.
      this.#open(attempt, 'throttled', this.#throttleMs(error, attempt), this.#upstreamRetryAfterMs(error))
      return
    }
    // Both strategies see every counted call: a slow failure is a failure and a slow call.
    const tooSlow = this.#slowCalls?.record(now - startedAt, now) ?? false
    if (verdict === 'healthy') {
      this.#failures.recordSuccess()
      if (tooSlow) this.#open(attempt, 'slow-calls', this.#failureOpenMs(attempt, undefined))
      return
    }
    const upstreamMs = this.#upstreamRetryAfterMs(error)
    if (this.#failures.recordFailure(now)) this.#open(attempt, 'failure-threshold', this.#failureOpenMs(attempt, upstreamMs), upstreamMs)
    else if (tooSlow) this.#open(attempt, 'slow-calls', this.#failureOpenMs(attempt, upstreamMs), upstreamMs)
    // Below the threshold, but the upstream asked us explicitly to wait.
    else if (upstreamMs !== undefined) this.#open(attempt, 'upstream-retry-after', this.#failureOpenMs(attempt, upstreamMs), upstreamMs)
  }

  #settleProbe (attempt: number, verdict: Verdict, error: unknown): void {
    const now = this.#options.clock()
    switch (verdict) {
      case 'healthy':
        // Remember the step, so an upstream that fails again soon resumes from it (see #decayedAttempt).
        this.#transition({ name: 'closed', closedAt: now, attempt }, 'probe-succeeded')
        return
      case 'throttle':
        this.#open(attempt, 'throttled', this.#throttleMs(error, attempt), this.#upstreamRetryAfterMs(error))
        return
      case 'failure': {
        const upstreamMs = this.#upstreamRetryAfterMs(error)
        this.#open(attempt + 1, 'probe-failed', this.#failureOpenMs(attempt + 1, upstreamMs), upstreamMs)
        return
      }
      case 'ignored':
        // Nothing learnt: open with the period already over, so the next call is the probe.
        this.#open(attempt, 'probe-abandoned', 0)
    }
  }

  /**
   * The remembered step minus one per `decayMs` spent closed, worked out from the clock when needed
   * (no timers): a flapping upstream keeps its long pauses, a stable one earns the base step back.
   */
  #decayedAttempt (state: { readonly closedAt: number, readonly attempt: number }, now: number): number {
    const decayed = Math.floor(Math.max(0, now - state.closedAt) / this.#decayMs)
    return Math.max(0, state.attempt - decayed)
  }

  #failureOpenMs (attempt: number, upstreamMs: number | undefined): number {
    const { backoff, random, maxOpenMs } = this.#options
    // Honour the upstream's Retry-After, but never let one header park us longer than maxOpenMs.
    return Math.max(backoff.delay(attempt, random), Math.min(upstreamMs ?? 0, maxOpenMs))
  }

  #throttleMs (error: unknown, attempt: number): number {
    const upstreamMs = this.#upstreamRetryAfterMs(error)
    // A throttle names its own pause; the backoff only stands in when it does not.
    return upstreamMs === undefined ? this.#options.backoff.nominal(attempt) : Math.min(upstreamMs, this.#options.maxOpenMs)
  }

  #upstreamRetryAfterMs (error: unknown): number | undefined {
    const ms = this.#options.retryAfterMsOf?.(error)
    // A nonsensical value is treated as absent rather than allowed to poison retryAt.
    return ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined
  }

  /** `upstreamMs`: the upstream's own Retry-After, when it gave one; the transition reports it capped at maxOpenMs. */
  #open (attempt: number, reason: BreakerTransitionReason, openMs: number, upstreamMs?: number): void {
    const now = this.#options.clock()
    const asked = upstreamMs === undefined ? 0 : Math.min(upstreamMs, this.#options.maxOpenMs)
    this.#transition({ name: 'open', openedAt: now, retryAt: now + openMs, attempt }, reason, openMs, asked > 0 ? now + asked : undefined)
  }

  #transition (next: BreakerState, reason: BreakerTransitionReason, retryAfterMs?: number, upstreamRetryAt?: number): void {
    const from = this.#state.name
    this.#state = next
    this.#generation += 1
    // The run and the window describe one closed period; open and half-open keep them for /health.
    if (next.name !== 'open' && next.name !== 'half-open') {
      this.#failures.reset()
      this.#slowCalls?.reset()
    }
    const change: BreakerTransition = {
      from,
      to: next.name,
      reason,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
      ...(upstreamRetryAt !== undefined && { upstreamRetryAt })
    }
    this.#options.onStateChange?.(change)
  }
}
