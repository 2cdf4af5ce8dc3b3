import { describe, it, expect, afterEach } from 'vitest'
import { request } from 'undici'
import { addEvent, call, closeMocks, settle, startMock } from '../helpers/mockEventServiceRequests.js'

afterEach(closeMocks)

describe('mock event.com: scenarios', () => {
  it('down: answers 503 without Retry-After on every route and stores nothing', async () => {
    const mock = await startMock({ scenario: { name: 'down' } })
    for (const path of ['/getUsers', '/getEvents', '/getUserById/1', '/getEventById/1']) {
      const reply = await call(mock, path)
      expect(reply).toMatchObject({ status: 503, body: { success: false, error: 'Service Unavailable' } })
      expect(reply.headers['retry-after']).toBeUndefined()
    }
    expect((await addEvent(mock, { id: 9, name: 'Lost', userId: 1 })).status).toBe(503)
    expect(mock.service.state.events).toHaveLength(4)
    expect(mock.service.stats).toEqual({ addEventCalls: 0, addEventAccepted: 0 })
  })

  it.each([
    ['delta-seconds', '120'],
    ['HTTP-date', 'Wed, 21 Oct 2065 07:28:00 GMT']
  ])('unavailable: answers 503 with Retry-After in %s form', async (_form, retryAfter) => {
    const mock = await startMock({ scenario: { name: 'unavailable', retryAfter } })
    const reply = await addEvent(mock, { id: 9, name: 'Later', userId: 1 })
    expect(reply).toMatchObject({ status: 503, body: { success: false, error: 'Service Unavailable' } })
    expect(reply.headers['retry-after']).toBe(retryAfter)
  })

  it('throttled: answers 429 with Retry-After', async () => {
    const mock = await startMock({ scenario: { name: 'throttled', retryAfter: '3' } })
    const reply = await call(mock, '/getUserById/1')
    expect(reply).toMatchObject({ status: 429, body: { success: false, error: 'Too Many Requests' } })
    expect(reply.headers['retry-after']).toBe('3')
  })

  it('reset: the connection is destroyed, so undici rejects with a socket error', async () => {
    const mock = await startMock({ scenario: { name: 'reset' } })
    await expect(request(`${mock.url}/getUsers`)).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' })
    await expect(addEvent(mock, { id: 9, name: 'Reset', userId: 1 })).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' })
    expect(mock.service.state.events).toHaveLength(4)
  })

  it('hanging: a received request gets no answer until the client gives up', async () => {
    const mock = await startMock({ scenario: { name: 'hanging' } })
    const received = mock.nextRequest()
    const controller = new AbortController()
    let answered = false
    const outcome = settle(request(`${mock.url}/getEvents`, { signal: controller.signal }).finally(() => { answered = true }))

    expect(await received).toEqual({ method: 'GET', path: '/getEvents' })
    // A full round trip on another connection: the server is responsive, yet the first request is still open.
    expect((await call(mock, '/__mock/stats')).body).toMatchObject({ scenario: { name: 'hanging' }, inFlight: 1 })
    expect(answered).toBe(false)

    controller.abort()
    expect(await outcome).toMatchObject({ ok: false, error: { name: 'AbortError' } })
    await expect(mock.close()).resolves.toBeUndefined()
  })

  it('slow: waits delayMs, then answers like healthy', async () => {
    const mock = await startMock({ scenario: { name: 'slow', delayMs: 5 }, random: () => 0 })
    expect((await call(mock, '/getUsers')).status).toBe(200)
    const statuses: number[] = []
    for (let n = 1; n <= 6; n += 1) statuses.push((await addEvent(mock, { id: 200 + n, name: 'Slow', userId: 2 })).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200])
  })

  it('healthy: accepts every addEvent, with no failure pattern', async () => {
    const mock = await startMock({ scenario: { name: 'healthy' } })
    for (let n = 1; n <= 30; n += 1) expect((await addEvent(mock, { id: 300 + n, name: 'Ok', userId: 3 })).status).toBe(200)
    expect(mock.service.stats).toEqual({ addEventCalls: 30, addEventAccepted: 30 })
    expect(mock.service.state.events).toHaveLength(34)
  })

  it('switches scenario at runtime, and the original pattern resumes where it left off', async () => {
    const mock = await startMock()
    for (let n = 1; n <= 3; n += 1) expect((await addEvent(mock, { id: 400 + n, name: 'Before', userId: 1 })).status).toBe(200)
    mock.setScenario({ name: 'down' })
    expect((await call(mock, '/getUsers')).status).toBe(503)
    mock.setScenario({ name: 'original' })
    const statuses: number[] = []
    for (let n = 4; n <= 6; n += 1) statuses.push((await addEvent(mock, { id: 400 + n, name: 'After', userId: 1 })).status)
    expect(statuses).toEqual([200, 200, 503])
  })
})

describe('mock event.com: close', () => {
  it('resolves with a hanging request in flight, which the client sees as a socket error', async () => {
    const mock = await startMock({ scenario: { name: 'hanging' } })
    const received = mock.nextRequest()
    const outcome = settle(request(`${mock.url}/getUserById/1`))
    await received
    expect(mock.inFlight).toBe(1)
    await expect(mock.close()).resolves.toBeUndefined()
    expect(await outcome).toMatchObject({ ok: false, error: { code: 'UND_ERR_SOCKET' } })
  })

  it('closes with idle keep-alive connections open, and twice without error', async () => {
    const mock = await startMock()
    expect((await call(mock, '/getUsers')).status).toBe(200)
    await mock.close()
    await expect(mock.close()).resolves.toBeUndefined()
    await expect(request(`${mock.url}/getUsers`)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })
})
