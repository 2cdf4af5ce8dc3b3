import { getResponse, type RequestHandler } from 'msw'
import { pino, type Logger } from 'pino'
import { Dispatcher, errors } from 'undici'
import { startExchange, type DispatchExchange } from './dispatchExchange.js'
import { failureBody, failureResponse } from './failureResponse.js'
import { fromDispatchOptions } from './fromDispatchOptions.js'
import { EVENT_SERVICE_ORIGIN } from './origin.js'
import { toResponseSink } from './responseSink.js'
import { SCENARIO_HEADER, type MockScenario } from './mockScenario.js'

/** A request as the dispatcher received it, before any handler saw it. */
export interface DispatchedRequest {
  readonly method: string
  /** Path and query, as dispatched. */
  readonly path: string
  /** The body as text; undefined when there is none. */
  readonly body: string | undefined
}

export interface HandlerDispatcherOptions {
  /** What answers when no handler added with `use()` does: a model's handlers (event.com's, the email provider's…). */
  readonly handlers: readonly RequestHandler[]
  /** The origin the handlers are written for; every request is rewritten to it. Default event.com's. */
  readonly origin?: string | undefined
  /**
   * Called once per request as it arrives, and pinned on it as the bridge pins it, so a later change
   * never reaches a request in flight (a model's `admit`, which also spends a burst's failure).
   */
  readonly scenario?: (() => MockScenario) | undefined
  /** Told about every request that reaches the handlers, before they run. */
  readonly onRequest?: ((request: DispatchedRequest) => void) | undefined
  /** Where a handler that throws is logged; default silent. */
  readonly logger?: Logger | undefined
}

function bodyText (body: Dispatcher.DispatchOptions['body']): string | undefined {
  if (typeof body === 'string') return body
  return body instanceof Uint8Array ? Buffer.from(body).toString('utf8') : undefined
}

function isAbortSignal (signal: unknown): signal is AbortSignal {
  return signal instanceof AbortSignal
}

/** What undici reports when nothing listens on the port. */
function connectionRefused (origin: string): Error {
  return Object.assign(new Error(`connect ECONNREFUSED ${new URL(origin).host}`), { code: 'ECONNREFUSED', syscall: 'connect' })
}

/**
 * An undici Dispatcher that answers in-process, by running MSW request handlers through
 * `getResponse()`: no socket. It behaves as the bridge does (requests rewritten to the model's
 * origin, the scenario pinned on arrival, 404 when no handler answers, 500 when one throws,
 * `HttpResponse.error()` as a dropped connection), so a client over it runs its real code:
 * status mapping, Retry-After, streamed bodies, and timeouts through the request's `signal`.
 */
export class HandlerDispatcher extends Dispatcher {
  readonly #handlers: readonly RequestHandler[]
  readonly #origin: string
  readonly #options: HandlerDispatcherOptions
  readonly #logger: Logger
  readonly #exchanges = new Set<DispatchExchange>()
  #used: RequestHandler[] = []
  #refusals = 0
  #closed = false
  #destroyed = false

  constructor (options: HandlerDispatcherOptions) {
    super()
    this.#handlers = options.handlers
    this.#origin = options.origin ?? EVENT_SERVICE_ORIGIN
    this.#options = options
    this.#logger = options.logger ?? pino({ enabled: false })
  }

  /** Requests being answered now. */
  get inFlight (): number {
    return this.#exchanges.size
  }

  /** Puts handlers in front of the others, as msw's `server.use()` does: a test's faults, often `{ once: true }`. */
  use (...handlers: RequestHandler[]): void {
    this.#used.unshift(...handlers)
  }

  /** Drops every handler added with `use()`. */
  resetHandlers (): void {
    this.#used = []
  }

  /** The next `times` requests fail as a closed port fails them (ECONNREFUSED), before any handler sees them. */
  refuseConnections (times = 1): void {
    this.#refusals += times
  }

  override dispatch (options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const sink = toResponseSink(handler)
    if (this.#destroyed || this.#closed) {
      sink.error(this.#destroyed ? new errors.ClientDestroyedError() : new errors.ClientClosedError())
      return false
    }
    if (this.#refusals > 0) {
      this.#refusals -= 1
      queueMicrotask(() => { sink.error(connectionRefused(this.#origin)) })
      return true
    }

    const { signal } = options as { signal?: unknown }
    const reasonOf = (aborted: AbortSignal): Error => aborted.reason instanceof Error ? aborted.reason : new errors.RequestAbortedError()
    if (isAbortSignal(signal) && signal.aborted) {
      // Never sent, so never received.
      sink.error(reasonOf(signal))
      return true
    }

    this.#options.onRequest?.({ method: options.method, path: options.path, body: bodyText(options.body) })
    const exchange = startExchange(sink, (signal) => this.#answer(options, signal), {
      bodyless: options.method === 'HEAD',
      // Counted out the moment it ends, before its caller hears of it.
      onEnd: (ended) => { this.#exchanges.delete(ended) }
    })
    if (isAbortSignal(signal)) {
      const onAbort = (): void => { exchange.abort(reasonOf(signal)) }
      signal.addEventListener('abort', onAbort, { once: true })
      void exchange.finished.then(() => { signal.removeEventListener('abort', onAbort) })
    }
    if (!exchange.ended) this.#exchanges.add(exchange)
    return true
  }

  async #answer (options: Dispatcher.DispatchOptions, signal: AbortSignal): Promise<Response> {
    const request = fromDispatchOptions(options, this.#origin, signal)
    const scenario = this.#options.scenario?.()
    if (scenario !== undefined) request.headers.set(SCENARIO_HEADER, JSON.stringify(scenario))
    try {
      return await getResponse([...this.#used, ...this.#handlers], request) ?? failureResponse(404, failureBody('Not Found'))
    } catch (error) {
      this.#logger.error({ err: error, origin: this.#origin, method: options.method, path: options.path }, 'mock failed to answer')
      return failureResponse(500, failureBody('Internal Server Error'))
    }
  }

  #settled (): Promise<void> {
    return Promise.all([...this.#exchanges].map((exchange) => exchange.finished)).then(() => undefined)
  }

  /** Takes no more requests; resolves once those in flight have ended. */
  override close (): Promise<void>
  override close (callback: () => void): void
  override close (callback?: () => void): Promise<void> | undefined {
    this.#closed = true
    const closing = this.#settled()
    if (callback === undefined) return closing
    void closing.then(callback)
    return undefined
  }

  /** Takes no more requests and ends those in flight with `error` (default ClientDestroyedError). */
  override destroy (error?: Error | null): Promise<void>
  override destroy (callback: () => void): void
  override destroy (error: Error | null, callback: () => void): void
  override destroy (errorOrCallback?: Error | null | (() => void), callback?: () => void): Promise<void> | undefined {
    const error = typeof errorOrCallback === 'function' ? null : errorOrCallback ?? null
    const done = typeof errorOrCallback === 'function' ? errorOrCallback : callback
    this.#destroyed = true
    for (const exchange of this.#exchanges) exchange.abort(error ?? new errors.ClientDestroyedError())
    const destroyed = this.#settled()
    if (done === undefined) return destroyed
    void destroyed.then(done)
    return undefined
  }
}
