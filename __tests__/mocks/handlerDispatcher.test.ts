import { delay, http, HttpResponse } from 'msw'
import { errors, request } from 'undici'
import type { Dispatcher } from 'undici'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { HandlerDispatcher } from '../../mocks/handlerDispatcher.js'
import type { DispatchedRequest } from '../../mocks/handlerDispatcher.js'
import { createInProcessEventService } from '../../mocks/inProcessEventService.js'
import type { InProcessEventServiceOptions } from '../../mocks/inProcessEventService.js'
import { EVENT_SERVICE_ORIGIN } from '../../mocks/origin.js'
import { createEventServiceClient } from '../../services/gateway/upstream/eventServiceClient.js'
import { UpstreamStatusError } from '../../services/gateway/upstream/upstreamErrors.js'
import { createManualClock } from '../../utils/clock.js'
import { createManualTimeouts } from '../helpers/mockedApp.js'
import { rejectionOf } from '../helpers/rejectionOf.js'

/** Any origin: the dispatcher answers for event.com whatever the caller dispatched to. */
const origin = 'http://127.0.0.1:9'

function inProcess (options: InProcessEventServiceOptions = {}): ReturnType<typeof createInProcessEventService> & { received: DispatchedRequest[] } {
  const received: DispatchedRequest[] = []
  const upstream = createInProcessEventService({
    scenario: { name: 'healthy' },
    readFailureRate: 0,
    getEventByIdDelayMs: 0,
    addEventFailureDelayMs: 0,
    onRequest: (dispatched) => { received.push(dispatched) },
    ...options
  })
  onTestFinished(() => upstream.dispatcher.destroy())
  return { ...upstream, received }
}

function get (dispatcher: Dispatcher, path: string, signal?: AbortSignal): Promise<Dispatcher.ResponseData> {
  return request(`${origin}${path}`, { dispatcher, ...(signal && { signal }) })
}

function post (dispatcher: Dispatcher, path: string, body: unknown): Promise<Dispatcher.ResponseData> {
  return request(`${origin}${path}`, { dispatcher, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
}

describe('the handler dispatcher: answers', () => {
  it("answers with the model's status, headers and JSON body, for whatever origin was dispatched to", async () => {
    const { dispatcher, service } = inProcess()
    const response = await get(dispatcher, '/getUsers')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/json')
    expect(await response.body.json()).toEqual(service.state.users)
  })

  it('carries a JSON request body to the handlers, and tells onRequest what arrived', async () => {
    const { dispatcher, service, received } = inProcess()
    const response = await post(dispatcher, '/addEvent', { id: 'x-1', name: 'n', userId: '1' })
    expect(response.statusCode).toBe(200)
    expect(await response.body.json()).toEqual({ success: true })
    expect(service.state.events.at(-1)).toEqual({ id: 'x-1', name: 'n', userId: '1' })
    expect(received).toEqual([{ method: 'POST', path: '/addEvent', body: '{"id":"x-1","name":"n","userId":"1"}' }])
  })

  it('passes Retry-After and every other header a handler sets', async () => {
    const { dispatcher, service } = inProcess()
    service.setScenario({ name: 'throttled', retryAfter: '7' })
    const response = await get(dispatcher, '/getEvents')
    expect(response.statusCode).toBe(429)
    expect(response.headers['retry-after']).toBe('7')
    expect(await response.body.json()).toEqual({ success: false, error: 'Too Many Requests', message: 'Event API rate limit exceeded' })
  })

  it('answers 404 JSON when no handler matches, and 500 JSON when one throws, as the bridge does', async () => {
    const { dispatcher } = inProcess()
    const missing = await get(dispatcher, '/getEverything')
    expect(missing.statusCode).toBe(404)
    expect(await missing.body.json()).toEqual({ success: false, error: 'Not Found' })

    dispatcher.use(http.get(`${EVENT_SERVICE_ORIGIN}/getUsers`, () => { throw new Error('a bug in a handler') }, { once: true }))
    const failed = await get(dispatcher, '/getUsers')
    expect(failed.statusCode).toBe(500)
    expect(await failed.body.json()).toEqual({ success: false, error: 'Internal Server Error' })
  })

  it('waits for async handlers', async () => {
    const { dispatcher } = inProcess()
    dispatcher.use(http.get(`${EVENT_SERVICE_ORIGIN}/getUsers`, async () => {
      await delay(0)
      return HttpResponse.json([{ id: 9 }], { status: 201 })
    }, { once: true }))
    const response = await get(dispatcher, '/getUsers')
    expect(response.statusCode).toBe(201)
    expect(await response.body.json()).toEqual([{ id: 9 }])
  })

  it('streams the body: a chunk reaches the caller before the handler has written the next', async () => {
    const { dispatcher } = inProcess()
    let writeRest = (): void => undefined
    dispatcher.use(http.get(`${EVENT_SERVICE_ORIGIN}/getEvents`, () => new HttpResponse(new ReadableStream<Uint8Array>({
      start (controller) {
        controller.enqueue(new TextEncoder().encode('[{"id":1},'))
        writeRest = () => {
          controller.enqueue(new TextEncoder().encode('{"id":2}]'))
          controller.close()
        }
      }
    }), { headers: { 'content-type': 'application/json' } }), { once: true }))

    const response = await get(dispatcher, '/getEvents')
    const chunks = response.body[Symbol.asyncIterator]()
    const first = await chunks.next()
    expect(Buffer.from(first.value as Uint8Array).toString()).toBe('[{"id":1},')
    writeRest()
    const rest: string[] = []
    for (let next = await chunks.next(); next.done !== true; next = await chunks.next()) rest.push(Buffer.from(next.value as Uint8Array).toString())
    expect(rest.join('')).toBe('{"id":2}]')
  })

  it('puts `use()` handlers in front of the model: a `once` fault answers one request, then the model answers again', async () => {
    const { dispatcher, service } = inProcess()
    dispatcher.use(http.post(`${EVENT_SERVICE_ORIGIN}/addEvent`, () => HttpResponse.json({ success: false }, { status: 503, headers: { 'Retry-After': '5' } }), { once: true }))
    const faulted = await post(dispatcher, '/addEvent', { id: 'a', name: 'n', userId: '1' })
    expect(faulted.statusCode).toBe(503)
    expect(faulted.headers['retry-after']).toBe('5')
    await faulted.body.dump()
    expect(service.state.events.some((event) => event.id === 'a')).toBe(false)

    const answered = await post(dispatcher, '/addEvent', { id: 'a', name: 'n', userId: '1' })
    expect(answered.statusCode).toBe(200)
    await answered.body.dump()
    expect(service.state.events.filter((event) => event.id === 'a')).toHaveLength(1)
  })

  it('drops every handler added with use() on resetHandlers()', async () => {
    const { dispatcher } = inProcess()
    dispatcher.use(http.get(`${EVENT_SERVICE_ORIGIN}/getUsers`, () => HttpResponse.json([], { status: 418 })))
    dispatcher.resetHandlers()
    expect((await get(dispatcher, '/getUsers')).statusCode).toBe(200)
  })
})

describe('the handler dispatcher: failures', () => {
  it('reports HttpResponse.error() as a dropped connection', async () => {
    const { dispatcher, service } = inProcess()
    service.setScenario({ name: 'reset' })
    const error = await rejectionOf(get(dispatcher, '/getUsers'))
    expect(error).toBeInstanceOf(errors.SocketError)
    expect(error).toMatchObject({ code: 'UND_ERR_SOCKET' })
  })

  it('reports a body that fails half-way as a dropped connection', async () => {
    const { dispatcher } = inProcess()
    dispatcher.use(http.get(`${EVENT_SERVICE_ORIGIN}/getEvents`, () => new HttpResponse(new ReadableStream<Uint8Array>({
      start (controller) {
        controller.enqueue(new TextEncoder().encode('[{"id":1},'))
        controller.error(new Error('gone'))
      }
    })), { once: true }))
    const response = await get(dispatcher, '/getEvents')
    expect(await rejectionOf(response.body.text())).toMatchObject({ code: 'UND_ERR_SOCKET' })
  })

  it('refuses connections when told to, before any handler runs or anything is received', async () => {
    const { dispatcher, received } = inProcess()
    dispatcher.refuseConnections(1)
    expect(await rejectionOf(get(dispatcher, '/getUsers'))).toMatchObject({ code: 'ECONNREFUSED' })
    expect(received).toEqual([])
    expect((await get(dispatcher, '/getUsers')).statusCode).toBe(200)
  })

  it('rejects at once when the signal aborts while a handler still hangs, and ends the request for the handler', async () => {
    const { dispatcher } = inProcess()
    let handlerSignal: AbortSignal | undefined
    dispatcher.use(http.get(`${EVENT_SERVICE_ORIGIN}/getUsers`, async ({ request: received }) => {
      handlerSignal = received.signal
      await delay('infinite')
      return undefined
    }, { once: true }))
    const controller = new AbortController()
    const pending = get(dispatcher, '/getUsers', controller.signal)
    await vi.waitFor(() => { expect(handlerSignal).toBeDefined() })
    expect(dispatcher.inFlight).toBe(1)

    const reason = new DOMException('The operation timed out', 'TimeoutError')
    controller.abort(reason)
    expect(await rejectionOf(pending)).toBe(reason)
    expect(dispatcher.inFlight).toBe(0)
    expect(handlerSignal?.aborted).toBe(true)
  })

  it('rejects a request whose signal has already aborted without sending it', async () => {
    const { dispatcher, received } = inProcess()
    const reason = new Error('gave up')
    expect(await rejectionOf(get(dispatcher, '/getUsers', AbortSignal.abort(reason)))).toBe(reason)
    expect(received).toEqual([])
  })

  it('pins the scenario on arrival: a request that came in while event.com hung keeps hanging after it recovers', async () => {
    const { dispatcher, service } = inProcess()
    service.setScenario({ name: 'hanging' })
    const controller = new AbortController()
    const hanging = get(dispatcher, '/getUsers', controller.signal)
    await vi.waitFor(() => { expect(dispatcher.inFlight).toBe(1) })
    service.setScenario({ name: 'healthy' })

    const answered = await get(dispatcher, '/getUsers')
    expect(answered.statusCode).toBe(200)
    await answered.body.dump()
    expect(dispatcher.inFlight).toBe(1)
    controller.abort(new Error('stop'))
    await expect(hanging).rejects.toThrow('stop')
  })
})

describe('the handler dispatcher: lifecycle', () => {
  it('close() lets requests in flight finish, then resolves; later requests fail with ClientClosedError', async () => {
    const { dispatcher } = inProcess()
    let release = (): void => undefined
    dispatcher.use(http.get(`${EVENT_SERVICE_ORIGIN}/getUsers`, async () => {
      await new Promise<void>((resolve) => { release = resolve })
      return undefined
    }, { once: true }))
    const held = get(dispatcher, '/getUsers')
    await vi.waitFor(() => { expect(dispatcher.inFlight).toBe(1) })
    let closed = false
    const closing = dispatcher.close().then(() => { closed = true })
    expect(await rejectionOf(get(dispatcher, '/getUsers'))).toBeInstanceOf(errors.ClientClosedError)
    expect(closed).toBe(false)

    release()
    expect((await held).statusCode).toBe(200)
    await closing
    expect(closed).toBe(true)
  })

  it('destroy() ends requests in flight with ClientDestroyedError and resolves', async () => {
    const { dispatcher, service } = inProcess()
    service.setScenario({ name: 'hanging' })
    const hanging = get(dispatcher, '/getUsers')
    await vi.waitFor(() => { expect(dispatcher.inFlight).toBe(1) })
    await dispatcher.destroy()
    expect(await rejectionOf(hanging)).toBeInstanceOf(errors.ClientDestroyedError)
    expect(await rejectionOf(get(dispatcher, '/getUsers'))).toBeInstanceOf(errors.ClientDestroyedError)
  })

  it('speaks the controller handler API too, pausing when the handler asks', async () => {
    const dispatcher = new HandlerDispatcher({ handlers: [http.get(`${EVENT_SERVICE_ORIGIN}/x`, () => HttpResponse.text('body'))] })
    onTestFinished(() => dispatcher.destroy())
    const seen: string[] = []
    let resume = (): void => undefined
    const ended = new Promise<void>((resolve) => {
      dispatcher.dispatch({ origin, path: '/x', method: 'GET' }, {
        onResponseStart (controller, status) {
          seen.push(`status ${status}`)
          controller.pause()
          resume = () => { controller.resume() }
        },
        onResponseData (_controller, chunk) { seen.push(chunk.toString()) },
        onResponseEnd () {
          seen.push('end')
          resolve()
        },
        onResponseError (_controller, error) { seen.push(`error ${error.message}`) }
      })
    })
    await vi.waitFor(() => { expect(seen).toEqual(['status 200']) })
    resume()
    await ended
    expect(seen).toEqual(['status 200', 'body', 'end'])
  })
})

describe("the gateway's client over the handler dispatcher", () => {
  function client (dispatcher: Dispatcher, timeouts = createManualTimeouts()) {
    return createEventServiceClient({ baseUrl: EVENT_SERVICE_ORIGIN, timeoutMs: 3000, clock: createManualClock(0).now, timeoutSignal: timeouts.create, dispatcher })
  }

  it("streams getEvents into the gateway's parser", async () => {
    const { dispatcher, service } = inProcess()
    const ids = await client(dispatcher).getEvents(async (events) => {
      const seen: string[] = []
      for await (const event of events) seen.push(event.id)
      return seen
    })
    expect(ids).toEqual({ result: service.state.events.map((event) => String(event.id)), skipped: 0 })
  })

  it('maps a status with Retry-After, a dropped connection, a refused one and a timeout to their errors', async () => {
    const { dispatcher } = inProcess()
    const timeouts = createManualTimeouts()
    const eventService = client(dispatcher, timeouts)
    const event = { id: 'e-1', name: 'n', userId: '1' }

    dispatcher.use(http.post(`${EVENT_SERVICE_ORIGIN}/addEvent`, () => HttpResponse.json({ success: false }, { status: 503, headers: { 'Retry-After': '30' } }), { once: true }))
    const status = await rejectionOf(eventService.addEvent(event))
    expect(status).toBeInstanceOf(UpstreamStatusError)
    expect(status).toMatchObject({ upstreamStatus: 503, upstreamRetryAfterMs: 30_000 })

    dispatcher.use(http.post(`${EVENT_SERVICE_ORIGIN}/addEvent`, () => HttpResponse.error(), { once: true }))
    expect(await rejectionOf(eventService.addEvent(event))).toMatchObject({ code: 'GW_ERR_UPSTREAM_DISCONNECTED' })

    dispatcher.refuseConnections(1)
    expect(await rejectionOf(eventService.addEvent(event))).toMatchObject({ code: 'GW_ERR_UPSTREAM_UNREACHABLE' })

    dispatcher.use(http.post(`${EVENT_SERVICE_ORIGIN}/addEvent`, () => delay('infinite'), { once: true }))
    const timingOut = eventService.addEvent(event)
    await vi.waitFor(() => { expect(dispatcher.inFlight).toBe(1) })
    timeouts.fire()
    expect(await rejectionOf(timingOut)).toMatchObject({ code: 'GW_ERR_UPSTREAM_TIMEOUT' })

    await eventService.addEvent(event)
    expect(await eventService.hasEvent('e-1')).toBe(true)
    expect(await eventService.hasEvent('e-2')).toBe(false)
  })
})
