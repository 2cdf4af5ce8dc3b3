import type { Random } from './clock.js'

export interface ExponentialBackoffOptions {
  /** Nominal wait before the first retry (attempt 0), in milliseconds; a positive integer. */
  readonly baseMs: number
  /** Longest wait ever returned, in milliseconds; an integer, at least `baseMs`. */
  readonly maxMs: number
  /** Spread of the jitter as a fraction of the nominal wait, in [0, 1]; 0.2 means ±20 %. */
  readonly jitterRatio?: number
}

export interface ExponentialBackoff {
  /** The un-jittered wait for `attempt` (0-based), in milliseconds: `min(maxMs, baseMs * 2 ** attempt)`. */
  nominal: (attempt: number) => number
  /** A jittered wait for `attempt`, in whole milliseconds, never below the previous step's nominal wait nor above `maxMs`. */
  delay: (attempt: number, random: Random) => number
}

/**
 * Doubling waits with bounded jitter. Jitter spreads out callers that failed together, but it is
 * clamped so a wait never drops below the step before it (a failed probe must not come back
 * sooner than the previous one) and never exceeds `maxMs`. Consequence: once both this step and
 * the previous one are capped, the delay is exactly `maxMs`, with no jitter left.
 */
export function createExponentialBackoff (options: ExponentialBackoffOptions): ExponentialBackoff {
  const { baseMs, maxMs, jitterRatio = 0.2 } = options
  if (!Number.isSafeInteger(baseMs) || baseMs <= 0) {
    throw new RangeError(`backoff.baseMs must be a positive integer (ms), got ${String(baseMs)}`)
  }
  if (!Number.isSafeInteger(maxMs) || maxMs < baseMs) {
    throw new RangeError(`backoff.maxMs must be an integer (ms) >= baseMs (${baseMs}), got ${String(maxMs)}`)
  }
  if (!Number.isFinite(jitterRatio) || jitterRatio < 0 || jitterRatio > 1) {
    throw new RangeError(`backoff.jitterRatio must be a number in [0, 1], got ${String(jitterRatio)}`)
  }

  function nominal (attempt: number): number {
    if (!Number.isSafeInteger(attempt) || attempt < 0) {
      throw new RangeError(`backoff attempt must be a non-negative integer, got ${String(attempt)}`)
    }
    // Past attempt 1023, 2 ** attempt is Infinity; min() still caps it, and baseMs > 0 rules out
    // 0 * Infinity = NaN, so no attempt count can overflow.
    return Math.min(maxMs, baseMs * 2 ** attempt)
  }

  function delay (attempt: number, random: Random): number {
    const centre = nominal(attempt)
    const drawn = centre * (1 - jitterRatio) + random() * 2 * jitterRatio * centre
    const lower = attempt === 0 ? centre * (1 - jitterRatio) : nominal(attempt - 1)
    // Rounding to whole milliseconds must not step outside the bounds, hence ceil on the lower
    // one (maxMs is already an integer).
    return Math.min(maxMs, Math.max(Math.ceil(lower), Math.round(drawn)))
  }

  return { nominal, delay }
}
