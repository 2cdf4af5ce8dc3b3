import { BulkheadFullError } from '../../../utils/bulkhead.js'
import { BreakerRejection } from '../../../utils/breaker/circuitBreaker.js'
import type { BreakerRejectionReason } from '../../../utils/breaker/circuitBreaker.js'
import { withoutStack } from '../../../utils/withoutStack.js'
import { GatewayError, RetryableError } from '../../http/errors.js'

/** The detail of every breaker-open problem. */
export const breakerOpenDetail = 'Writes to the event service are paused after repeated failures'

/** The breaker is open (or its single probe is in flight): the write was not attempted. */
export class BreakerOpenError extends RetryableError {
  /** Which state turned it away; `undefined` when built outside the breaker. */
  readonly reason: BreakerRejectionReason | undefined

  constructor (retryAfterMs: number, reason?: BreakerRejectionReason) {
    super('GW_ERR_BREAKER_OPEN', breakerOpenDetail, retryAfterMs)
    this.name = 'BreakerOpenError'
    this.reason = reason
  }
}

/** Every slot and queue place of the write bulkhead is taken: the write was not attempted. */
export class BulkheadRejection extends RetryableError {
  constructor (retryAfterMs: number) {
    super('GW_ERR_BULKHEAD_FULL', 'Too many writes are already waiting for the event service', retryAfterMs)
    this.name = 'BulkheadRejection'
  }
}

/** The event service answered with a status outside 2xx. */
export class UpstreamStatusError extends GatewayError {
  /** The status the event service answered with. */
  readonly upstreamStatus: number
  /** The event service's own `Retry-After`, in milliseconds, when it sent one. */
  readonly upstreamRetryAfterMs: number | undefined

  constructor (upstreamStatus: number, upstreamRetryAfterMs?: number) {
    super('GW_ERR_UPSTREAM_STATUS', `The event service answered ${upstreamStatus}`)
    this.name = 'UpstreamStatusError'
    this.upstreamStatus = upstreamStatus
    this.upstreamRetryAfterMs = upstreamRetryAfterMs
  }
}

/** No connection to the event service could be made (refused, unknown host): nothing was sent. */
export class UpstreamUnreachableError extends GatewayError {
  constructor (cause: unknown) {
    super('GW_ERR_UPSTREAM_UNREACHABLE', 'The event service could not be reached', { cause })
    this.name = 'UpstreamUnreachableError'
  }
}

/** The connection dropped after the request may have been sent: event.com may have acted on it. */
export class UpstreamDisconnectedError extends GatewayError {
  constructor (cause: unknown) {
    super('GW_ERR_UPSTREAM_DISCONNECTED', 'The connection to the event service dropped before it answered', { cause })
    this.name = 'UpstreamDisconnectedError'
  }
}

/** The event service did not answer within the configured timeout. */
export class UpstreamTimeoutError extends GatewayError {
  constructor (timeoutMs: number) {
    super('GW_ERR_UPSTREAM_TIMEOUT', `The event service did not answer within ${timeoutMs} ms`)
    this.name = 'UpstreamTimeoutError'
  }
}

/** The event service answered 2xx with a body that does not have the documented shape. */
export class UpstreamInvalidResponseError extends GatewayError {
  constructor (detail: string) {
    super('GW_ERR_UPSTREAM_INVALID_RESPONSE', detail)
    this.name = 'UpstreamInvalidResponseError'
  }
}

/** The generic resilience parts' refusals, in the gateway's own words; anything else as it is. */
export function asWriteRejection (error: unknown): unknown {
  if (error instanceof BreakerRejection) return withoutStack(() => new BreakerOpenError(error.retryAfterMs, error.reason))
  if (error instanceof BulkheadFullError) return withoutStack(() => new BulkheadRejection(error.retryAfterMs))
  return error
}
