import { describe, expect, it, onTestFinished } from 'vitest'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import pino from 'pino'
import { SharedRedis } from '../../../services/cluster/index.js'
import { eventually } from '../../helpers/eventually.js'
import { sharedRedisForTest, slowProxy, startOwnRedis, uniquePrefix } from '../../helpers/redisServers.js'
import { addEvent, buildTestApp } from '../../helpers/testApp.js'

async function metric (app: FastifyInstance, line: string): Promise<number | undefined> {
  const text = (await app.inject('/metrics')).body
  const found = text.split('\n').find((row) => row.startsWith(`${line} `))
  return found === undefined ? undefined : Number(found.slice(line.length + 1))
}

/** `times` reads, each answered at once (well within a second), let through, and without a count: `RateLimit` absent, `RateLimit-Policy` kept. */
async function expectLetThroughUncounted (app: FastifyInstance, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const startedAt = performance.now()
    const answer = await app.inject('/getUsers')
    expect(performance.now() - startedAt).toBeLessThan(1000)
    expect(answer.statusCode).toBe(200)
    expect(answer.headers.ratelimit).toBeUndefined()
    expect(answer.headers['ratelimit-policy']).toBe('"reads";q=3;w=10')
  }
}

describe('rate limits shared between instances', () => {
  it('counts requests split across two instances against one limit, each policy apart', async () => {
    const keyPrefix = uniquePrefix()
    const apps: FastifyInstance[] = []
    for (let i = 0; i < 2; i++) {
      const { redis, cleanup } = await sharedRedisForTest({ keyPrefix })
      onTestFinished(cleanup)
      apps.push((await buildTestApp({ redis, config: { http: { rateLimitMax: 5, rateLimitWriteMax: 2, rateLimitWindowMs: 10_000 } } })).app)
    }
    const [a, b] = apps as [FastifyInstance, FastifyInstance]

    const answers: LightMyRequestResponse[] = []
    for (let i = 0; i < 7; i++) answers.push(await (i % 2 === 0 ? a : b).inject('/getUsers'))
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200, 200, 429, 429])
    expect(answers.slice(0, 5).map((answer) => answer.headers.ratelimit)).toEqual([4, 3, 2, 1, 0].map((r) => `"reads";r=${r};t=10`))
    expect(answers[0]?.headers['ratelimit-policy']).toBe('"reads";q=5;w=10')
    expect(answers[6]?.json()).toMatchObject({ code: 'GW_ERR_RATE_LIMITED', status: 429 })
    expect(answers[6]?.headers['retry-after']).toBe('10')

    // Writes have a counter of their own, shared the same way.
    expect((await addEvent(a, { name: 'x', userId: '1' })).headers.ratelimit).toBe('"writes";r=1;t=10')
    expect((await addEvent(b, { name: 'x', userId: '1' })).statusCode).toBe(201)
    expect((await addEvent(a, { name: 'x', userId: '1' })).statusCode).toBe(429)
    const redis = a.redis!
    expect(await redis.client.get(redis.key('rate-limit:reads:127.0.0.1'))).toBe('7')
    expect(await redis.client.get(redis.key('rate-limit:writes:127.0.0.1'))).toBe('3')
  })

  it('fails open when Redis is slow or away, counted and logged once per outage, and counts again once it is back', async () => {
    const own = await startOwnRedis()
    onTestFinished(own.kill)
    const proxy = await slowProxy(own.port)
    onTestFinished(proxy.close)
    const redis = new SharedRedis({ url: proxy.url, timeoutMs: 100, keyPrefix: uniquePrefix(), name: 'test' })
    onTestFinished(() => redis.close())
    await redis.connect()
    const lines: { level: number, msg: string }[] = []
    const logger = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as { level: number, msg: string }) } })
    const { app } = await buildTestApp({ redis, logger, config: { http: { rateLimitMax: 3, rateLimitWindowMs: 10_000 } } })
    const logged = (msg: string): number => lines.filter((line) => line.msg === msg).length
    const notCounted = 'rate limits are not counted: the shared Redis failed, requests are let through'
    const countedAgain = 'rate limits are counted again'

    expect((await app.inject('/getUsers')).headers.ratelimit).toBe('"reads";r=2;t=10')

    // Slower than the deadline: answered at about the deadline, uncounted, never limited.
    proxy.delayMs = 200
    await expectLetThroughUncounted(app, 5)
    expect(await metric(app, 'rate_limit_store_errors_total{policy="reads"}')).toBe(5)
    expect(logged(notCounted)).toBe(1)

    proxy.delayMs = 0
    await eventually('the limiter answers again', async () => (await app.inject('/getUsers')).headers.ratelimit !== undefined ? true : undefined)
    expect(logged(countedAgain)).toBe(1)

    // Away: the same, at once.
    await own.kill()
    const errorsBefore = await metric(app, 'rate_limit_store_errors_total{policy="reads"}') ?? 0
    await expectLetThroughUncounted(app, 5)
    expect(await metric(app, 'rate_limit_store_errors_total{policy="reads"}')).toBe(errorsBefore + 5)
    expect(logged(notCounted)).toBe(2)

    // Back, empty, with no restart of the gateway: a fresh window, counted and enforced.
    await own.start()
    const first = await eventually('the limiter counts again', async () => {
      const answer = await app.inject('/getUsers')
      return answer.headers.ratelimit === undefined ? undefined : answer
    }, 15_000, 50)
    expect(first.headers.ratelimit).toBe('"reads";r=2;t=10')
    expect(logged(countedAgain)).toBe(2)
    expect((await app.inject('/getUsers')).statusCode).toBe(200)
    expect((await app.inject('/getUsers')).statusCode).toBe(200)
    expect((await app.inject('/getUsers')).statusCode).toBe(429)
  })
})
