import { GatewayError, InvalidFieldError, RetryableError } from '../../http/errors.js'
import { EngineError, EngineUnavailableError } from '../engineClient.js'

/** How long a client should wait before trying an unavailable engine again, in milliseconds. */
export const unavailableRetryAfterMs = 2000

export function unavailable (detail: string): RetryableError {
  return new RetryableError('GW_ERR_JOURNEYS_UNAVAILABLE', detail, unavailableRetryAfterMs)
}

/**
 * The engine's errors in the gateway's words. Anything the engine did not name is its database
 * being unreachable or failing: a 503 the client may retry, since nothing was recorded.
 */
export function toGatewayError (error: unknown): unknown {
  if (error instanceof EngineUnavailableError) return unavailable(error.message)
  if (!(error instanceof EngineError)) return error
  switch (error.name) {
    case 'FlowInvalidError':
      return new GatewayError('GW_ERR_FLOW_INVALID', error.message, { extensions: { errors: error.data.errors ?? [] } })
    case 'FlowNotFoundError':
      return new GatewayError('GW_ERR_FLOW_NOT_FOUND', error.message)
    case 'RunNotFoundError':
      return new GatewayError('GW_ERR_RUN_NOT_FOUND', error.message)
    case 'EventNotFoundError':
      return new GatewayError('GW_ERR_EVENT_NOT_FOUND', error.message)
    case 'RunConflictError':
      return new GatewayError('GW_ERR_RUN_CONFLICT', error.message)
    case 'CursorInvalidError':
      return new InvalidFieldError('querystring/cursor', error.message)
    case 'QueryInvalidError':
      return typeof error.data.field === 'string' && typeof error.data.reason === 'string'
        ? new InvalidFieldError(error.data.field, error.data.reason)
        : new InvalidFieldError('querystring', error.message)
    default:
      return unavailable('The journeys engine could not complete the request; nothing was recorded')
  }
}

/** Runs an engine call, its errors turned into the gateway's. */
export async function engineCall<T> (work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw toGatewayError(error)
  }
}
