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
})
