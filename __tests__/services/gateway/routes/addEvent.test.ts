import { describe, expect, it, vi } from 'vitest'
import type { Event } from '../../../../services/gateway/store/eventStore.js'
import { MemoryEventStore } from '../../../../services/gateway/store/memoryEventStore.js'
import { seedEvents, seedUsers } from '../../../helpers/seed.js'
import { addEvent, buildTestApp } from '../../../helpers/testApp.js'
import type { TestApp } from '../../../helpers/testApp.js'
import { answerStatus, dropConnection, hangRequest, holdRequest, times } from '../../../helpers/upstreamFaults.js'

interface ProblemBody { type: string, code: string, status: number, detail: string, field?: string }

describe('POST /addEvent: accepted writes', () => {
  it('answers 201 with the stored event and the id the gateway gave it, after event.com accepted it', async () => {
    const { app, upstream } = await buildTestApp({ generateId: () => 'id-1' })
    const response = await addEvent(app, { name: 'test', userId: '1', details: 'some details' })

    expect(response.statusCode).toBe(201)
    expect(response.json()).toEqual({ id: 'id-1', name: 'test', userId: '1', details: 'some details' })
    expect(upstream.stored).toEqual([{ id: 'id-1', name: 'test', userId: '1', details: 'some details' }])
    const reads = await app.inject('/getEventsByUserId/1')
    expect(reads.json<{ id: string }[]>().at(-1)).toEqual({ id: 'id-1', name: 'test', userId: '1', details: 'some details' })
  })

  it('treats a numeric userId as the same user as its string form', async () => {
    const { app } = await buildTestApp()
    const response = await addEvent(app, { name: 'test', userId: 2 })
    expect(response.statusCode).toBe(201)
    expect(response.json<{ userId: string }>().userId).toBe('2')
  })

  it('accepts JSON with a charset parameter', async () => {
    const { app } = await buildTestApp()
    const response = await addEvent(app, { name: 'test', userId: '1' }, { 'content-type': 'application/json; charset=utf-8' })
    expect(response.statusCode).toBe(201)
  })

  it('gives 200 concurrent writes unique ids, none lost and none duplicated', async () => {
    const { app, upstream } = await buildTestApp()
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => addEvent(app, { name: `e${i}`, userId: String(1 + (i % 3)) })))

    expect(responses.every((response) => response.statusCode === 201)).toBe(true)
    const ids = responses.map((response) => response.json<{ id: string }>().id)
    expect(new Set(ids).size).toBe(200)
    expect(upstream.received.map((event) => event.id).sort()).toEqual([...ids].sort())
    const stored = (await app.inject('/getEvents?limit=10000')).json<{ id: string }[]>().map((event) => event.id)
    expect(stored.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort())
    expect(stored).toHaveLength(3 + 200)
  })
})

describe('POST /addEvent: bad input is rejected before event.com', () => {
  it.each([
    [{ userId: '1' }, 'body/name'],
    [{ name: '', userId: '1' }, 'body/name'],
    [{ name: 42, userId: '1' }, 'body/name'],
    [{ name: 'x'.repeat(257), userId: '1' }, 'body/name'],
    [{ name: 'test' }, 'body/userId'],
    [{ name: 'test', userId: true }, 'body/userId'],
    [{ name: 'test', userId: ['1'] }, 'body/userId'],
    [{ name: 'test', userId: { id: 1 } }, 'body/userId'],
    [{ name: 'test', userId: '' }, 'body/userId'],
    [{ name: 'test', userId: -1 }, 'body/userId'],
    [{ name: 'test', userId: 1.5 }, 'body/userId'],
    [{ name: 'test', userId: '1', details: 7 }, 'body/details'],
    [{ name: 'test', userId: '1', id: 'mine' }, 'body/id'],
    [[], 'body'],
    ['"a string"', 'body'],
    ['null', 'body']
  ])('%j → 400 naming %s', async (body, field) => {
    const { app, upstream } = await buildTestApp()
    const response = await addEvent(app, body)
    expect(response.statusCode).toBe(400)
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    const problem = response.json<ProblemBody>()
    expect(problem.code).toBe('GW_ERR_REQUEST_INVALID')
    expect(problem.field).toBe(field)
    expect(problem.detail.startsWith(field)).toBe(true)
    expect(upstream.received).toHaveLength(0)
  })

  it('answers 404 for an unknown user and does not forward', async () => {
    const { app, upstream } = await buildTestApp()
    const response = await addEvent(app, { name: 'test', userId: '42' })
    expect(response.statusCode).toBe(404)
    expect(response.json<ProblemBody>().code).toBe('GW_ERR_USER_NOT_FOUND')
    expect(upstream.received).toHaveLength(0)
  })

  it('answers 413 for a body over 64 KiB', async () => {
    const { app, upstream } = await buildTestApp()
    const response = await addEvent(app, { name: 'test', userId: '1', details: 'x'.repeat(64 * 1024) })
    expect(response.statusCode).toBe(413)
    expect(response.json<ProblemBody>().code).toBe('GW_ERR_REQUEST_TOO_LARGE')
    expect(upstream.received).toHaveLength(0)
  })

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x'])('answers 415 for content type %s', async (type) => {
    const { app, upstream } = await buildTestApp()
    const response = await addEvent(app, '{"name":"test","userId":"1"}', { 'content-type': type })
    expect(response.statusCode).toBe(415)
    expect(response.json<ProblemBody>().code).toBe('GW_ERR_REQUEST_MEDIA_TYPE')
    expect(upstream.received).toHaveLength(0)
  })

  it('answers 415 for a body without a content type', async () => {
    const { app } = await buildTestApp()
    const response = await app.inject({ method: 'POST', url: '/addEvent', payload: '{"name":"test","userId":"1"}' })
    expect(response.statusCode).toBe(415)
  })

  it.each(['{"name":', '{name: "x"}', '', '{"name":"a","userId":"1"}garbage'])('answers 400 GW_ERR_REQUEST_MALFORMED_JSON for %j', async (payload) => {
    const { app, upstream } = await buildTestApp()
    const response = await addEvent(app, payload)
    expect(response.statusCode).toBe(400)
    expect(response.json<ProblemBody>().code).toBe('GW_ERR_REQUEST_MALFORMED_JSON')
    expect(upstream.received).toHaveLength(0)
  })

  it('rejects prototype poisoning with a 400', async () => {
    const { app, upstream } = await buildTestApp()
    const response = await addEvent(app, '{"name":"a","userId":"1","__proto__":{"admin":true}}')
    expect(response.statusCode).toBe(400)
    expect(upstream.received).toHaveLength(0)
  })
})

describe('POST /addEvent: failed writes', () => {
  const failures: [string, (upstream: TestApp['upstream']) => void, number, string][] = [
    ['event.com answers 500', (upstream) => { upstream.use(answerStatus(500)) }, 502, 'GW_ERR_UPSTREAM_STATUS'],
    ['event.com answers 400', (upstream) => { upstream.use(answerStatus(400)) }, 502, 'GW_ERR_UPSTREAM_STATUS'],
    ['event.com refuses the connection', (upstream) => { upstream.dispatcher.refuseConnections() }, 502, 'GW_ERR_UPSTREAM_UNREACHABLE'],
    ['event.com drops the connection', (upstream) => { upstream.use(dropConnection()) }, 502, 'GW_ERR_UPSTREAM_DISCONNECTED'],
    ['event.com does not answer before the timeout', (upstream) => { upstream.use(hangRequest()) }, 504, 'GW_ERR_UPSTREAM_TIMEOUT']
  ]
  it.each(failures)('%s → %i %s, and the event never shows up in reads', async (_fault, fault, status, code) => {
    const { app, upstream, timeouts } = await buildTestApp()
    fault(upstream)
    const pending = addEvent(app, { name: 'lost', userId: '1' })
    if (status === 504) {
      await vi.waitFor(() => { expect(upstream.dispatcher.inFlight).toBe(1) })
      timeouts.fire()
    }
    const response = await pending
    expect(response.statusCode).toBe(status)
    expect(response.json<ProblemBody>().code).toBe(code)
    const reads = (await app.inject('/getEvents')).json<{ name: string }[]>()
    expect(reads.some((event) => event.name === 'lost')).toBe(false)
  })

  it('does not leak stack traces or internals for an unexpected error', async () => {
    // event.com accepts the write, then the gateway's own store fails to take it.
    class FailingStore extends MemoryEventStore {
      override addEvent (_event: Event): Promise<void> {
        return Promise.reject(new Error('secret /srv/internal/path'))
      }
    }
    const store = new FailingStore()
    await store.load({ users: seedUsers, events: seedEvents })
    const { app } = await buildTestApp({ store })
    const response = await addEvent(app, { name: 'x', userId: '1' })
    expect(response.statusCode).toBe(500)
    expect(response.json()).toEqual({
      type: 'urn:event-gateway:problem:internal',
      title: 'Internal error',
      status: 500,
      detail: 'Internal error',
      code: 'GW_ERR_INTERNAL',
      outcome: 'outcome-unknown',
      requestId: response.headers['x-request-id']
    })
    expect(response.body).not.toContain('secret')
  })
})

describe('POST /addEvent: through the breaker', () => {
  it('opens after 3 consecutive failures, then fails fast with 503 and Retry-After without calling event.com', async () => {
    const { app, upstream, clock } = await buildTestApp()
    upstream.use(...times(3, () => answerStatus(503)))
    for (let i = 0; i < 3; i++) expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(502)

    const rejected = await addEvent(app, { name: 'x', userId: '1' })
    expect(rejected.statusCode).toBe(503)
    expect(rejected.headers['retry-after']).toBe('1')
    expect(rejected.json<ProblemBody>()).toMatchObject({ code: 'GW_ERR_BREAKER_OPEN', type: 'urn:event-gateway:problem:breaker-open' })
    expect(upstream.received).toHaveLength(3)

    const health = (await app.inject('/health')).json<{ breaker: { state: string } }>()
    expect(health.breaker.state).toBe('open')

    // After the open period the next write is the probe; its success closes the breaker.
    clock.advance(1000)
    expect((await addEvent(app, { name: 'probe', userId: '1' })).statusCode).toBe(201)
    expect((await app.inject('/health')).json<{ breaker: { state: string } }>().breaker.state).toBe('closed')
  })

  it('sends Retry-After as whole seconds until the next probe, rounded up', async () => {
    const { app, upstream, clock } = await buildTestApp({ config: { gateway: { breakerBackoffBaseMs: 4000 } } })
    upstream.use(...times(3, () => answerStatus(500)))
    for (let i = 0; i < 3; i++) await addEvent(app, { name: 'x', userId: '1' })

    expect((await addEvent(app, { name: 'x', userId: '1' })).headers['retry-after']).toBe('4')
    clock.advance(1500)
    expect((await addEvent(app, { name: 'x', userId: '1' })).headers['retry-after']).toBe('3')
    clock.advance(2499)
    expect((await addEvent(app, { name: 'x', userId: '1' })).headers['retry-after']).toBe('1')
  })

  it("keeps writes paused for at least event.com's own Retry-After", async () => {
    const { app, upstream, clock } = await buildTestApp()
    upstream.use(answerStatus(503, { retryAfter: '30' }))
    expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(502)

    const rejected = await addEvent(app, { name: 'x', userId: '1' })
    expect(rejected.statusCode).toBe(503)
    expect(rejected.headers['retry-after']).toBe('30')
    clock.advance(29_000)
    expect((await addEvent(app, { name: 'x', userId: '1' })).headers['retry-after']).toBe('1')
    expect(upstream.received).toHaveLength(1)
  })

  it('never opens for client errors: unknown users and upstream 4xx', async () => {
    const { app, upstream } = await buildTestApp()
    for (let i = 0; i < 10; i++) expect((await addEvent(app, { name: 'x', userId: 'nobody' })).statusCode).toBe(404)
    upstream.use(...times(10, () => answerStatus(400)))
    for (let i = 0; i < 10; i++) expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(502)
    expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(201)
    expect((await app.inject('/health')).json<{ breaker: { state: string } }>().breaker.state).toBe('closed')
  })

  it('lets exactly one probe through while half-open; the others get 503', async () => {
    const { app, upstream, clock } = await buildTestApp()
    upstream.use(...times(3, () => answerStatus(500)))
    for (let i = 0; i < 3; i++) await addEvent(app, { name: 'x', userId: '1' })
    clock.advance(1000)

    const { handler, release } = holdRequest()
    upstream.use(handler)
    const probe = addEvent(app, { name: 'probe', userId: '1' })
    await vi.waitFor(() => { expect(upstream.received).toHaveLength(4) })
    const others = await Promise.all(Array.from({ length: 20 }, () => addEvent(app, { name: 'other', userId: '1' })))
    expect(others.map((response) => response.statusCode)).toEqual(Array(20).fill(503))
    expect(others.every((response) => response.headers['retry-after'] === '1')).toBe(true)
    expect(upstream.received).toHaveLength(4)
    release()
    expect((await probe).statusCode).toBe(201)
  })
})
