import { createExponentialBackoff } from '../../../utils/backoff.js'
import { CircuitBreaker } from '../../../utils/breaker/circuitBreaker.js'
import type { BreakerTransition } from '../../../utils/breaker/circuitBreaker.js'
import type { Clock, Random } from '../../../utils/clock.js'
import type { Config } from '../../config.js'
import { isUpstreamFailure, isUpstreamThrottle, upstreamRetryAfterMs } from './upstreamFailure.js'

export type BreakerConfig = Pick<Config, 'breakerFailureThreshold' | 'breakerWindowMs' | 'breakerBackoffBaseMs' | 'breakerBackoffMaxMs'> &
  Partial<Pick<Config, 'breakerDecayMs' | 'breakerSlowCallMs' | 'breakerSlowCallRatePercent' | 'breakerSlowCallMinCalls' | 'breakerSlowCallWindowMs'>>

/** The breaker in front of event.com, from the BREAKER_* settings and what counts as event.com failing. */
export function createGatewayBreaker (config: BreakerConfig, parts: {
  readonly clock: Clock
  readonly random: Random
  readonly onStateChange: (change: BreakerTransition) => void
}): CircuitBreaker {
  return new CircuitBreaker({
    failureThreshold: config.breakerFailureThreshold,
    windowMs: config.breakerWindowMs,
    backoff: createExponentialBackoff({ baseMs: config.breakerBackoffBaseMs, maxMs: config.breakerBackoffMaxMs }),
    maxOpenMs: config.breakerBackoffMaxMs,
    clock: parts.clock,
    random: parts.random,
    isFailure: isUpstreamFailure,
    isThrottle: isUpstreamThrottle,
    retryAfterMsOf: upstreamRetryAfterMs,
    ...(config.breakerDecayMs !== undefined && { decayMs: config.breakerDecayMs }),
    ...(config.breakerSlowCallMs !== undefined && config.breakerSlowCallMs > 0 && {
      slowCalls: {
        thresholdMs: config.breakerSlowCallMs,
        rate: (config.breakerSlowCallRatePercent ?? 50) / 100,
        windowMs: config.breakerSlowCallWindowMs ?? 60_000,
        minimumCalls: config.breakerSlowCallMinCalls ?? 20
      }
    }),
    onStateChange: parts.onStateChange
  })
}
