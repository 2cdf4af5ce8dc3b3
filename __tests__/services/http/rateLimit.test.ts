import { afterEach, describe, expect, it, vi } from 'vitest'
import { addEvent, buildTestApp } from '../../helpers/testApp.js'
import { answerStatus } from '../../helpers/upstreamFaults.js'

afterEach(() => { vi.useRealTimers() })

describe('rate limiting', () => {
  it('answers 429 problem+json with Retry-After once a client exceeds its read limit', async () => {
    const { app } = await buildTestApp({ config: { http: { rateLimitMax: 3 } } })
    for (let i = 0; i < 3; i++) expect((await app.inject('/getUsers')).statusCode).toBe(200)

    const limited = await app.inject('/getUsers')
    expect(limited.statusCode).toBe(429)
    expect(limited.headers['content-type']).toBe('application/problem+json; charset=utf-8')
    expect(limited.headers['retry-after']).toBe('60')
    expect(limited.json()).toMatchObject({ code: 'GW_ERR_RATE_LIMITED', status: 429 })
    // A read forwards nothing: only the write path's problems say what became of a write.
    expect(limited.json()).not.toHaveProperty('outcome')
  })

  it('counts reads and writes apart', async () => {
    const { app, upstream } = await buildTestApp({ config: { http: { rateLimitMax: 2, rateLimitWriteMax: 1 } } })
    expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(201)
    const write = await addEvent(app, { name: 'x', userId: '1' })
    expect(write.statusCode).toBe(429)
    expect(upstream.received).toHaveLength(1)
    // The write limit being spent leaves the read quota untouched.
    expect((await app.inject('/getEvents')).statusCode).toBe(200)
    expect((await app.inject('/getEventsByUserId/1')).statusCode).toBe(200)
    expect((await app.inject('/getUsers')).statusCode).toBe(429)
  })

  it('sends the IETF RateLimit-Policy and RateLimit fields on every limited response', async () => {
    const { app } = await buildTestApp({ config: { http: { rateLimitMax: 5, rateLimitWriteMax: 2, rateLimitWindowMs: 10_000 } } })
    const read = await app.inject('/getUsers')
    expect(read.headers['ratelimit-policy']).toBe('"reads";q=5;w=10')
    expect(read.headers.ratelimit).toBe('"reads";r=4;t=10')

    const write = await addEvent(app, { name: 'x', userId: '1' })
    expect(write.headers['ratelimit-policy']).toBe('"writes";q=2;w=10')
    expect(write.headers.ratelimit).toBe('"writes";r=1;t=10')

    await addEvent(app, { name: 'x', userId: '1' })
    const limited = await addEvent(app, { name: 'x', userId: '1' })
    expect(limited.headers.ratelimit).toBe('"writes";r=0;t=10')
    expect(limited.headers['retry-after']).toBe('10')
  })

  it('answers a limiter whose verdict throws with a 500 problem, the request not left hanging', async () => {
    const { app, upstream } = await buildTestApp({ config: { http: { rateLimitWriteMax: 1 } } })
    expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(201)
    // The refused write asks the breaker how long writes are refused anyway; that question fails here.
    vi.spyOn(app.eventServiceBreaker, 'snapshot').mockImplementation(() => { throw new Error('snapshot failed') })
    const refused = await addEvent(app, { name: 'x', userId: '1' })
    expect(refused.statusCode).toBe(500)
    expect(refused.json()).toMatchObject({ code: 'GW_ERR_INTERNAL' })
    expect(upstream.received).toHaveLength(1)
  })

  it('opens a new window once the old one has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const { app } = await buildTestApp({ config: { http: { rateLimitMax: 1, rateLimitWindowMs: 5000 } } })
    expect((await app.inject('/getUsers')).statusCode).toBe(200)
    expect((await app.inject('/getUsers')).statusCode).toBe(429)
    vi.advanceTimersByTime(5000)
    expect((await app.inject('/getUsers')).statusCode).toBe(200)
  })

  it('gives the larger wait when the limiter and the breaker both refuse a write', async () => {
    const { app, upstream } = await buildTestApp({ config: { http: { rateLimitWriteMax: 3, rateLimitWindowMs: 10_000 } } })
    // event.com asks for 120 s; the breaker holds writes that long (capped at 60 s by the default maximum).
    upstream.use(answerStatus(503, { retryAfter: '120' }))
    expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(502)
    expect((await addEvent(app, { name: 'x', userId: '1' })).headers['retry-after']).toBe('60')
    expect((await addEvent(app, { name: 'x', userId: '1' })).headers['retry-after']).toBe('60')

    const limited = await addEvent(app, { name: 'x', userId: '1' })
    expect(limited.statusCode).toBe(429)
    // The window resets in 10 s, but the breaker would refuse for 60 s: the client is told 60.
    expect(limited.headers['retry-after']).toBe('60')
    expect(limited.headers.ratelimit).toBe('"writes";r=0;t=10')
  })

  it('never limits clients on the allow-list', async () => {
    const { app } = await buildTestApp({ config: { http: { rateLimitMax: 1, rateLimitAllowList: ['127.0.0.1'] } } })
    for (let i = 0; i < 5; i++) {
      const response = await app.inject('/getUsers')
      expect(response.statusCode).toBe(200)
      expect(response.headers.ratelimit).toBeUndefined()
    }
    const other = await app.inject({ url: '/getUsers', remoteAddress: '10.1.2.3' })
    expect(other.statusCode).toBe(200)
    expect((await app.inject({ url: '/getUsers', remoteAddress: '10.1.2.3' })).statusCode).toBe(429)
  })

  it('counts each client apart: an IPv4 address, an IPv4-mapped IPv6 one as its IPv4 address, an IPv6 one by its /64', async () => {
    const { app } = await buildTestApp({ config: { http: { rateLimitMax: 1 } } })
    const read = async (remoteAddress: string): Promise<number> => (await app.inject({ url: '/getUsers', remoteAddress })).statusCode
    expect(await read('10.0.0.1')).toBe(200)
    expect(await read('10.0.0.2')).toBe(200)
    expect(await read('::ffff:10.0.0.1')).toBe(429)
    expect(await read('2001:db8:1:2::1')).toBe(200)
    // Same /64: the same client, however many addresses it takes from it.
    expect(await read('2001:db8:1:2:ffff::9')).toBe(429)
    expect(await read('2001:db8:1:3::1')).toBe(200)
  })

  it('never limits /health and /ready', async () => {
    const { app } = await buildTestApp({ config: { http: { rateLimitMax: 1 } } })
    for (let i = 0; i < 5; i++) {
      expect((await app.inject('/health')).statusCode).toBe(200)
      expect((await app.inject('/ready')).statusCode).toBe(200)
    }
  })

  it('is off when both limits are 0', async () => {
    const { app } = await buildTestApp({ config: { http: { rateLimitMax: 0, rateLimitWriteMax: 0 } } })
    const responses = await Promise.all(Array.from({ length: 300 }, () => app.inject('/getEventsByUserId/1')))
    expect(responses.every((response) => response.statusCode === 200)).toBe(true)
    expect(responses[0]?.headers.ratelimit).toBeUndefined()
  })

  it('leaves a local curl loop alone with the defaults', async () => {
    const { app } = await buildTestApp({ config: { http: { rateLimitMax: 10_000, rateLimitWriteMax: 3000 } } })
    for (let i = 0; i < 100; i++) expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(201)
    expect((await app.inject('/getEventsByUserId/1')).statusCode).toBe(200)
  })
})
