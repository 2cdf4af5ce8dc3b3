import { describe, expect, it, onTestFinished } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { eventually } from '../../../helpers/eventually.js'
import { sharedRedisForTest, slowProxy, startOwnRedis } from '../../../helpers/redisServers.js'
import type { OwnRedis, SlowProxy } from '../../../helpers/redisServers.js'
import { addEvent, buildTestApp } from '../../../helpers/testApp.js'
import type { TestApp } from '../../../helpers/testApp.js'

const body = { name: 'launch', userId: '1' }
const key = { 'idempotency-key': 'fault-k' }
// The deadline a write with a key waits on Redis at most: below the slow Redis's 250 ms, above what a
// loaded machine adds to a fast one (REDIS_TIMEOUT_MS's default, 50 ms, is for a quiet network).
const deadlineMs = 150

/** A gateway whose shared Redis is a redis-server of the test's own, reached through a proxy that can slow it down. */
async function gatewayOnOwnRedis (): Promise<TestApp & { own: OwnRedis, proxy: SlowProxy }> {
  const own = await startOwnRedis()
  onTestFinished(own.kill)
  const proxy = await slowProxy(own.port)
  onTestFinished(proxy.close)
  const { redis, cleanup } = await sharedRedisForTest({ url: proxy.url, timeoutMs: deadlineMs })
  onTestFinished(cleanup)
  const gateway = await buildTestApp({ redis })
  return { ...gateway, own, proxy }
}

function sample (exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((text) => text.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

/** A write with the key that cannot be checked: 503 not-forwarded with Retry-After, answered about the deadline. */
async function expectFailedClosed (app: FastifyInstance): Promise<void> {
  const started = performance.now()
  const response = await addEvent(app, body, key)
  const elapsedMs = performance.now() - started
  expect(response.statusCode).toBe(503)
  expect(response.headers['retry-after']).toBe('1')
  expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8')
  expect(response.json()).toMatchObject({ code: 'GW_ERR_SHARED_STATE_UNAVAILABLE', outcome: 'not-forwarded', status: 503 })
  // Generous for a loaded machine; the point is that it does not wait on the slow Redis.
  expect(elapsedMs).toBeLessThan(deadlineMs + 1000)
}

describe('POST /addEvent with an Idempotency-Key when the shared Redis cannot answer', () => {
  it('fails closed while Redis is slow (250 ms a call), sends nothing, and works again once it is fast, with the same key', async () => {
    const { app, upstream, proxy } = await gatewayOnOwnRedis()
    proxy.delayMs = 250
    await expectFailedClosed(app)
    expect(upstream.received).toHaveLength(0)
    // A write without a key does not need Redis.
    expect((await addEvent(app, { name: 'keyless', userId: '1' })).statusCode).toBe(201)

    proxy.delayMs = 0
    // The late attempt the slow Redis started is released, so the retry goes through without waiting for a lease.
    const retried = await eventually('the retry with the same key is accepted', async () => {
      const response = await addEvent(app, body, key)
      return response.statusCode === 201 ? response : undefined
    }, 10_000, 50)
    expect(upstream.received.map((event) => event.name)).toEqual(['keyless', 'launch'])
    const repeat = await addEvent(app, body, key)
    expect(repeat.headers['idempotent-replayed']).toBe('true')
    expect(repeat.json()).toEqual(retried.json())
  })

  it('fails closed while Redis is down, and works again once it is back, without a restart', async () => {
    const { app, upstream, own } = await gatewayOnOwnRedis()
    await own.kill()
    await expectFailedClosed(app)
    expect(upstream.received).toHaveLength(0)

    await own.start()
    await eventually('the gateway reconnected to Redis', () => app.redis?.state === 'ready' ? true : undefined, 10_000)
    const accepted = await addEvent(app, body, key)
    expect(accepted.statusCode).toBe(201)
    expect((await addEvent(app, body, key)).headers['idempotent-replayed']).toBe('true')
    expect(upstream.received).toHaveLength(1)
  })

  it('counts each refusal in /metrics, by reason and by operation', async () => {
    const { app, own } = await gatewayOnOwnRedis()
    await own.kill()
    await expectFailedClosed(app)
    const exposition = (await app.inject('/metrics')).body
    expect(sample(exposition, 'rejections_total{reason="shared-state"}')).toBe(1)
    expect(sample(exposition, 'idempotency_shared_state_errors_total{operation="begin"}')).toBeGreaterThanOrEqual(1)
    expect(sample(exposition, 'idempotency_shared_state_errors_total{operation="succeed"}')).toBe(0)
  })

  it('answers the breaker\'s 503 to a repeat while the breaker is open and the key cannot be checked', async () => {
    const { app, own } = await gatewayOnOwnRedis()
    expect((await addEvent(app, body, key)).statusCode).toBe(201)
    app.eventServiceBreaker.forceOpen()
    await own.kill()
    const response = await addEvent(app, body, key)
    expect(response.statusCode).toBe(503)
    expect(response.json()).toMatchObject({ code: 'GW_ERR_BREAKER_OPEN', outcome: 'not-forwarded' })
  })
})
