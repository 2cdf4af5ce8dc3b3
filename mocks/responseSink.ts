import type { IncomingHttpHeaders } from 'node:http'
import { errors, type Dispatcher } from 'undici'

/**
 * One dispatch's handler seen through a single interface, whichever of undici's two handler APIs it
 * speaks: the controller one (`onRequestStart`, `onResponseStart`, …) or the older one (`onConnect`,
 * `onHeaders`, …) that `Dispatcher.request()` still uses. Callers call `start` first, then either
 * `headers`, `data`… `end`, or `error`, at most once.
 */
export interface ResponseSink {
  /** Hands the handler its way to abort the request; `abort` is called at most once per request. */
  start: (abort: (reason: Error) => void) => void
  /** False when the handler asked to pause: wait for `resumed()` before the next chunk. */
  headers: (status: number, headers: IncomingHttpHeaders, statusText: string) => boolean
  /** False when the handler asked to pause. */
  data: (chunk: Buffer) => boolean
  end: () => void
  error: (error: Error) => void
  /** Resolves once the handler is no longer paused. */
  resumed: () => Promise<void>
}

/** A parked wait for `resume`, shared by both handler APIs. */
function createPause (): { pause: () => void, resume: () => void, readonly paused: boolean, resumed: () => Promise<void> } {
  let waiting: { promise: Promise<void>, resolve: () => void } | undefined
  return {
    get paused () { return waiting !== undefined },
    pause () {
      if (waiting !== undefined) return
      let resolve = (): void => undefined
      const promise = new Promise<void>((done) => { resolve = done })
      waiting = { promise, resolve }
    },
    resume () {
      const ending = waiting
      waiting = undefined
      ending?.resolve()
    },
    resumed: () => waiting?.promise ?? Promise.resolve()
  }
}

function rawHeaders (headers: IncomingHttpHeaders): Buffer[] {
  const raw: Buffer[] = []
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) raw.push(Buffer.from(name, 'latin1'), Buffer.from(item, 'latin1'))
  }
  return raw
}

/**
 * The handler API undici marks deprecated but `Dispatcher.request()` still speaks (its RequestHandler),
 * typed here without the deprecation so that supporting it reads plainly.
 */
interface CallbackHandler {
  onConnect?: (abort: (reason?: Error) => void) => void
  onHeaders?: (statusCode: number, headers: Buffer[], resume: () => void, statusText: string) => boolean | undefined
  onData?: (chunk: Buffer) => boolean | undefined
  onComplete?: (trailers: string[] | null) => void
  onError?: (error: Error) => void
}

function callbackSink (handler: CallbackHandler): ResponseSink {
  const gate = createPause()
  return {
    start: (abort) => { handler.onConnect?.((reason) => { abort(reason ?? new errors.RequestAbortedError()) }) },
    headers: (status, headers, statusText) => {
      if (handler.onHeaders?.(status, rawHeaders(headers), gate.resume, statusText) === false) gate.pause()
      return !gate.paused
    },
    data: (chunk) => {
      if (handler.onData?.(chunk) === false) gate.pause()
      return !gate.paused
    },
    end: () => { handler.onComplete?.([]) },
    error: (error) => { handler.onError?.(error) },
    resumed: gate.resumed
  }
}

export function toResponseSink (handler: Dispatcher.DispatchHandler): ResponseSink {
  if (handler.onRequestStart === undefined && 'onConnect' in handler) return callbackSink(handler)
  const gate = createPause()

  let abortRequest: (reason: Error) => void = () => undefined
  let reason: Error | null = null
  const controller: Dispatcher.DispatchController = {
    get aborted () { return reason !== null },
    get paused () { return gate.paused },
    get reason () { return reason },
    abort (why) {
      if (reason !== null) return
      reason = why
      abortRequest(why)
    },
    pause: gate.pause,
    resume: gate.resume
  }
  return {
    start: (abort) => {
      abortRequest = abort
      handler.onRequestStart?.(controller, {})
    },
    headers: (status, headers, statusText) => {
      handler.onResponseStart?.(controller, status, headers, statusText)
      return !gate.paused
    },
    data: (chunk) => {
      handler.onResponseData?.(controller, chunk)
      return !gate.paused
    },
    end: () => { handler.onResponseEnd?.(controller, {}) },
    error: (error) => { handler.onResponseError?.(controller, error) },
    resumed: gate.resumed
  }
}
