import type { IncomingHttpHeaders } from 'node:http'
import { errors } from 'undici'
import type { ResponseSink } from './responseSink.js'

/** One request handed to the handlers, from their answer to its last byte; abortable throughout. */
export interface DispatchExchange {
  /** Ends the request at once with `reason`, whatever the handlers are still doing. No-op once it ended. */
  abort: (reason: Error) => void
  /** Whether the request ended: answered, failed or aborted. */
  readonly ended: boolean
  /** Resolves once the exchange's work is over, answered or not; never rejects. */
  readonly finished: Promise<void>
}

const ABORTED: unique symbol = Symbol('aborted')
const BODY_FAILED: unique symbol = Symbol('body failed')

function responseHeaders (response: Response): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {}
  response.headers.forEach((value, name) => { if (name !== 'set-cookie') headers[name] = value })
  const cookies = response.headers.getSetCookie()
  if (cookies.length > 0) headers['set-cookie'] = cookies
  return headers
}

/** What a dropped connection looks like to an undici caller. */
function droppedConnection (): Error {
  return new errors.SocketError('other side closed')
}

/**
 * Asks `answer` for a response (it gets the signal that ends the request) and hands it to the sink:
 * status and headers, then the body chunk by chunk as the stream yields it, waiting while the sink
 * is paused. `Response.error()`, and a body that fails half-way, reach the sink as a dropped
 * connection. `abort` reports its reason to the sink at once, even while `answer` still waits.
 */
export interface ExchangeOptions {
  /** HEAD: headers only. */
  readonly bodyless: boolean
  /** Called once, as soon as the request ended (answered, failed or aborted), maybe before `startExchange` returns. */
  readonly onEnd?: (exchange: DispatchExchange) => void
}

export function startExchange (sink: ResponseSink, answer: (signal: AbortSignal) => Promise<Response>, options: ExchangeOptions): DispatchExchange {
  const controller = new AbortController()
  let ended = false
  // Read through a function: the checks after each await see what an abort meanwhile changed.
  const isEnded = (): boolean => ended
  const end = (): boolean => {
    if (ended) return false
    ended = true
    options.onEnd?.(exchange)
    return true
  }
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    controller.signal.addEventListener('abort', () => { resolve(ABORTED) }, { once: true })
  })
  const untilAborted = <T>(promise: Promise<T>): Promise<T | typeof ABORTED> => Promise.race([promise, aborted])
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
  const abort = (reason: Error): void => {
    if (!end()) return
    controller.abort(reason)
    reader?.cancel(reason).catch(() => undefined)
    sink.error(reason)
  }

  async function deliver (): Promise<void> {
    const response = await untilAborted(answer(controller.signal))
    if (response === ABORTED || isEnded()) return
    if (response.type === 'error') {
      if (end()) sink.error(droppedConnection())
      return
    }
    reader = options.bodyless ? undefined : response.body?.getReader()
    if (!sink.headers(response.status, responseHeaders(response), response.statusText) && await untilAborted(sink.resumed()) === ABORTED) return
    if (reader !== undefined) {
      for (;;) {
        const read = await untilAborted(reader.read().catch((): typeof BODY_FAILED => BODY_FAILED))
        if (read === BODY_FAILED) {
          if (end()) sink.error(droppedConnection())
          return
        }
        if (read === ABORTED || isEnded()) return
        if (read.done) break
        if (!sink.data(Buffer.from(read.value)) && await untilAborted(sink.resumed()) === ABORTED) return
      }
    }
    if (end()) sink.end()
  }

  let finished = Promise.resolve()
  const exchange: DispatchExchange = { abort, get ended () { return ended }, get finished () { return finished } }
  sink.start(abort)
  if (!isEnded()) {
    finished = deliver().catch((error: unknown) => {
      // The request could not be made (a body it cannot carry, a header value Fetch refuses).
      if (end()) sink.error(error instanceof Error ? error : new errors.UndiciError(String(error)))
    })
  }
  return exchange
}
