import { describe, expect, it, onTestFinished } from 'vitest'
import { fingerprint } from '../../../../services/gateway/idempotency/keyHeader.js'
import { RedisIdempotencyKeys } from '../../../../services/gateway/idempotency/redisIdempotencyKeys.js'
import type { IdempotencyOperation } from '../../../../services/gateway/idempotency/redisIdempotencyKeys.js'
import { RetryableError, isGatewayError } from '../../../../services/http/errors.js'
import type { SharedRedis } from '../../../../services/cluster/index.js'
import { createManualClock } from '../../../../utils/clock.js'
import type { Clock } from '../../../../utils/clock.js'
import { eventually } from '../../../helpers/eventually.js'
import { sharedRedisForTest, startOwnRedis } from '../../../helpers/redisServers.js'
import { idempotencyKeysContract } from './idempotencyKeysContract.js'
import type { Event } from './idempotencyKeysContract.js'

const START = Date.parse('2025-01-01T00:00:00.000Z')
const bodyA = { name: 'a', userId: '1' }
const printA = fingerprint('POST', '/addEvent', bodyA)

/** A SharedRedis on the machine's Redis under a prefix of the test's own, cleaned up after it. */
async function testRedis (): Promise<SharedRedis> {
  const { redis, cleanup } = await sharedRedisForTest()
  onTestFinished(cleanup)
  return redis
}

idempotencyKeysContract('RedisIdempotencyKeys', async (setup) => new RedisIdempotencyKeys<Event>({ ...setup, redis: await testRedis(), leaseMs: 60_000 }))

/** Two instances' registries on one Redis prefix and one clock, as two gateways of one deployment. */
async function twoInstances (options: { leaseMs?: number, settleMs?: number } = {}) {
  const redis = await testRedis()
  const clock = createManualClock(START)
  const make = (): RedisIdempotencyKeys<Event> => new RedisIdempotencyKeys<Event>({
    redis, clock: clock.now, ttlMs: 60_000, maxKeys: 100, settleMs: options.settleMs ?? 0, leaseMs: options.leaseMs ?? 60_000
  })
  let drawn = 0
  return { clock, a: make(), b: make(), newEventId: (): string => `id-${++drawn}` }
}

async function rejection (act: Promise<unknown>): Promise<unknown> {
  try {
    await act
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

describe('RedisIdempotencyKeys across instances', () => {
  it('lets exactly one of many instances racing on one key proceed; the others get 409', async () => {
    const redis = await testRedis()
    const clock = createManualClock(START)
    const instances = Array.from({ length: 8 }, () => new RedisIdempotencyKeys<Event>({ redis, clock: clock.now, ttlMs: 60_000, maxKeys: 100, leaseMs: 60_000 }))
    let drawn = 0
    const results = await Promise.allSettled(instances.map((keys) => keys.begin('k', printA, () => `id-${++drawn}`)))
    const proceeded = results.filter((result) => result.status === 'fulfilled')
    expect(proceeded).toHaveLength(1)
    expect(results.filter((result) => result.status === 'rejected' && isGatewayError(result.reason, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT'))).toHaveLength(7)
  })

  it('answers a retry on B as on A: 409 while A is in flight, the same event id after A failed, the replay once B succeeded', async () => {
    const { a, b, newEventId, clock } = await twoInstances({ settleMs: 3000 })
    expect(await a.begin('k', printA, newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: false })
    expect(isGatewayError(await rejection(b.begin('k', printA, newEventId)), 'GW_ERR_IDEMPOTENCY_IN_FLIGHT')).toBe(true)

    await a.fail('k', true)
    const settling = await rejection(b.begin('k', printA, newEventId))
    expect(settling).toBeInstanceOf(RetryableError)
    expect((settling as RetryableError).retryAfterMs).toBe(3000)
    clock.advance(3000)
    expect(await b.begin('k', printA, newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: true })
    await b.succeed('k', 201, { id: 'id-1', ...bodyA })
    expect(await a.begin('k', printA, newEventId)).toEqual({ kind: 'replay', status: 201, body: { id: 'id-1', ...bodyA } })
    expect(await a.completed('k')).toBe(true)
  })

  it('ignores a fail from an attempt whose lease lapsed and was taken over', async () => {
    const { a, b, newEventId, clock } = await twoInstances({ leaseMs: 10_000 })
    await a.begin('k', printA, newEventId)
    clock.advance(10_000)
    expect(await b.begin('k', printA, newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: true })
    await a.fail('k')
    expect(isGatewayError(await rejection(a.begin('k', printA, newEventId)), 'GW_ERR_IDEMPOTENCY_IN_FLIGHT')).toBe(true)
  })
})

describe('RedisIdempotencyKeys leases', () => {
  it('holds a key in flight until its lease ends, then lets a retry through with the same id, uncertain', async () => {
    const { a, b, newEventId, clock } = await twoInstances({ leaseMs: 15_000, settleMs: 3000 })
    await a.begin('k', printA, newEventId)
    clock.advance(14_999)
    expect(isGatewayError(await rejection(b.begin('k', printA, newEventId)), 'GW_ERR_IDEMPOTENCY_IN_FLIGHT')).toBe(true)
    clock.advance(1)
    // The lease outlasts any attempt, so no settle wait is left after it.
    expect(await b.begin('k', printA, newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: true })
  })

  it('stores the answer of an attempt that succeeds past its lease: event.com has the event under the key\'s id', async () => {
    const { a, b, newEventId, clock } = await twoInstances({ leaseMs: 10_000 })
    await a.begin('k', printA, newEventId)
    clock.advance(20_000)
    await a.succeed('k', 201, { id: 'id-1', ...bodyA })
    expect(await b.begin('k', printA, newEventId)).toEqual({ kind: 'replay', status: 201, body: { id: 'id-1', ...bodyA } })
  })

  it('keeps a lapsed key as uncertain: never evicted, expired a TTL after its lease ended', async () => {
    const redis = await testRedis()
    const clock = createManualClock(START)
    const keys = new RedisIdempotencyKeys<Event>({ redis, clock: clock.now, ttlMs: 60_000, maxKeys: 1, leaseMs: 10_000 })
    await keys.begin('lapsed', printA, () => 'id-1')
    clock.advance(10_000)
    expect(await keys.count()).toBe(1)
    expect(isGatewayError(await rejection(keys.begin('other', printA, () => 'id-2')), 'GW_ERR_BULKHEAD_FULL')).toBe(true)
    clock.advance(60_000)
    expect(await keys.count()).toBe(0)
    expect(await keys.begin('lapsed', printA, () => 'id-3')).toEqual({ kind: 'proceed', eventId: 'id-3', uncertain: false })
  })

  it('sets a real expiry on every key it writes, as garbage collection', async () => {
    const redis = await testRedis()
    const clock = createManualClock(START)
    const keys = new RedisIdempotencyKeys<Event>({ redis, clock: clock.now, ttlMs: 60_000, maxKeys: 10, leaseMs: 10_000 })
    await keys.begin('k', printA, () => 'id-1')
    await keys.succeed('k', 201, { id: 'id-1', ...bodyA })
    const written = await redis.client.keys(`${redis.keyPrefix}*`)
    expect(written.sort()).toEqual([redis.key('idem:e:k'), redis.key('idem:expiry'), redis.key('idem:lru'), redis.key('idem:seq')].sort())
    for (const key of written) {
      const ttl = await redis.client.pttl(key)
      expect(ttl).toBeGreaterThan(70_000)
      expect(ttl).toBeLessThanOrEqual(10_000 + 60_000 + 3_600_000)
    }
    expect(JSON.parse(String(await redis.client.hget(redis.key('idem:e:k'), 'b')))).toEqual({ id: 'id-1', ...bodyA })
  })
})

describe('RedisIdempotencyKeys when Redis cannot answer', () => {
  async function ownRedisKeys (clock: Clock, onUnavailable: (operation: IdempotencyOperation) => void) {
    const own = await startOwnRedis()
    onTestFinished(own.kill)
    const { redis, cleanup } = await sharedRedisForTest({ url: own.url, timeoutMs: 300 })
    onTestFinished(cleanup)
    const keys = new RedisIdempotencyKeys<Event>({ redis, clock, ttlMs: 60_000, maxKeys: 10, leaseMs: 10_000, onUnavailable })
    return { own, redis, keys }
  }

  it('rejects every call with GW_ERR_SHARED_STATE_UNAVAILABLE (503, not forwarded, Retry-After 1 s) and reports it', async () => {
    const clock = createManualClock(START)
    const reported: IdempotencyOperation[] = []
    const { own, keys } = await ownRedisKeys(clock.now, (operation) => reported.push(operation))
    await keys.begin('k', printA, () => 'id-1')
    own.pause()
    onTestFinished(own.resume)
    const calls: [IdempotencyOperation, () => Promise<unknown>][] = [
      ['begin', () => keys.begin('other', printA, () => 'id-2')],
      ['succeed', () => keys.succeed('k', 201, { id: 'id-1', ...bodyA })],
      ['fail', () => keys.fail('k')],
      ['completed', () => keys.completed('k')],
      ['count', () => keys.count()]
    ]
    for (const [, call] of calls) {
      const error = await rejection(call())
      expect(isGatewayError(error, 'GW_ERR_SHARED_STATE_UNAVAILABLE')).toBe(true)
      expect(error).toMatchObject({ statusCode: 503, outcome: 'not-forwarded', retryAfterMs: 1000 })
    }
    expect(reported).toEqual(calls.map(([operation]) => operation))
  })

  it('releases an attempt whose begin timed out but ran late, so a retry need not wait for its lease', async () => {
    const clock = createManualClock(START)
    const { own, keys } = await ownRedisKeys(clock.now, () => undefined)
    // Redis freezes while the new key's id is drawn: the begin that carries it is sent, and answered too late.
    const error = await rejection(keys.begin('k', printA, () => {
      own.pause()
      return 'id-1'
    }))
    expect(isGatewayError(error, 'GW_ERR_SHARED_STATE_UNAVAILABLE')).toBe(true)
    own.resume()
    const retried = await eventually('the key is free again', async () => {
      try {
        return await keys.begin('k', printA, () => 'id-2')
      } catch {
        return undefined
      }
    }, 10_000, 20)
    expect(retried).toEqual({ kind: 'proceed', eventId: 'id-2', uncertain: false })
  })
})
