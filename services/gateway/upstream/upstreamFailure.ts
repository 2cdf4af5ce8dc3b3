import { isGatewayError } from '../../http/errors.js'
import { UpstreamStatusError } from './upstreamErrors.js'

/** Connection errors, timeouts, 5xx and 429 mean event.com is struggling; other 4xx are the request's fault. */
export function isUpstreamFailure (error: unknown): boolean {
  if (error instanceof UpstreamStatusError) return error.upstreamStatus >= 500 || error.upstreamStatus === 429
  return isGatewayError(error, 'GW_ERR_UPSTREAM_TIMEOUT') ||
    isGatewayError(error, 'GW_ERR_UPSTREAM_UNREACHABLE') ||
    isGatewayError(error, 'GW_ERR_UPSTREAM_DISCONNECTED') ||
    isGatewayError(error, 'GW_ERR_UPSTREAM_INVALID_RESPONSE')
}

/** A 429: event.com is busy, not broken. */
export function isUpstreamThrottle (error: unknown): boolean {
  return error instanceof UpstreamStatusError && error.upstreamStatus === 429
}

/** Only 503 and 429 carry a Retry-After that asks us to hold off; in milliseconds. */
export function upstreamRetryAfterMs (error: unknown): number | undefined {
  if (error instanceof UpstreamStatusError && (error.upstreamStatus === 503 || error.upstreamStatus === 429)) {
    return error.upstreamRetryAfterMs
  }
  return undefined
}
