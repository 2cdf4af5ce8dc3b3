import { createExponentialBackoff } from '../../utils/backoff.js'
import { CircuitBreaker } from '../../utils/breaker/circuitBreaker.js'
import type { BreakerTransition, CircuitBreakerOptions } from '../../utils/breaker/circuitBreaker.js'
import { createManualClock } from '../../utils/clock.js'
import type { ManualClock } from '../../utils/clock.js'
import { UpstreamStatusError } from '../../services/gateway/upstream/upstreamErrors.js'

/**
 * The breaker the suites share: threshold 3 in 10 s, backoff 1 s doubling to 30 s with no jitter
 * (a draw of 0.5), maxOpenMs 60 s, upstream 4xx not a failure; every transition recorded.
 */
export function testBreaker (overrides: Partial<CircuitBreakerOptions> = {}, start = 0): { breaker: CircuitBreaker, clock: ManualClock, changes: BreakerTransition[] } {
  const clock = createManualClock(start)
  const changes: BreakerTransition[] = []
  const breaker = new CircuitBreaker({
    failureThreshold: 3,
    windowMs: 10_000,
    backoff: createExponentialBackoff({ baseMs: 1000, maxMs: 30_000 }),
    maxOpenMs: 60_000,
    clock: clock.now,
    random: () => 0.5,
    isFailure: (error) => !(error instanceof UpstreamStatusError && error.upstreamStatus < 500),
    onStateChange: (change) => { changes.push(change) },
    ...overrides
  })
  return { breaker, clock, changes }
}
