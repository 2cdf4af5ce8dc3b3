import { EventEmitter } from 'node:events'
import { Pool } from 'undici'
import type { Dispatcher } from 'undici'
import type { Clock } from '../../../utils/clock.js'
import type { Event, User } from '../store/eventStore.js'
import { JsonArrayError, parseJsonArray } from '../../../utils/jsonArrayStream.js'
import { parseRetryAfter } from '../../../utils/retryAfter.js'
import { GatewayError, isGatewayError } from '../../http/errors.js'
import {
  UpstreamDisconnectedError, UpstreamInvalidResponseError, UpstreamStatusError, UpstreamTimeoutError, UpstreamUnreachableError
} from './upstreamErrors.js'
import { parseEvent, parseUsers } from './upstreamPayload.js'
import type { Parsed } from './upstreamPayload.js'

/** Per-call context passed along to event.com. */
export interface CallContext {
  /** Sent as `x-request-id`, so one id follows a write from the client through event.com. */
  readonly requestId?: string
}

export type UpstreamOperation = 'getUsers' | 'getEvents' | 'addEvent' | 'getEventById'

export type CallOutcome = 'success' | 'status_4xx' | 'status_429' | 'status_5xx' | 'timeout' | 'unreachable' | 'disconnected' | 'invalid_response'

/** One finished call to event.com, for metrics. */
export interface UpstreamCall {
  readonly operation: UpstreamOperation
  readonly outcome: CallOutcome
  /** From sending to the end of the response, in milliseconds. */
  readonly durationMs: number
}

/** The calls the gateway makes to event.com. Every method rejects with a GatewayError subclass. */
export interface EventServiceClient {
  getUsers: (context?: CallContext) => Promise<Parsed<User>>
  /**
   * Streams event.com's events into `consume` as they arrive and are parsed, so a million events are
   * never one string in memory nor one blocking parse; resolves with what `consume` returned and how
   * many entries were skipped for lacking a usable id.
   */
  getEvents: <T>(consume: (events: AsyncIterable<Event>) => Promise<T>, context?: CallContext) => Promise<{ result: T, skipped: number }>
  /** Resolves once event.com answered 2xx, which means it has stored the event. */
  addEvent: (event: Event, context?: CallContext) => Promise<void>
  /** Whether event.com has an event with this id (200) or not (404). */
  hasEvent: (eventId: string, context?: CallContext) => Promise<boolean>
  close: () => Promise<void>
}

export interface EventServiceClientOptions {
  /** Base URL of event.com, e.g. http://127.0.0.1:4000 or https://events.example/api. */
  readonly baseUrl: string
  /** Longest wait for one call, from sending to the end of the response body, in milliseconds. */
  readonly timeoutMs: number
  /** Longest wait for the bulk reads of hydration (getUsers, getEvents), in milliseconds; default timeoutMs. */
  readonly bulkTimeoutMs?: number
  /** Makes the signal that ends a call after timeoutMs; replaceable so tests can fire it. */
  readonly timeoutSignal?: (timeoutMs: number) => AbortSignal
  readonly clock: Clock
  /** Most sockets kept open to event.com. */
  readonly connections?: number
  /** Sends the requests instead of a Pool of its own, e.g. the mocks' in-process handler dispatcher; not closed by `close()`. */
  readonly dispatcher?: Dispatcher
  /** Told about every finished call. */
  readonly onCall?: (call: UpstreamCall) => void
}

/** Errors raised while connecting, before any byte of the request left: the call certainly did nothing. */
const connectErrorCodes = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT'
])

function neverSent (error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && connectErrorCodes.has(code)
}

/**
 * The end of one call after `ms`, unless cleared first. undici takes it as the call's `signal`: it
 * accepts an EventEmitter with `aborted` and `reason` as well as an AbortSignal. An AbortController
 * would do the same at some twenty times the cost (its EventTarget, and the listeners undici adds
 * to it and removes; 7 µs against 0.3 µs a call here), on every write; `AbortSignal.timeout` more
 * again, and its timer stays pending for the whole timeout.
 */
class Deadline extends EventEmitter {
  aborted = false
  reason: DOMException | undefined = undefined
  readonly #timer: NodeJS.Timeout

  constructor (ms: number) {
    super()
    this.#timer = setTimeout(expire, ms, this)
    this.#timer.unref()
  }

  clear (): void {
    clearTimeout(this.#timer)
  }
}

function expire (deadline: Deadline): void {
  deadline.aborted = true
  deadline.reason = new DOMException('The event service did not answer in time', 'TimeoutError')
  deadline.emit('abort')
}

/** How a call ended, in the words of the upstream-call metrics. */
export function callOutcome (error: unknown): CallOutcome {
  if (error === undefined) return 'success'
  if (error instanceof UpstreamStatusError) {
    if (error.upstreamStatus === 429) return 'status_429'
    return error.upstreamStatus >= 500 ? 'status_5xx' : 'status_4xx'
  }
  if (isGatewayError(error, 'GW_ERR_UPSTREAM_TIMEOUT')) return 'timeout'
  if (isGatewayError(error, 'GW_ERR_UPSTREAM_UNREACHABLE')) return 'unreachable'
  if (isGatewayError(error, 'GW_ERR_UPSTREAM_INVALID_RESPONSE')) return 'invalid_response'
  return 'disconnected'
}

/**
 * event.com over one undici Pool (keep-alive sockets, no per-call connection setup).
 * Each call gets its own deadline, so one slow call timing out never cancels another.
 */
export function createEventServiceClient (options: EventServiceClientOptions): EventServiceClient {
  const base = new URL(options.baseUrl)
  const prefix = base.pathname.replace(/\/+$/, '')
  const pool: Dispatcher = options.dispatcher ?? new Pool(base.origin, { connections: options.connections ?? 128 })
  const { timeoutSignal } = options

  interface Call<T> {
    readonly operation: UpstreamOperation
    readonly method: Dispatcher.HttpMethod
    readonly path: string
    readonly payload?: string
    readonly context: CallContext | undefined
    /** Statuses outside 2xx that are an answer rather than an error. */
    readonly accept?: number
    /** Overrides the client's timeout, in milliseconds. */
    readonly timeoutMs?: number
    readonly read: (response: Dispatcher.ResponseData) => Promise<T>
  }

  const bulkTimeoutMs = options.bulkTimeoutMs ?? options.timeoutMs

  async function send<T> (call: Call<T>): Promise<T> {
    const timeoutMs = call.timeoutMs ?? options.timeoutMs
    // An injected signal belongs to the caller: nothing to clear.
    const deadline = timeoutSignal === undefined ? new Deadline(timeoutMs) : undefined
    const signal = deadline ?? timeoutSignal?.(timeoutMs)
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' }
    if (call.context?.requestId !== undefined) headers['x-request-id'] = call.context.requestId
    const started = options.clock()
    let failure: unknown
    try {
      const response = await pool.request({ origin: base.origin, method: call.method, path: prefix + call.path, headers, body: call.payload ?? null, signal })
      if ((response.statusCode < 200 || response.statusCode >= 300) && response.statusCode !== call.accept) {
        await response.body.dump()
        throw new UpstreamStatusError(response.statusCode, parseRetryAfter(response.headers['retry-after'], options.clock()))
      }
      return await call.read(response)
    } catch (error) {
      failure = signal?.aborted === true
        ? new UpstreamTimeoutError(timeoutMs)
        : error instanceof GatewayError
          ? error
          : error instanceof JsonArrayError
            ? new UpstreamInvalidResponseError(`GET /getEvents did not answer with a JSON array: ${error.message}`)
            : neverSent(error) ? new UpstreamUnreachableError(error) : new UpstreamDisconnectedError(error)
      throw failure
    } finally {
      deadline?.clear()
      options.onCall?.({ operation: call.operation, outcome: callOutcome(failure), durationMs: options.clock() - started })
    }
  }

  const readJson = (path: string) => async (response: Dispatcher.ResponseData): Promise<unknown> => {
    const text = await response.body.text()
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new UpstreamInvalidResponseError(`GET ${path} did not answer with JSON`)
    }
  }

  return {
    async getUsers (context) {
      return parseUsers(await send({ operation: 'getUsers', method: 'GET', path: '/getUsers', context, timeoutMs: bulkTimeoutMs, read: readJson('/getUsers') }))
    },
    getEvents (consume, context) {
      return send({
        operation: 'getEvents',
        method: 'GET',
        path: '/getEvents',
        context,
        timeoutMs: bulkTimeoutMs,
        read: async (response) => {
          let skipped = 0
          async function * events (): AsyncGenerator<Event> {
            for await (const entry of parseJsonArray(response.body)) {
              const event = parseEvent(entry)
              if (event === undefined) skipped++
              else yield event
            }
          }
          const result = await consume(events())
          return { result, skipped }
        }
      })
    },
    addEvent (event, context) {
      return send({
        operation: 'addEvent',
        method: 'POST',
        path: '/addEvent',
        payload: JSON.stringify(event),
        context,
        read: (response) => response.body.dump()
      })
    },
    hasEvent (eventId, context) {
      return send({
        operation: 'getEventById',
        method: 'GET',
        path: `/getEventById/${encodeURIComponent(eventId)}`,
        context,
        accept: 404,
        read: async (response) => {
          await response.body.dump()
          return response.statusCode !== 404
        }
      })
    },
    close () {
      return options.dispatcher === undefined ? pool.close() : Promise.resolve()
    }
  }
}
