import { isAttemptEnded } from './attemptEnded.js'

/** Timeouts, connection errors and 5xx mean the destination is struggling; 4xx (and 408) are the step's fault, not its. */
export function isDestinationFailure (error: unknown): boolean {
  if (!isAttemptEnded(error) || error.result.kind !== 'retry') return false
  const { reason, status } = error.result
  return reason === 'timeout' || reason === 'unreachable' || reason === 'disconnected' || (reason === 'status' && status !== undefined && status >= 500)
}

/** A 429: the destination is busy, not broken. */
export function isDestinationThrottle (error: unknown): boolean {
  return isAttemptEnded(error) && error.result.kind === 'retry' && error.result.reason === 'throttled'
}

/** Says nothing about the destination: the run was cancelled, or the call was never made (refused, malformed). */
export function isSilentAttempt (error: unknown): boolean {
  if (!isAttemptEnded(error)) return false
  const { result } = error
  return result.kind === 'cancelled' || (result.kind === 'permanent' && result.reason !== 'status')
}

/** Only 503 and 429 carry a Retry-After that asks us to hold off; in milliseconds. */
export function destinationRetryAfterMs (error: unknown): number | undefined {
  if (!isAttemptEnded(error) || error.result.kind !== 'retry') return undefined
  const { status } = error.result
  return status === 503 || status === 429 ? error.retryAfterMs : undefined
}
