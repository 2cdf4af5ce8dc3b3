import { getResponse, http, HttpResponse } from 'msw'
import type { RequestHandler } from 'msw'
import { failureBody, failureResponse } from '../../mocks/failureResponse.js'
import { EVENT_SERVICE_ORIGIN } from '../../mocks/origin.js'

/**
 * Faults for one write each, as msw handlers to put in front of event.com's model with
 * `upstream.use(...)`: every one is `{ once: true }`, so the model answers again afterwards.
 */

const addEventUrl = `${EVENT_SERVICE_ORIGIN}/addEvent`

const statusText: Readonly<Record<number, string>> = {
  400: 'Bad Request', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable'
}

/** `count` copies of a fault, for the next `count` writes. */
export function times (count: number, fault: () => RequestHandler): RequestHandler[] {
  return Array.from({ length: count }, fault)
}

/** The next write is answered `status`, with `Retry-After` when given, and not stored. */
export function answerStatus (status: number, options: { readonly retryAfter?: string } = {}): RequestHandler {
  const headers = options.retryAfter === undefined ? {} : { 'Retry-After': options.retryAfter }
  return http.post(addEventUrl, () => failureResponse(status, failureBody(statusText[status] ?? 'Error'), headers), { once: true })
}

/** The next write gets no answer: the connection drops. */
export function dropConnection (): RequestHandler {
  return http.post(addEventUrl, () => HttpResponse.error(), { once: true })
}

function abortOf (request: Request): Promise<void> {
  return new Promise((resolve) => {
    if (request.signal.aborted) resolve()
    else request.signal.addEventListener('abort', () => { resolve() }, { once: true })
  })
}

/** The next write waits until `release()`, then event.com handles it as it would have. */
export function holdRequest (): { readonly handler: RequestHandler, readonly release: () => void } {
  let release = (): void => undefined
  const released = new Promise<void>((resolve) => { release = resolve })
  const handler = http.post(addEventUrl, async ({ request }) => {
    await Promise.race([released, abortOf(request)])
    return undefined
  }, { once: true })
  return { handler, release: () => { release() } }
}

/** The next write is never answered; it ends when its caller gives up (fire the test's timeouts). */
export function hangRequest (): RequestHandler {
  return http.post(addEventUrl, async ({ request }) => {
    await abortOf(request)
    return HttpResponse.error()
  }, { once: true })
}

/**
 * The next write times out while event.com has it: `fire` (the test's manual timeouts) runs once the
 * write arrived. With `storing`, those handlers (the model's) first act on it, as when event.com stores
 * an event but its answer never comes back.
 */
export function timeOut (fire: () => void, options: { readonly storing?: readonly RequestHandler[] } = {}): RequestHandler {
  return http.post(addEventUrl, async ({ request }) => {
    if (options.storing !== undefined) await getResponse([...options.storing], request.clone())
    fire()
    await abortOf(request)
    return HttpResponse.error()
  }, { once: true })
}
