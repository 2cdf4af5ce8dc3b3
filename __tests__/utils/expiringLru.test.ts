import { describe, expect, it } from 'vitest'
import { createManualClock } from '../../utils/clock.js'
import { ExpiringLru } from '../../utils/expiringLru.js'

const START = Date.parse('2025-01-01T00:00:00.000Z')

function harness (maxEntries = 3, ttlMs = 1000) {
  const clock = createManualClock(START)
  const lru = new ExpiringLru<string>({ maxEntries, ttlMs, clock: clock.now })
  return { clock, lru }
}

/** Which of `keys` are still held; reading marks them used, so call it last. */
function held (lru: ExpiringLru<string>, keys: string[]): string[] {
  return keys.filter((key) => lru.get(key) !== undefined)
}

describe('ExpiringLru: least recently used eviction', () => {
  it('evicts the oldest entry when a new key arrives in a full store', () => {
    const { lru } = harness()
    lru.set('a', 'A')
    lru.set('b', 'B')
    lru.set('c', 'C')
    expect(lru.set('d', 'D')).toBe(true)
    expect(lru.size).toBe(3)
    expect(held(lru, ['a', 'b', 'c', 'd'])).toEqual(['b', 'c', 'd'])
  })

  it('counts a read as a use, so the entry read last survives', () => {
    const { lru } = harness()
    lru.set('a', 'A')
    lru.set('b', 'B')
    lru.set('c', 'C')
    expect(lru.get('a')).toBe('A')
    lru.set('d', 'D')
    expect(held(lru, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd'])
  })

  it('counts an overwrite as a use, and an overwrite never evicts', () => {
    const { lru } = harness()
    lru.set('a', 'A')
    lru.set('b', 'B')
    lru.set('c', 'C')
    lru.set('a', 'A2')
    expect(lru.size).toBe(3)
    lru.set('d', 'D')
    expect(lru.get('a')).toBe('A2')
    expect(lru.get('b')).toBeUndefined()
  })

  it('evicts in order of last use over a longer sequence', () => {
    const { lru } = harness()
    lru.set('a', 'A')
    lru.set('b', 'B')
    lru.set('c', 'C')
    lru.get('b')
    lru.get('a')
    lru.set('d', 'D') // evicts c
    lru.set('e', 'E') // evicts b
    expect(held(lru, ['a', 'b', 'c', 'd', 'e'])).toEqual(['a', 'd', 'e'])
  })

  it('deletes an entry and frees its room', () => {
    const { lru } = harness()
    lru.set('a', 'A')
    lru.set('b', 'B')
    lru.set('c', 'C')
    expect(lru.delete('b')).toBe(true)
    expect(lru.delete('b')).toBe(false)
    lru.set('d', 'D')
    expect(held(lru, ['a', 'b', 'c', 'd'])).toEqual(['a', 'c', 'd'])
  })

  it('stays at maxEntries under 10k inserts of distinct keys, holding the newest ones', () => {
    const { lru } = harness(100)
    for (let i = 0; i < 10_000; i++) {
      lru.set(`k${i}`, `v${i}`)
      expect(lru.size).toBeLessThanOrEqual(100)
    }
    expect(lru.size).toBe(100)
    expect(lru.get('k9899')).toBeUndefined()
    expect(lru.get('k9900')).toBe('v9900')
    expect(lru.get('k9999')).toBe('v9999')
  })
})

describe('ExpiringLru: expiry computed on read', () => {
  it('keeps an entry until 1 ms before ttlMs and drops it at exactly ttlMs', () => {
    const { clock, lru } = harness(3, 1000)
    lru.set('a', 'A')
    clock.advance(999)
    expect(lru.get('a')).toBe('A')
    clock.advance(1)
    expect(lru.get('a')).toBeUndefined()
    expect(lru.size).toBe(0)
  })

  it('restarts the TTL when an entry is set again, but not when it is read', () => {
    const { clock, lru } = harness(3, 1000)
    lru.set('a', 'A')
    lru.set('b', 'B')
    clock.advance(600)
    lru.set('a', 'A2')
    expect(lru.get('b')).toBe('B')
    clock.advance(400)
    expect(lru.get('b')).toBeUndefined()
    expect(lru.get('a')).toBe('A2')
    clock.advance(599)
    expect(lru.get('a')).toBe('A2')
    clock.advance(1)
    expect(lru.get('a')).toBeUndefined()
  })

  it('lets a new value replace an expired one under the same key', () => {
    const { clock, lru } = harness()
    lru.set('a', 'old')
    clock.advance(5000)
    lru.set('a', 'new')
    expect(lru.get('a')).toBe('new')
  })
})

describe('ExpiringLru: pinned entries', () => {
  it('never evicts a pinned entry, even the least recently used one', () => {
    const { lru } = harness()
    lru.set('pinned', 'P', { pinned: true })
    lru.set('b', 'B')
    lru.set('c', 'C')
    lru.set('d', 'D')
    lru.set('e', 'E')
    expect(held(lru, ['pinned', 'b', 'c', 'd', 'e'])).toEqual(['pinned', 'd', 'e'])
    expect(lru.pinnedSize).toBe(1)
  })

  it('never expires a pinned entry', () => {
    const { clock, lru } = harness(3, 1000)
    lru.set('pinned', 'P', { pinned: true })
    clock.advance(1_000_000)
    expect(lru.get('pinned')).toBe('P')
  })

  it('refuses a new key when every entry is pinned, and keeps every pinned one', () => {
    const { lru } = harness()
    lru.set('a', 'A', { pinned: true })
    lru.set('b', 'B', { pinned: true })
    lru.set('c', 'C', { pinned: true })
    expect(lru.set('d', 'D')).toBe(false)
    expect(lru.set('d', 'D', { pinned: true })).toBe(false)
    expect(lru.size).toBe(3)
    expect(held(lru, ['a', 'b', 'c', 'd'])).toEqual(['a', 'b', 'c'])
    // Overwriting a key already held needs no room.
    expect(lru.set('a', 'A2', { pinned: true })).toBe(true)
    expect(lru.get('a')).toBe('A2')
  })

  it('starts the TTL and allows eviction once an entry is set again unpinned', () => {
    const { clock, lru } = harness(2, 1000)
    lru.set('a', 'A', { pinned: true })
    clock.advance(5000)
    lru.set('a', 'A2')
    expect(lru.pinnedSize).toBe(0)
    clock.advance(999)
    expect(lru.get('a')).toBe('A2')
    clock.advance(1)
    expect(lru.get('a')).toBeUndefined()

    lru.set('b', 'B')
    lru.set('c', 'C', { pinned: true })
    lru.set('c', 'C2')
    lru.set('d', 'D')
    expect(held(lru, ['b', 'c', 'd'])).toEqual(['c', 'd'])
  })

  it('pins an entry that was unpinned, taking it out of eviction and expiry', () => {
    const { clock, lru } = harness(2, 1000)
    lru.set('a', 'A')
    lru.set('a', 'A2', { pinned: true })
    lru.set('b', 'B')
    lru.set('c', 'C')
    clock.advance(2000)
    expect(lru.get('a')).toBe('A2')
    expect(lru.size).toBe(2)
  })

  it('deletes a pinned entry', () => {
    const { lru } = harness()
    lru.set('a', 'A', { pinned: true })
    expect(lru.delete('a')).toBe(true)
    expect(lru.get('a')).toBeUndefined()
    expect(lru.pinnedSize).toBe(0)
  })
})

describe('ExpiringLru: options', () => {
  it.each([
    [{ maxEntries: 0, ttlMs: 1000 }, 'maxEntries'],
    [{ maxEntries: 1.5, ttlMs: 1000 }, 'maxEntries'],
    [{ maxEntries: Number.NaN, ttlMs: 1000 }, 'maxEntries'],
    [{ maxEntries: 10, ttlMs: 0 }, 'ttlMs'],
    [{ maxEntries: 10, ttlMs: -1 }, 'ttlMs'],
    [{ maxEntries: 10, ttlMs: Number.POSITIVE_INFINITY }, 'ttlMs']
  ])('rejects %j with a RangeError naming %s', (options, name) => {
    expect.assertions(2)
    try {
      new ExpiringLru<string>({ ...options, clock: () => START })
    } catch (error) {
      expect(error).toBeInstanceOf(RangeError)
      expect(error instanceof Error && error.message.includes(name)).toBe(true)
    }
  })
})

describe('ExpiringLru: entries that must not be evicted', () => {
  it('never evicts an entry set with evictable: false, but lets it expire', () => {
    const clock = createManualClock(0)
    const lru = new ExpiringLru<string>({ maxEntries: 2, ttlMs: 100, clock: clock.now })
    lru.set('kept', 'k', { evictable: false })
    lru.set('a', 'a')
    lru.set('b', 'b')
    expect(lru.get('kept')).toBe('k')
    expect(lru.get('a')).toBeUndefined()
    expect(lru.set('c', 'c')).toBe(true)
    expect(lru.get('kept')).toBe('k')
    clock.advance(100)
    expect(lru.get('kept')).toBeUndefined()
  })

  it('refuses a new key when only unexpired kept entries could make room, and takes an expired one', () => {
    const clock = createManualClock(0)
    const lru = new ExpiringLru<string>({ maxEntries: 1, ttlMs: 100, clock: clock.now })
    lru.set('kept', 'k', { evictable: false })
    expect(lru.set('new', 'n')).toBe(false)
    clock.advance(100)
    expect(lru.set('new', 'n')).toBe(true)
    expect(lru.size).toBe(1)
  })
})
