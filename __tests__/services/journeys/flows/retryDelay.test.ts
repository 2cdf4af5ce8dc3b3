import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultRetryPolicy, retryDelayMs } from '../../../../services/journeys/flows/retryDelay.js'

const LOWEST = (): number => 0
const MIDDLE = (): number => 0.5
const HIGHEST = (): number => 1 - Number.EPSILON

describe('retryDelayMs', () => {
  const policy = { attempts: 8, baseMs: 1000, maxMs: 30_000 }

  it('doubles from baseMs after each failed try, up to maxMs', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempt) => retryDelayMs(policy, attempt, MIDDLE))
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
  })

  it('jitters by at most 20 % either way', () => {
    expect(retryDelayMs(policy, 1, LOWEST)).toBe(800)
    expect(retryDelayMs(policy, 1, HIGHEST)).toBe(1200)
    expect(retryDelayMs(policy, 3, LOWEST)).toBe(3200)
    expect(retryDelayMs(policy, 3, HIGHEST)).toBe(4800)
  })

  it('has no try left after the last attempt the policy allows', () => {
    expect(retryDelayMs(policy, 7, MIDDLE)).toBe(30_000)
    expect(retryDelayMs(policy, 8, MIDDLE)).toBeUndefined()
    expect(retryDelayMs({ ...policy, attempts: 1 }, 1, MIDDLE)).toBeUndefined()
  })

  it('counts attempts from 1', () => {
    expect(() => retryDelayMs(policy, 0, MIDDLE)).toThrow(RangeError)
    expect(() => retryDelayMs(policy, 1.5, MIDDLE)).toThrow(RangeError)
  })

  it('defaults to 5 tries from 1 s up to 1 h', () => {
    expect(defaultRetryPolicy).toEqual({ attempts: 5, baseMs: 1000, maxMs: 3_600_000 })
  })

  it('stays within ±20 % of the doubling wait and within maxMs, for any policy, try and draw', () => {
    const policies = fc.integer({ min: 1, max: 3_600_000 }).chain((baseMs) => fc.record({
      attempts: fc.integer({ min: 2, max: 20 }),
      baseMs: fc.constant(baseMs),
      maxMs: fc.integer({ min: baseMs, max: 86_400_000 })
    }))
    fc.assert(fc.property(policies, fc.integer({ min: 1, max: 19 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (retry, attempt, draw) => {
      fc.pre(attempt < retry.attempts)
      const delay = retryDelayMs(retry, attempt, () => draw)
      const nominal = Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1))
      expect(Number.isInteger(delay)).toBe(true)
      expect(delay).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8))
      expect(delay).toBeLessThanOrEqual(Math.min(retry.maxMs, Math.ceil(nominal * 1.2)))
    }))
  })
})
