import { describe, expect, it } from 'vitest'
import type { IdempotencyKeys } from '../../../../services/gateway/idempotency/idempotencyKeys.js'
import { fingerprint } from '../../../../services/gateway/idempotency/keyHeader.js'
import { GatewayError, RetryableError, isGatewayError } from '../../../../services/http/errors.js'
import type { ErrorCode } from '../../../../services/http/errors.js'
import { createManualClock } from '../../../../utils/clock.js'
import type { Clock } from '../../../../utils/clock.js'

const START = Date.parse('2025-01-01T00:00:00.000Z')

export interface Event { id: string, name: string, userId: string }

/** What an implementation is built with for one test: a manual clock and the bounds. */
export interface IdempotencyKeysSetup {
  readonly clock: Clock
  readonly ttlMs: number
  readonly maxKeys: number
  readonly settleMs: number
}

const bodyA = { name: 'a', userId: '1' }
const bodyB = { name: 'b', userId: '1' }
const printA = fingerprint('POST', '/addEvent', bodyA)
const printB = fingerprint('POST', '/addEvent', bodyB)

/** Runs `act`, expecting it to reject with a `type` of gateway error `code`, and returns that error. */
async function thrown<E extends GatewayError> (type: abstract new (...args: never[]) => E, code: ErrorCode, act: () => Promise<unknown>): Promise<E> {
  try {
    await act()
  } catch (error) {
    expect(isGatewayError(error, code)).toBe(true)
    if (error instanceof type) return error
    throw new Error(`expected a ${type.name}, got ${String(error)}`)
  }
  throw new Error(`expected ${code}, nothing was thrown`)
}

/**
 * The behaviour every IdempotencyKeys implementation must have, in memory or shared: the states of
 * one key, abandon, expiry and bounds. `make` builds a fresh, empty registry for each test.
 */
export function idempotencyKeysContract (name: string, make: (setup: IdempotencyKeysSetup) => IdempotencyKeys<Event> | Promise<IdempotencyKeys<Event>>): void {
  /** A registry on a manual clock, with event ids id-1, id-2, … counted as they are drawn. */
  async function harness (options: { ttlMs?: number, maxKeys?: number, settleMs?: number } = {}) {
    const clock = createManualClock(START)
    const keys = await make({ clock: clock.now, ttlMs: options.ttlMs ?? 1000, maxKeys: options.maxKeys ?? 100, settleMs: options.settleMs ?? 0 })
    let drawn = 0
    const newEventId = (): string => `id-${++drawn}`
    return { clock, keys, newEventId, get drawn () { return drawn } }
  }

  describe(`${name}: one key through its states`, () => {
    it('proceeds with a new event id for a new key, then replays the stored response without a new id', async () => {
      const h = await harness()
      expect(await h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: false })
      await h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })

      for (let i = 0; i < 3; i++) {
        expect(await h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'replay', status: 201, body: { id: 'id-1', ...bodyA } })
      }
      expect(h.drawn).toBe(1)
    })

    it('replays a copy: changing the object it was given does not change the replay', async () => {
      const h = await harness()
      await h.keys.begin('k', printA, h.newEventId)
      const sent = { id: 'id-1', ...bodyA }
      await h.keys.succeed('k', 201, sent)
      sent.name = 'changed'
      const replay = await h.keys.begin('k', printA, h.newEventId)
      expect(replay.kind === 'replay' && replay.body.name).toBe('a')
    })

    it('answers 409, retryable after 1 s, while the first attempt is in flight', async () => {
      const h = await harness()
      await h.keys.begin('k', printA, h.newEventId)
      const error = await thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('k', printA, h.newEventId))
      expect(error.retryAfterMs).toBe(1000)
      expect(error.statusCode).toBe(409)
      expect(h.drawn).toBe(1)
    })

    it('answers 422 for the same key with another body: in flight, after a failure and once completed', async () => {
      const h = await harness()
      await h.keys.begin('k', printA, h.newEventId)
      const error = await thrown(GatewayError, 'GW_ERR_IDEMPOTENCY_MISMATCH', () => h.keys.begin('k', printB, h.newEventId))
      expect(error.statusCode).toBe(422)
      expect(error).not.toBeInstanceOf(RetryableError)
      await h.keys.fail('k')
      await thrown(GatewayError, 'GW_ERR_IDEMPOTENCY_MISMATCH', () => h.keys.begin('k', printB, h.newEventId))
      await h.keys.begin('k', printA, h.newEventId)
      await h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
      await thrown(GatewayError, 'GW_ERR_IDEMPOTENCY_MISMATCH', () => h.keys.begin('k', printB, h.newEventId))
      expect((await h.keys.begin('k', printA, h.newEventId)).kind).toBe('replay')
    })

    it('retries with the same event id after each failure, then replays once one succeeds', async () => {
      const h = await harness()
      expect(await h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: false })
      await h.keys.fail('k')
      expect(await h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: false })
      await h.keys.fail('k')
      expect(await h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: false })
      await h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
      expect(await h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'replay', status: 201, body: { id: 'id-1', ...bodyA } })
      expect(h.drawn).toBe(1)
    })

    it('marks a retry uncertain after an outcome-unknown failure, and keeps the mark through later failures', async () => {
      const h = await harness()
      await h.keys.begin('k', printA, h.newEventId)
      await h.keys.fail('k', true)
      expect(await h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: true })
      // A later failure that certainly did nothing does not make the first attempt's write go away.
      await h.keys.fail('k', false)
      expect(await h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: true })
    })

    it('holds off a retry after an unknown outcome for settleMs, with the remaining wait', async () => {
      const h = await harness({ settleMs: 3000, ttlMs: 60_000 })
      await h.keys.begin('k', printA, h.newEventId)
      await h.keys.fail('k', true)
      h.clock.advance(1000)
      const error = await thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('k', printA, h.newEventId))
      expect(error.retryAfterMs).toBe(2000)
      h.clock.advance(2000)
      expect(await h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: true })
    })

    it('does not hold off a retry after a failure that certainly did nothing', async () => {
      const h = await harness({ settleMs: 3000 })
      await h.keys.begin('k', printA, h.newEventId)
      await h.keys.fail('k', false)
      expect((await h.keys.begin('k', printA, h.newEventId)).kind).toBe('proceed')
    })

    it('never evicts an uncertain key to make room: new keys are refused instead', async () => {
      const h = await harness({ maxKeys: 1 })
      await h.keys.begin('uncertain', printA, h.newEventId)
      await h.keys.fail('uncertain', true)
      await thrown(RetryableError, 'GW_ERR_BULKHEAD_FULL', () => h.keys.begin('other', printB, h.newEventId))
      expect(await h.keys.begin('uncertain', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: true })
    })

    it('lets only one retry through after a failure; the others get 409', async () => {
      const h = await harness()
      await h.keys.begin('k', printA, h.newEventId)
      await h.keys.fail('k')
      expect((await h.keys.begin('k', printA, h.newEventId)).kind).toBe('proceed')
      await thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('k', printA, h.newEventId))
    })

    it('keeps different keys apart, each with its own event id', async () => {
      const h = await harness()
      expect(await h.keys.begin('k1', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: false })
      expect(await h.keys.begin('k2', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-2', uncertain: false })
      await h.keys.succeed('k2', 201, { id: 'id-2', ...bodyA })
      await thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('k1', printA, h.newEventId))
      expect(await h.keys.count()).toBe(2)
    })

    it('ignores succeed and fail for a key that is not in flight', async () => {
      const h = await harness()
      await h.keys.succeed('unknown', 201, { id: 'x', ...bodyA })
      await h.keys.fail('unknown')
      expect(await h.keys.count()).toBe(0)

      await h.keys.begin('k', printA, h.newEventId)
      await h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
      await h.keys.fail('k')
      await h.keys.succeed('k', 201, { id: 'other', ...bodyA })
      expect(await h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'replay', status: 201, body: { id: 'id-1', ...bodyA } })
    })

    it.each([404, 500, 199, 300, 201.5])('refuses to store status %s as a success', async (status) => {
      const h = await harness()
      await h.keys.begin('k', printA, h.newEventId)
      await expect(h.keys.succeed('k', status, { id: 'id-1', ...bodyA })).rejects.toThrow(RangeError)
      await thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('k', printA, h.newEventId))
    })
  })

  describe(`${name}: completed`, () => {
    it('is true only while a stored response would be replayed', async () => {
      const h = await harness({ ttlMs: 1000 })
      expect(await h.keys.completed('k')).toBe(false)
      await h.keys.begin('k', printA, h.newEventId)
      expect(await h.keys.completed('k')).toBe(false)
      await h.keys.fail('k')
      expect(await h.keys.completed('k')).toBe(false)
      await h.keys.begin('k', printA, h.newEventId)
      await h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
      expect(await h.keys.completed('k')).toBe(true)
      h.clock.advance(1000)
      expect(await h.keys.completed('k')).toBe(false)
    })
  })

  describe(`${name}: abandon`, () => {
    it('forgets a first attempt, so the key can be used again with another body and a new id', async () => {
      const h = await harness()
      await h.keys.begin('k', printA, h.newEventId)
      await h.keys.abandon('k')
      expect(await h.keys.count()).toBe(0)
      expect(await h.keys.begin('k', printB, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-2', uncertain: false })
    })

    it('keeps the event id of an earlier failed attempt, which event.com may hold', async () => {
      const h = await harness()
      await h.keys.begin('k', printA, h.newEventId)
      await h.keys.fail('k')
      await h.keys.begin('k', printA, h.newEventId)
      await h.keys.abandon('k')
      expect(await h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-1', uncertain: false })
    })

    it('does not forget a completed key', async () => {
      const h = await harness()
      await h.keys.begin('k', printA, h.newEventId)
      await h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
      await h.keys.abandon('k')
      expect((await h.keys.begin('k', printA, h.newEventId)).kind).toBe('replay')
    })
  })

  describe(`${name}: expiry and bounds`, () => {
    it('forgets a completed key exactly ttlMs after it completed: the same request is then new', async () => {
      const h = await harness({ ttlMs: 1000 })
      await h.keys.begin('k', printA, h.newEventId)
      h.clock.advance(300)
      await h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
      h.clock.advance(999)
      expect((await h.keys.begin('k', printA, h.newEventId)).kind).toBe('replay')
      h.clock.advance(1)
      expect(await h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-2', uncertain: false })
    })

    it('lets a key be reused with another body once it expired', async () => {
      const h = await harness({ ttlMs: 1000 })
      await h.keys.begin('k', printA, h.newEventId)
      await h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
      h.clock.advance(1000)
      expect(await h.keys.begin('k', printB, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-2', uncertain: false })
    })

    it('forgets the reserved event id of a failed key once it expired', async () => {
      const h = await harness({ ttlMs: 1000 })
      await h.keys.begin('k', printA, h.newEventId)
      await h.keys.fail('k')
      h.clock.advance(1000)
      expect(await h.keys.begin('k', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-2', uncertain: false })
    })

    it('never expires a key while it is in flight', async () => {
      const h = await harness({ ttlMs: 1000 })
      await h.keys.begin('k', printA, h.newEventId)
      h.clock.advance(10_000)
      await thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('k', printA, h.newEventId))
      await h.keys.succeed('k', 201, { id: 'id-1', ...bodyA })
      expect((await h.keys.begin('k', printA, h.newEventId)).kind).toBe('replay')
    })

    it('evicts the least recently used completed key when full, never one in flight', async () => {
      const h = await harness({ maxKeys: 3 })
      await h.keys.begin('flying', printA, h.newEventId)
      await h.keys.begin('done-1', printA, h.newEventId)
      await h.keys.succeed('done-1', 201, { id: 'id-2', ...bodyA })
      await h.keys.begin('done-2', printA, h.newEventId)
      await h.keys.succeed('done-2', 201, { id: 'id-3', ...bodyA })
      await h.keys.begin('done-1', printA, h.newEventId) // a replay counts as a use

      await h.keys.begin('new', printA, h.newEventId)
      expect(await h.keys.count()).toBe(3)
      await thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('flying', printA, h.newEventId))
      expect((await h.keys.begin('done-1', printA, h.newEventId)).kind).toBe('replay')
      expect(await h.keys.begin('done-2', printA, h.newEventId)).toEqual({ kind: 'proceed', eventId: 'id-5', uncertain: false })
    })

    it('answers 503, retryable after 1 s, when every remembered key is in flight, and recovers once one ends', async () => {
      const h = await harness({ maxKeys: 2 })
      await h.keys.begin('a', printA, h.newEventId)
      await h.keys.begin('b', printA, h.newEventId)
      const error = await thrown(RetryableError, 'GW_ERR_BULKHEAD_FULL', () => h.keys.begin('c', printA, h.newEventId))
      expect(error.retryAfterMs).toBe(1000)
      expect(error.statusCode).toBe(503)
      expect(await h.keys.count()).toBe(2)

      await h.keys.fail('a')
      expect((await h.keys.begin('c', printA, h.newEventId)).kind).toBe('proceed')
      await thrown(RetryableError, 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', () => h.keys.begin('b', printA, h.newEventId))
    })

    it('holds at most maxKeys under 10k distinct keys', async () => {
      const h = await harness({ maxKeys: 500 })
      for (let i = 0; i < 10_000; i++) {
        await h.keys.begin(`k${i}`, printA, h.newEventId)
        await h.keys.succeed(`k${i}`, 201, { id: `id-${i + 1}`, ...bodyA })
      }
      expect(await h.keys.count()).toBe(500)
      expect((await h.keys.begin('k9999', printA, h.newEventId)).kind).toBe('replay')
      expect((await h.keys.begin('k0', printA, h.newEventId)).kind).toBe('proceed')
    }, 30_000) // 30k round trips for a shared registry, on a loaded machine
  })
}
