import { createExponentialBackoff } from '../../../utils/backoff.js'
import type { Random } from '../../../utils/clock.js'
import type { RetryPolicy } from './flowDefinition.js'

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, baseMs: 1000, maxMs: 3_600_000 }

/** The bounds of a step's `retry`, checked when a flow is validated. */
export const retryLimits = {
  attempts: { min: 1, max: 20 },
  baseMs: { min: 1, max: 3_600_000 },
  maxMs: { max: 86_400_000 }
} as const

/**
 * How long to wait after try number `attempt` (1 for the first) failed, in whole milliseconds, or
 * `undefined` when that was the last try the policy allows. The waits double from `baseMs` up to
 * `maxMs`, with jitter of at most ±20 % so that steps which failed together do not retry together.
 * It is the breaker's backoff: a wait is never shorter than the one before it nor longer than
 * `maxMs`, so once two waits in a row reach `maxMs` they are exactly `maxMs`. `random` draws from [0, 1).
 */
export function retryDelayMs (policy: RetryPolicy, attempt: number, random: Random): number | undefined {
  if (!Number.isSafeInteger(attempt) || attempt < 1) throw new RangeError(`retryDelayMs attempt counts from 1, got ${String(attempt)}`)
  if (attempt >= policy.attempts) return undefined
  return createExponentialBackoff({ baseMs: policy.baseMs, maxMs: policy.maxMs, jitterRatio: 0.2 }).delay(attempt - 1, random)
}
