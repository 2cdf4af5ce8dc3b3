import { describe, expect, it } from 'vitest'
import { defaultConfig } from '../../../../services/config.js'
import { fingerprint } from '../../../../services/gateway/idempotency/keyHeader.js'
import { MemoryIdempotencyKeys } from '../../../../services/gateway/idempotency/memoryIdempotencyKeys.js'
import { createManualClock } from '../../../../utils/clock.js'
import { idempotencyKeysContract } from './idempotencyKeysContract.js'
import type { Event } from './idempotencyKeysContract.js'

idempotencyKeysContract('MemoryIdempotencyKeys', (setup) => new MemoryIdempotencyKeys<Event>(setup))

const START = Date.parse('2025-01-01T00:00:00.000Z')
const bodyA = { name: 'a', userId: '1' }
const printA = fingerprint('POST', '/addEvent', bodyA)

describe('MemoryIdempotencyKeys', () => {
  it('counts the keys in flight apart from the others', async () => {
    const clock = createManualClock(START)
    const keys = new MemoryIdempotencyKeys<Event>({ clock: clock.now, ttlMs: 1000, maxKeys: 100 })
    let drawn = 0
    const newEventId = (): string => `id-${++drawn}`
    await keys.begin('k1', printA, newEventId)
    await keys.begin('k2', printA, newEventId)
    await keys.succeed('k2', 201, { id: 'id-2', ...bodyA })
    expect(keys.size).toBe(2)
    expect(keys.inFlight).toBe(1)
    await keys.fail('k1')
    expect(keys.inFlight).toBe(0)
  })

  it('holds at most maxKeys under 10k distinct keys, none of them left in flight', async () => {
    const clock = createManualClock(START)
    const keys = new MemoryIdempotencyKeys<Event>({ clock: clock.now, ttlMs: 1000, maxKeys: 500 })
    for (let i = 0; i < 10_000; i++) {
      await keys.begin(`k${i}`, printA, () => `id-${i + 1}`)
      await keys.succeed(`k${i}`, 201, { id: `id-${i + 1}`, ...bodyA })
    }
    expect(keys.size).toBe(500)
    expect(keys.inFlight).toBe(0)
  })

  it('is built by the gateway with a TTL of 24 h by default', async () => {
    const clock = createManualClock(START)
    const ttlMs = defaultConfig.gateway.idempotencyTtlMs
    expect(ttlMs).toBe(24 * 60 * 60 * 1000)
    const keys = new MemoryIdempotencyKeys<Event>({ clock: clock.now, ttlMs, maxKeys: defaultConfig.gateway.idempotencyMaxKeys })
    await keys.begin('k', printA, () => 'id-1')
    await keys.succeed('k', 201, { id: 'id-1', ...bodyA })
    clock.advance(ttlMs - 1)
    expect((await keys.begin('k', printA, () => 'id-2')).kind).toBe('replay')
    clock.advance(1)
    expect(await keys.begin('k', printA, () => 'id-2')).toEqual({ kind: 'proceed', eventId: 'id-2', uncertain: false })
  })
})
