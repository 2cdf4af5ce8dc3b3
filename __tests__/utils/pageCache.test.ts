import { describe, expect, it } from 'vitest'
import { PageCache } from '../../utils/pageCache.js'

describe('PageCache', () => {
  it('keeps a full page whatever the list length becomes', () => {
    const cache = new PageCache(1000)
    cache.set('k', '[1,2]', 5, true)
    expect(cache.get('k', 5)).toBe('[1,2]')
    expect(cache.get('k', 500)).toBe('[1,2]')
  })

  it('drops a last page once its list length changed', () => {
    const cache = new PageCache(1000)
    cache.set('k', '[1]', 1, false)
    expect(cache.get('k', 1)).toBe('[1]')
    expect(cache.get('k', 2)).toBeUndefined()
    expect(cache.get('k', 1)).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('stays within its character budget, evicting the least recently used first', () => {
    const cache = new PageCache(40)
    cache.set('a', 'x'.repeat(10), 1, true)
    cache.set('b', 'x'.repeat(10), 1, true)
    cache.set('c', 'x'.repeat(10), 1, true)
    cache.get('a', 1)
    cache.set('d', 'x'.repeat(10), 1, true)
    cache.set('e', 'x'.repeat(10), 1, true)
    expect(cache.size).toBeLessThanOrEqual(40)
    expect(cache.get('b', 1)).toBeUndefined()
    expect(cache.get('a', 1)).toBeDefined()
    expect(cache.get('e', 1)).toBeDefined()
  })

  it('never caches a page larger than a quarter of the budget', () => {
    const cache = new PageCache(40)
    cache.set('big', 'x'.repeat(11), 1, true)
    expect(cache.get('big', 1)).toBeUndefined()
    expect(cache.size).toBe(0)
  })

  it('replaces an entry under the same key without counting it twice', () => {
    const cache = new PageCache(100)
    cache.set('k', 'x'.repeat(10), 1, false)
    cache.set('k', 'y'.repeat(20), 2, false)
    expect(cache.size).toBe(20)
    expect(cache.get('k', 2)).toBe('y'.repeat(20))
  })

  it('evicts in exactly least-recently-used order over any mix of reads, writes and invalidations', () => {
    // Reference model: a Map whose insertion order is the recency order.
    const model = new Map<string, { json: string, listLength: number, full: boolean }>()
    let modelChars = 0
    const drop = (key: string): void => {
      const entry = model.get(key)
      if (entry === undefined) return
      model.delete(key)
      modelChars -= entry.json.length
    }
    const budget = 60
    const cache = new PageCache(budget)
    let seed = 7
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return seed % n
    }
    for (let step = 0; step < 5000; step++) {
      const key = `k${random(12)}`
      const listLength = random(3)
      if (random(3) === 0) {
        const json = 'x'.repeat(1 + random(15))
        const full = random(2) === 0
        cache.set(key, json, listLength, full)
        drop(key)
        model.set(key, { json, listLength, full })
        modelChars += json.length
        for (const [oldest] of model) {
          if (modelChars <= budget) break
          drop(oldest)
        }
      } else {
        const entry = model.get(key)
        let expected: string | undefined
        if (entry !== undefined) {
          drop(key)
          if (entry.full || entry.listLength === listLength) {
            model.set(key, entry)
            modelChars += entry.json.length
            expected = entry.json
          }
        }
        expect(cache.get(key, listLength)).toBe(expected)
      }
      expect(cache.size).toBe(modelChars)
    }
    cache.clear()
    expect(cache.size).toBe(0)
    expect(cache.get('k0', 0)).toBeUndefined()
  })
})
