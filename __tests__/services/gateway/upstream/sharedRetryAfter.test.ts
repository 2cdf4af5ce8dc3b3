import { describe, expect, it, onTestFinished } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { SharedRedis } from '../../../../services/cluster/index.js'
import { eventually } from '../../../helpers/eventually.js'
import { freePort, sharedRedisForTest, startOwnRedis, uniquePrefix } from '../../../helpers/redisServers.js'
import { addEvent, buildTestApp } from '../../../helpers/testApp.js'
import type { TestApp } from '../../../helpers/testApp.js'
import { answerStatus } from '../../../helpers/upstreamFaults.js'

/** A gateway instance on the machine's Redis under `keyPrefix`, with its own event.com model and manual clock. */
async function instance (keyPrefix: string): Promise<TestApp> {
  const { redis, cleanup } = await sharedRedisForTest({ keyPrefix })
  onTestFinished(cleanup)
  const built = await buildTestApp({ redis })
  await built.app.ready()
  return built
}

async function metric (app: FastifyInstance, line: string): Promise<number | undefined> {
  const text = (await app.inject('/metrics')).body
  const found = text.split('\n').find((row) => row.startsWith(`${line} `))
  return found === undefined ? undefined : Number(found.slice(line.length + 1))
}

const write = { name: 'x', userId: '1' }

describe('event.com\'s Retry-After shared between instances', () => {
  it('holds the other instance\'s breaker open as long, without it calling event.com', async () => {
    const prefix = uniquePrefix()
    const a = await instance(prefix)
    const b = await instance(prefix)

    a.upstream.use(answerStatus(503, { retryAfter: '30' }))
    expect((await addEvent(a.app, write)).statusCode).toBe(502)
    expect(a.app.eventServiceBreaker.snapshot()).toMatchObject({ state: 'open', retryAfterMs: 30_000 })

    await eventually('B holds its breaker open', () => b.app.eventServiceBreaker.state === 'open' ? true : undefined)
    expect(b.app.eventServiceBreaker.snapshot()).toMatchObject({ state: 'open', retryAfterMs: 30_000 })
    const refused = await addEvent(b.app, write)
    expect(refused.statusCode).toBe(503)
    expect(refused.json()).toMatchObject({ code: 'GW_ERR_BREAKER_OPEN' })
    expect(refused.headers['retry-after']).toBe('30')
    expect(b.upstream.received).toHaveLength(0)

    // A told, B heard, and neither passed on what it heard (A ignores its own message).
    expect(await metric(a.app, 'upstream_retry_after_shared_total{direction="published"}')).toBe(1)
    expect(await metric(a.app, 'upstream_retry_after_shared_total{direction="received"}')).toBeUndefined()
    expect(await metric(b.app, 'upstream_retry_after_shared_total{direction="received"}')).toBe(1)
    expect(await metric(b.app, 'upstream_retry_after_shared_total{direction="published"}')).toBeUndefined()

    // Once the time has passed, B probes event.com itself.
    b.clock.advance(30_000)
    expect((await addEvent(b.app, write)).statusCode).toBe(201)
    expect(b.upstream.received).toHaveLength(1)
  })

  it('reaches an instance that connects later, through the stored time', async () => {
    const prefix = uniquePrefix()
    const a = await instance(prefix)
    a.upstream.use(answerStatus(429, { retryAfter: '20' }))
    expect((await addEvent(a.app, write)).statusCode).toBe(502)
    await eventually('the time is stored', async () => await metric(a.app, 'upstream_retry_after_shared_total{direction="published"}') === 1 ? true : undefined)

    const late = await instance(prefix)
    await eventually('the late instance holds its breaker open', () => late.app.eventServiceBreaker.state === 'open' ? true : undefined)
    expect(late.app.eventServiceBreaker.snapshot().retryAfterMs).toBe(20_000)
    expect((await addEvent(late.app, write)).headers['retry-after']).toBe('20')
    expect(late.upstream.received).toHaveLength(0)
  })

  it('keeps an instance\'s operator-forced state over what it hears', async () => {
    const prefix = uniquePrefix()
    const a = await instance(prefix)
    const b = await instance(prefix)
    b.app.eventServiceBreaker.forceClose()

    a.upstream.use(answerStatus(503, { retryAfter: '30' }))
    await addEvent(a.app, write)
    await eventually('the time is published', async () => await metric(a.app, 'upstream_retry_after_shared_total{direction="published"}') === 1 ? true : undefined)
    // A third instance hears it too: by then B has had the message as well.
    const c = await instance(prefix)
    await eventually('C holds its breaker open', () => c.app.eventServiceBreaker.state === 'open' ? true : undefined)
    expect(b.app.eventServiceBreaker.state).toBe('forced-closed')
    expect((await addEvent(b.app, write)).statusCode).toBe(201)
  })

  it('stops sharing when Redis is away, counted, and each breaker still guards its instance', async () => {
    const redis = new SharedRedis({ url: `redis://127.0.0.1:${await freePort()}`, timeoutMs: 100, keyPrefix: uniquePrefix(), name: 'test' })
    onTestFinished(() => redis.close())
    await redis.connect()
    const { app, upstream } = await buildTestApp({ redis })
    await app.ready()

    upstream.use(answerStatus(503, { retryAfter: '30' }))
    expect((await addEvent(app, write)).statusCode).toBe(502)
    expect(app.eventServiceBreaker.snapshot()).toMatchObject({ state: 'open', retryAfterMs: 30_000 })
    await eventually('the failed publication is counted', async () => (await metric(app, 'upstream_retry_after_sharing_errors_total') ?? 0) >= 1 ? true : undefined)
    expect((await addEvent(app, write)).statusCode).toBe(503)
  })

  it('resumes after Redis comes back, with no restart', async () => {
    const own = await startOwnRedis()
    onTestFinished(own.kill)
    const prefix = uniquePrefix()
    const connect = async (): Promise<TestApp> => {
      const redis = new SharedRedis({ url: own.url, timeoutMs: 200, keyPrefix: prefix, name: 'test' })
      onTestFinished(() => redis.close())
      await redis.connect()
      const built = await buildTestApp({ redis })
      await built.app.ready()
      return built
    }
    const a = await connect()
    const b = await connect()

    await own.kill()
    await own.start()
    const channel = prefix + 'upstream:retry-after'
    await eventually('both instances are subscribed again', async () => {
      if (a.app.redis?.state !== 'ready') return undefined
      const [, subscribers] = await a.app.redis.client.pubsub('NUMSUB', channel) as [string, number]
      return subscribers === 2 ? true : undefined
    }, 15_000, 50)
    a.upstream.use(answerStatus(503, { retryAfter: '30' }))
    await addEvent(a.app, write)
    await eventually('B holds its breaker open', () => b.app.eventServiceBreaker.state === 'open' ? true : undefined)
    expect(b.app.eventServiceBreaker.snapshot().retryAfterMs).toBe(30_000)
    expect(b.upstream.received).toHaveLength(0)
  })
})
