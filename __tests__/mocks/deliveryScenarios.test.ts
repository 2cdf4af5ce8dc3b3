import { errors } from 'undici'
import type { Dispatcher } from 'undici'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import type { DeliveryScenario } from '../../mocks/deliveryScenario.js'
import { anyOrigin, call, inProcessEmail, inProcessWebhooks, message, sendEmail, untilTrue, type Reply } from '../helpers/deliveryRequests.js'
import { rejectionOf } from '../helpers/rejectionOf.js'

/** What these tests need of either model, over its in-process dispatcher. */
interface ModelUnderTest {
  readonly dispatcher: Dispatcher & { readonly inFlight: number }
  readonly scenario: () => DeliveryScenario
  readonly setScenario: (scenario: DeliveryScenario) => void
  /** One request as the journeys engine would send it. */
  readonly send: (init?: { headers?: Record<string, string>, signal?: AbortSignal }) => Promise<Reply>
  /** The scenario of every request received, in order. */
  readonly seen: () => string[]
  /** The model's error body for a status, as far as these tests check it. */
  readonly errorBody: (status: number) => Record<string, unknown>
}

const emailErrorNames: Record<number, string> = { 429: 'rate_limit_exceeded', 500: 'internal_server_error', 503: 'service_unavailable' }
const reasons: Record<number, string> = { 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' }

function emailProvider (scenario?: DeliveryScenario): ModelUnderTest {
  const { dispatcher, provider } = inProcessEmail(scenario === undefined ? {} : { scenario })
  return {
    dispatcher,
    scenario: () => provider.scenario,
    setScenario: provider.setScenario,
    send: (init = {}) => call(`${anyOrigin}/emails`, { method: 'POST', body: message, dispatcher, ...init }),
    seen: () => provider.received().requests.map((received) => received.scenario.name),
    errorBody: (status) => ({ statusCode: status, name: emailErrorNames[status], message: expect.any(String) as string })
  }
}

function webhookReceiver (scenario?: DeliveryScenario): ModelUnderTest {
  const { dispatcher, receiver } = inProcessWebhooks(scenario === undefined ? {} : { scenario })
  return {
    dispatcher,
    scenario: () => receiver.scenario,
    setScenario: receiver.setScenario,
    send: (init = {}) => call(`${anyOrigin}/hooks/journey-step`, { method: 'POST', body: { event: 'signup' }, dispatcher, ...init }),
    seen: () => receiver.received().requests.map((received) => received.scenario.name),
    errorBody: (status) => ({ received: false, error: reasons[status], message: expect.any(String) as string })
  }
}

describe.each([
  ['email provider', emailProvider],
  ['webhook receiver', webhookReceiver]
])('mock %s: scenarios', (_name, start) => {
  it('healthy (the default): answers 200', async () => {
    const model = start()
    expect(model.scenario()).toEqual({ name: 'healthy' })
    expect((await model.send()).status).toBe(200)
  })

  it('down: answers 503 without Retry-After', async () => {
    const model = start({ name: 'down' })
    const reply = await model.send()
    expect(reply).toMatchObject({ status: 503, body: model.errorBody(503) })
    expect(reply.headers['retry-after']).toBeUndefined()
    expect(model.seen()).toEqual(['down'])
  })

  it.each([
    ['delta-seconds', '120'],
    ['HTTP-date', 'Wed, 21 Oct 2065 07:28:00 GMT']
  ])('unavailable: answers 503 with Retry-After in %s form', async (_form, retryAfter) => {
    const model = start({ name: 'unavailable', retryAfter })
    const reply = await model.send()
    expect(reply).toMatchObject({ status: 503, body: model.errorBody(503), headers: { 'retry-after': retryAfter } })
  })

  it('throttled: answers 429 with Retry-After', async () => {
    const model = start({ name: 'throttled', retryAfter: '3' })
    expect(await model.send()).toMatchObject({ status: 429, body: model.errorBody(429), headers: { 'retry-after': '3' } })
  })

  it('reset: drops the connection, which undici reports as a socket error', async () => {
    const model = start({ name: 'reset' })
    const error = await rejectionOf(model.send())
    expect(error).toBeInstanceOf(errors.SocketError)
    expect(model.seen()).toEqual(['reset'])
  })

  it('hanging: a received request gets no answer until the client gives up, even once the model recovers', async () => {
    const model = start({ name: 'hanging' })
    const controller = new AbortController()
    const hanging = model.send({ signal: controller.signal })
    await untilTrue(() => model.seen().length === 1)
    model.setScenario({ name: 'healthy' })
    expect((await model.send()).status).toBe(200)
    expect(model.dispatcher.inFlight).toBe(1)

    const reason = new Error('gave up')
    controller.abort(reason)
    expect(await rejectionOf(hanging)).toBe(reason)
    expect(model.seen()).toEqual(['hanging', 'healthy'])
  })

  it('slow: answers like healthy once delayMs have passed, and the scenario a request arrived under is the one that answers it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    onTestFinished(() => { vi.useRealTimers() })
    const model = start({ name: 'slow', delayMs: 1000 })
    const slow = model.send()
    await untilTrue(() => model.seen().length === 1)
    model.setScenario({ name: 'down' })
    expect((await model.send()).status).toBe(503)

    await vi.advanceTimersByTimeAsync(999)
    expect(model.dispatcher.inFlight).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect((await slow).status).toBe(200)
    expect(model.seen()).toEqual(['slow', 'down'])
  })

  it('flaky: fails the next `failures` requests with 503, then recovers for good', async () => {
    const model = start({ name: 'flaky', failures: 3 })
    const statuses: number[] = []
    for (let n = 0; n < 5; n += 1) {
      const reply = await model.send()
      statuses.push(reply.status)
      if (reply.status !== 200) expect(reply).toMatchObject({ body: model.errorBody(503) })
      expect(reply.headers['retry-after']).toBeUndefined()
    }
    expect(statuses).toEqual([503, 503, 503, 200, 200])
    expect(model.seen()).toEqual(['flaky', 'flaky', 'flaky', 'healthy', 'healthy'])
    expect(model.scenario()).toEqual({ name: 'healthy' })
  })

  it('flaky: fails with its status when it names one, and counts down as requests arrive', async () => {
    const model = start({ name: 'flaky', failures: 2, status: 500 })
    expect((await model.send()).status).toBe(500)
    expect(model.scenario()).toEqual({ name: 'flaky', failures: 1, status: 500 })
    expect(await model.send()).toMatchObject({ status: 500, body: model.errorBody(500) })
    expect((await model.send()).status).toBe(200)
  })

  it('flaky: a burst is spent in the order requests arrive, whenever they are answered', async () => {
    const model = start({ name: 'flaky', failures: 2 })
    const replies = await Promise.all([model.send(), model.send(), model.send()])
    expect(replies.map((reply) => reply.status)).toEqual([503, 503, 200])
  })

  it('switches scenario at runtime', async () => {
    const model = start()
    model.setScenario({ name: 'throttled', retryAfter: '9' })
    expect((await model.send()).status).toBe(429)
    model.setScenario({ name: 'flaky', failures: 1 })
    expect((await model.send()).status).toBe(503)
    expect((await model.send()).status).toBe(200)
    expect(model.seen()).toEqual(['throttled', 'flaky', 'healthy'])
  })
})

describe('mock email provider: a retried send through a burst', () => {
  it('stays one send: every attempt carried the same key, the provider sent once', async () => {
    const { dispatcher, provider } = inProcessEmail({ scenario: { name: 'flaky', failures: 2 } })
    const headers = { 'idempotency-key': 'welcome/77' }
    const statuses: number[] = []
    for (let attempt = 0; attempt < 4; attempt += 1) statuses.push((await sendEmail(dispatcher, message, headers)).status)
    expect(statuses).toEqual([503, 503, 200, 200])
    const { sent, requests, keys } = provider.received()
    expect(requests.every((received) => received.idempotencyKey === 'welcome/77')).toBe(true)
    expect(sent).toHaveLength(1)
    expect(keys['welcome/77']).toEqual({ requests: 4, repeats: 3, sends: 1, replays: 1, conflicts: 0 })
  })
})
