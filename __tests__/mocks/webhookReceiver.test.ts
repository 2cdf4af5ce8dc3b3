import { describe, expect, it } from 'vitest'
import { createWebhookReceiver } from '../../mocks/webhookReceiver.js'
import { createManualClock } from '../../utils/clock.js'
import { anyOrigin, call, inProcessWebhooks } from '../helpers/deliveryRequests.js'

describe('mock webhook receiver', () => {
  it('answers 200 {received: true} and records method, path, headers, the JSON body and the time', async () => {
    const clock = createManualClock(5_000)
    const { dispatcher, receiver } = inProcessWebhooks({ clock: clock.now })
    const reply = await call(`${anyOrigin}/hooks/signup?v=1`, {
      method: 'POST',
      body: { event: 'signup', userId: 'u-1' },
      headers: { 'idempotency-key': 'journey-1/step-2', 'x-request-id': 'req-9', 'x-signature': 'sha256=abc' },
      dispatcher
    })
    expect(reply).toMatchObject({ status: 200, body: { received: true } })
    expect(reply.headers['content-type']).toBe('application/json')

    const [received] = receiver.received().requests
    expect(received).toEqual({
      method: 'POST',
      path: '/hooks/signup?v=1',
      headers: expect.objectContaining({
        'idempotency-key': 'journey-1/step-2',
        'content-type': 'application/json',
        'x-request-id': 'req-9',
        'x-signature': 'sha256=abc'
      }) as Record<string, string>,
      text: '{"event":"signup","userId":"u-1"}',
      json: { event: 'signup', userId: 'u-1' },
      receivedAt: 5_000,
      scenario: { name: 'healthy' }
    })
  })

  it.each([
    ['PUT', '/'],
    ['PATCH', '/a/b/c'],
    ['DELETE', '/hooks/1'],
    ['GET', '/status?check=1']
  ] as const)('takes %s %s', async (method, path) => {
    const { dispatcher, receiver } = inProcessWebhooks()
    expect(await call(`${anyOrigin}${path}`, { method, dispatcher })).toMatchObject({ status: 200, body: { received: true } })
    expect(receiver.received().requests).toMatchObject([{ method, path, text: '' }])
    expect(receiver.received().requests[0]).not.toHaveProperty('json')
  })

  it('records a body that is not JSON as raw text', async () => {
    const { dispatcher, receiver } = inProcessWebhooks()
    await call(`${anyOrigin}/hooks/form`, { method: 'POST', rawBody: 'a=1&b=two', headers: { 'content-type': 'application/x-www-form-urlencoded' }, dispatcher })
    const [received] = receiver.received().requests
    expect(received).toMatchObject({ text: 'a=1&b=two', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(received).not.toHaveProperty('json')
  })

  it('counts repeats per Idempotency-Key without deduplicating them', async () => {
    const { dispatcher, receiver } = inProcessWebhooks()
    const send = (key: string): Promise<unknown> => call(`${anyOrigin}/hooks/a`, { method: 'POST', body: { n: 1 }, headers: { 'idempotency-key': key }, dispatcher })
    for (const key of ['k1', 'k1', 'k2', 'k1']) await send(key)
    await call(`${anyOrigin}/hooks/a`, { method: 'POST', body: { n: 1 }, dispatcher })
    const { requests, keys } = receiver.received()
    expect(requests).toHaveLength(5)
    expect(keys).toEqual({ k1: { requests: 3, repeats: 2 }, k2: { requests: 1, repeats: 0 } })
  })

  it('records faulted requests too, with the scenario that answered them', async () => {
    const { dispatcher, receiver } = inProcessWebhooks({ scenario: { name: 'throttled', retryAfter: '1' } })
    const headers = { 'idempotency-key': 'k' }
    expect((await call(`${anyOrigin}/hooks/a`, { method: 'POST', body: {}, headers, dispatcher })).status).toBe(429)
    receiver.setScenario({ name: 'healthy' })
    expect((await call(`${anyOrigin}/hooks/a`, { method: 'POST', body: {}, headers, dispatcher })).status).toBe(200)
    expect(receiver.received().requests.map((received) => received.scenario.name)).toEqual(['throttled', 'healthy'])
    expect(receiver.received().keys).toEqual({ k: { requests: 2, repeats: 1 } })
  })

  it('forgets everything on clear(), and keeps at most maxRecords entries', async () => {
    const { dispatcher, receiver } = inProcessWebhooks({ maxRecords: 2 })
    for (const n of [1, 2, 3]) await call(`${anyOrigin}/hooks/${n}`, { method: 'POST', body: {}, headers: { 'idempotency-key': `k${n}` }, dispatcher })
    expect(receiver.received().requests.map((received) => received.path)).toEqual(['/hooks/2', '/hooks/3'])
    expect(receiver.received().dropped).toEqual({ requests: 1, keys: 1 })
    receiver.clear()
    expect(receiver.received()).toEqual({ requests: [], keys: {}, dropped: { requests: 0, keys: 0 } })
  })

  it('rejects bad options and scenarios', () => {
    expect(() => createWebhookReceiver({ maxRecords: 1.5 })).toThrow(RangeError)
    const receiver = createWebhookReceiver()
    expect(() => { receiver.setScenario({ name: 'flaky', failures: 2, status: 404 }) }).toThrow(TypeError)
    expect(receiver.scenario).toEqual({ name: 'healthy' })
  })
})
