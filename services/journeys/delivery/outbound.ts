import { Agent } from 'undici'
import type { Dispatcher } from 'undici'
import type { BreakerSnapshot, BreakerTransition, CircuitBreaker } from '../../../utils/breaker/circuitBreaker.js'
import { isBreakerRejection } from '../../../utils/breaker/circuitBreaker.js'
import type { Clock, Random } from '../../../utils/clock.js'
import { parseRetryAfter } from '../../../utils/retryAfter.js'
import { AttemptEnded, isAttemptEnded } from './attemptEnded.js'
import { callSignal } from './callSignal.js'
import type { CallSignal, TimeoutSignal } from './callSignal.js'
import type { Delivered, DeliveryResult, PermanentReason, Retry, RetryReason } from './deliveryResult.js'
import { prepareRequest } from './deliveryRequest.js'
import type { DeliveryRequest, PreparedRequest } from './deliveryRequest.js'
import { destinationRefusal } from './destinationPolicy.js'
import { guardedLookup } from './guardedLookup.js'
import type { Lookup } from './guardedLookup.js'
import { OriginBreakers } from './originBreakers.js'
import type { DeliveryBreakerSettings } from './originBreakers.js'
import { readBody, readText } from './readBody.js'
import { isRefusedDestination } from './refusedDestination.js'

/** One finished `send`, for metrics. Not reported for a request whose URL cannot be parsed. */
export interface OutboundCall {
  /** The destination's origin, e.g. `https://api.mail.example`; never the path, which may hold a secret. */
  readonly origin: string
  readonly kind: DeliveryResult['kind']
  readonly reason?: RetryReason | PermanentReason
  readonly status?: number
  /** From `send` to its result, in milliseconds. */
  readonly durationMs: number
}

export interface OutboundOptions {
  /** Longest wait for one call, from sending to the end of the response body, in milliseconds. */
  readonly timeoutMs: number
  /** How each destination's breaker trips and waits. */
  readonly breaker: DeliveryBreakerSettings
  readonly clock: Clock
  /** Jitter for the breakers' backoff. */
  readonly random: Random
  /**
   * WEBHOOK_ALLOWED_HOSTS: when set, only these hosts (names or IP literals, no port) may be called.
   * It applies to every call, so list the email provider's host too.
   */
  readonly allowedHosts?: readonly string[] | undefined
  /** Resolves hostnames for the sender's own connections (default `dns.lookup`); its answers are checked before connecting. */
  readonly lookup?: Lookup | undefined
  /**
   * Sends the requests instead of the sender's own Agent, e.g. the mocks' in-process handler
   * dispatcher; not closed by `close()`. It makes its own connections, so only literal addresses are checked.
   */
  readonly dispatcher?: Dispatcher | undefined
  /** Makes the signal that ends a call after timeoutMs; replaceable so tests can fire it. */
  readonly timeoutSignal?: TimeoutSignal | undefined
  /** Told about every finished call. */
  readonly onCall?: ((call: OutboundCall) => void) | undefined
  /** Told about every transition of a destination's breaker. */
  readonly onBreakerChange?: ((origin: string, change: BreakerTransition) => void) | undefined
  /** Most destination origins whose breakers are remembered; default 1000. */
  readonly maxOrigins?: number | undefined
  /** Most sockets open to one destination at once; default 16. */
  readonly connectionsPerOrigin?: number | undefined
  /** Most bytes of a 2xx response body read; default 65536. */
  readonly maxResponseBytes?: number | undefined
}

/** Sends a journey's emails and webhooks. Safe to share between runs; one per process (or worker). */
export interface Outbound {
  /** One attempt. Never rejects: every outcome, failures included, is a result. */
  send: (request: DeliveryRequest) => Promise<DeliveryResult>
  /** Each remembered destination origin's breaker, for /health and the dashboard. */
  breakers: () => Record<string, BreakerSnapshot>
  /** Sends nothing more; resolves once the calls in flight have ended. Safe to call again. */
  close: () => Promise<void>
}

/** Errors raised while connecting, before any byte of the request left: the call certainly did nothing. */
const connectErrorCodes = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT'
])

/** Enough of an error answer's body to tell in the run log why the destination said no. */
const EXCERPT_BYTES = 300

function errorCode (error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code
}

function positiveInteger (name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`outbound.${name} must be a positive integer, got ${String(value)}`)
  return value
}

/** Whatever ends an attempt before a status arrived (or while its body was read), as a result. */
function failureOf (error: unknown, call: CallSignal, where: string): AttemptEnded {
  const cause = call.cause()
  if (cause === 'cancelled') return new AttemptEnded({ kind: 'cancelled' })
  if (cause === 'timeout') return new AttemptEnded({ kind: 'retry', reason: 'timeout', message: `${where} did not answer in time` })
  if (isRefusedDestination(error)) return new AttemptEnded({ kind: 'permanent', reason: 'refused-destination', message: error.message })
  const code = errorCode(error)
  const detail = error instanceof Error ? error.message : String(error)
  if (code === 'UND_ERR_INVALID_ARG') return new AttemptEnded({ kind: 'permanent', reason: 'invalid-request', message: `${where}: ${detail}` })
  if (typeof code === 'string' && connectErrorCodes.has(code)) {
    return new AttemptEnded({ kind: 'retry', reason: 'unreachable', message: `${where} could not be reached: ${detail}` })
  }
  return new AttemptEnded({ kind: 'retry', reason: 'disconnected', message: `${where} dropped the connection before answering: ${detail}` })
}

/** A non-2xx answer as a result: 429 throttles, 408 and 5xx are worth retrying, the rest (3xx, 4xx) are final. */
function statusEnded (status: number, retryAfterMs: number | undefined, message: string): AttemptEnded {
  const wait = retryAfterMs === undefined ? {} : { retryAfterMs }
  if (status === 429) return new AttemptEnded({ kind: 'retry', reason: 'throttled', status, ...wait, message }, retryAfterMs)
  if (status === 408 || status >= 500) return new AttemptEnded({ kind: 'retry', reason: 'status', status, ...wait, message }, retryAfterMs)
  return new AttemptEnded({ kind: 'permanent', reason: 'status', status, message })
}

/** A retry waits for the longer of the destination's Retry-After and its breaker, if it just opened. */
function withBreakerWait (result: DeliveryResult, breaker: CircuitBreaker): DeliveryResult {
  if (result.kind !== 'retry') return result
  const breakerMs = breaker.refusal()?.retryAfterMs
  if (breakerMs === undefined || (result.retryAfterMs ?? 0) >= breakerMs) return result
  return { ...result, retryAfterMs: breakerMs }
}

function reported (origin: string, result: DeliveryResult, durationMs: number): OutboundCall {
  return {
    origin,
    kind: result.kind,
    durationMs,
    ...('reason' in result && { reason: result.reason }),
    ...('status' in result && { status: result.status })
  }
}

/**
 * The sender of a journey's outbound calls: one connection pool (in one undici Agent) and one
 * circuit breaker per destination origin, a deadline per call, the caller's signal wired to the
 * socket, and destinations checked before connecting (URL) and after resolving (DNS).
 */
export function createOutbound (options: OutboundOptions): Outbound {
  const { timeoutMs, clock, timeoutSignal, allowedHosts, onCall } = options
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError(`outbound.timeoutMs must be a positive number (ms), got ${String(timeoutMs)}`)
  const maxResponseBytes = positiveInteger('maxResponseBytes', options.maxResponseBytes ?? 65_536)
  const connections = positiveInteger('connectionsPerOrigin', options.connectionsPerOrigin ?? 16)
  const breakers = new OriginBreakers({
    settings: options.breaker,
    maxOrigins: options.maxOrigins ?? 1000,
    clock,
    random: options.random,
    onStateChange: options.onBreakerChange
  })
  const dispatcher: Dispatcher = options.dispatcher ?? new Agent({ connections, connect: { lookup: guardedLookup(options.lookup) } })
  let closing: Promise<void> | undefined

  async function attempt (request: PreparedRequest, call: CallSignal): Promise<Delivered> {
    const { url, method } = request
    const where = `${method} ${url.origin}`
    let response: Dispatcher.ResponseData
    try {
      response = await dispatcher.request({
        origin: url.origin, path: url.pathname + url.search, method, headers: request.headers, body: request.body, signal: call.signal
      })
    } catch (error) {
      throw failureOf(error, call, where)
    }
    const status = response.statusCode
    try {
      if (status >= 200 && status < 300) {
        const { body, truncated } = await readBody(response, maxResponseBytes)
        return { kind: 'delivered', status, body, truncated }
      }
      const { text } = await readText(response.body, EXCERPT_BYTES)
      const excerpt = text.trim() === '' ? '' : `: ${text.trim()}`
      const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : ''
      throw statusEnded(status, parseRetryAfter(response.headers['retry-after'], clock()), `${where} answered ${status}${redirect}${excerpt}`)
    } catch (error) {
      if (isAttemptEnded(error)) throw error
      throw failureOf(error, call, where)
    }
  }

  async function send (request: DeliveryRequest): Promise<DeliveryResult> {
    const started = clock()
    const prepared = prepareRequest(request)
    if ('kind' in prepared) return prepared
    const { origin } = prepared.url
    const finish = (result: DeliveryResult): DeliveryResult => {
      onCall?.(reported(origin, result, clock() - started))
      return result
    }

    if (request.signal?.aborted === true) return finish({ kind: 'cancelled' })
    if (closing !== undefined) return finish({ kind: 'retry', reason: 'unreachable', message: 'The outbound sender is closed' })
    const refusal = destinationRefusal(prepared.url, allowedHosts)
    if (refusal !== undefined) return finish({ kind: 'permanent', reason: 'refused-destination', message: refusal })

    const breaker = breakers.for(origin)
    let call: CallSignal | undefined
    try {
      return finish(await breaker.execute(() => {
        call = callSignal(timeoutMs, timeoutSignal, request.signal)
        return attempt(prepared, call)
      }))
    } catch (error) {
      if (isBreakerRejection(error)) {
        const retry: Retry = { kind: 'retry', reason: 'breaker-open', retryAfterMs: error.retryAfterMs, message: `${origin} is failing; its circuit is ${error.reason}` }
        return finish(retry)
      }
      // attempt() turns every error into an AttemptEnded; anything else is a bug, reported as a lost connection.
      const result = isAttemptEnded(error) ? error.result : { kind: 'retry' as const, reason: 'disconnected' as const, message: String(error) }
      return finish(withBreakerWait(result, breaker))
    } finally {
      call?.clear()
    }
  }

  return {
    send,
    breakers: () => breakers.snapshot(),
    close () {
      closing ??= options.dispatcher === undefined ? dispatcher.close() : Promise.resolve()
      return closing
    }
  }
}
