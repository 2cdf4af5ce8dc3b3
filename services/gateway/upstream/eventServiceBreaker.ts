import { createExponentialBackoff } from '../../../utils/backoff.js'
import { CircuitBreaker } from '../../../utils/breaker/circuitBreaker.js'
import type { BreakerTransition } from '../../../utils/breaker/circuitBreaker.js'
import type { Clock, Random } from '../../../utils/clock.js'
import type { GatewaySettings } from '../settings.js'
import { isUpstreamFailure, isUpstreamThrottle, upstreamRetryAfterMs } from './upstreamFailure.js'

export type BreakerSettings = Pick<GatewaySettings,
  'breakerFailureThreshold' | 'breakerWindowMs' | 'breakerBackoffBaseMs' | 'breakerBackoffMaxMs' | 'breakerDecayMs' |
  'breakerSlowCallMs' | 'breakerSlowCallRatePercent' | 'breakerSlowCallMinCalls' | 'breakerSlowCallWindowMs'>

/** The breaker in front of event.com, from the BREAKER_* settings and what counts as event.com failing. */
export function createEventServiceBreaker (settings: BreakerSettings, parts: {
  readonly clock: Clock
  readonly random: Random
  readonly onStateChange: (change: BreakerTransition) => void
}): CircuitBreaker {
  return new CircuitBreaker({
    failureThreshold: settings.breakerFailureThreshold,
    windowMs: settings.breakerWindowMs,
    backoff: createExponentialBackoff({ baseMs: settings.breakerBackoffBaseMs, maxMs: settings.breakerBackoffMaxMs }),
    maxOpenMs: settings.breakerBackoffMaxMs,
    decayMs: settings.breakerDecayMs,
    clock: parts.clock,
    random: parts.random,
    isFailure: isUpstreamFailure,
    isThrottle: isUpstreamThrottle,
    retryAfterMsOf: upstreamRetryAfterMs,
    ...(settings.breakerSlowCallMs > 0 && {
      slowCalls: {
        thresholdMs: settings.breakerSlowCallMs,
        rate: settings.breakerSlowCallRatePercent / 100,
        windowMs: settings.breakerSlowCallWindowMs,
        minimumCalls: settings.breakerSlowCallMinCalls
      }
    }),
    onStateChange: parts.onStateChange
  })
}
