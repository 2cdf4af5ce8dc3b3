import { describe, it, expect } from 'vitest'
import { createExponentialBackoff } from '../../utils/backoff.js'

// Uniform draws at the two ends of [0, 1) and in between.
const LOWEST = (): number => 0
const MIDDLE = (): number => 0.5
const HIGHEST = (): number => 1 - Number.EPSILON

describe('createExponentialBackoff', () => {
  const backoff = createExponentialBackoff({ baseMs: 1000, maxMs: 30_000, jitterRatio: 0.2 })

  it('doubles the nominal wait from baseMs and caps it at maxMs', () => {
    const nominals = Array.from({ length: 8 }, (_, attempt) => backoff.nominal(attempt))
    expect(nominals).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
  })

  it('stays at maxMs for huge attempts instead of overflowing', () => {
    expect(backoff.nominal(1100)).toBe(30_000)
    expect(backoff.nominal(Number.MAX_SAFE_INTEGER)).toBe(30_000)
    expect(backoff.delay(5000, HIGHEST)).toBe(30_000)
  })

  it('rejects attempts that are not non-negative integers', () => {
    expect(() => backoff.nominal(-1)).toThrow(RangeError)
    expect(() => backoff.nominal(1.5)).toThrow(RangeError)
  })

  it('returns the nominal wait for a draw in the middle', () => {
    const delays = Array.from({ length: 7 }, (_, attempt) => backoff.delay(attempt, MIDDLE))
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
  })

  it('spreads the lowest draw to nominal * (1 - jitter), but not below the previous step', () => {
    const delays = Array.from({ length: 7 }, (_, attempt) => backoff.delay(attempt, LOWEST))
    expect(delays).toEqual([800, 1600, 3200, 6400, 12_800, 24_000, 30_000])
  })

  it('spreads the highest draw to nominal * (1 + jitter), but not above maxMs', () => {
    const delays = Array.from({ length: 7 }, (_, attempt) => backoff.delay(attempt, HIGHEST))
    expect(delays).toEqual([1200, 2400, 4800, 9600, 19_200, 30_000, 30_000])
  })

  it('is exactly maxMs once this step and the previous one are capped', () => {
    for (const random of [LOWEST, MIDDLE, HIGHEST]) {
      expect(backoff.delay(6, random)).toBe(30_000)
      expect(backoff.delay(40, random)).toBe(30_000)
    }
  })

  it('never waits less than the previous step, even with wide jitter', () => {
    const wide = createExponentialBackoff({ baseMs: 1000, maxMs: 64_000, jitterRatio: 0.9 })
    // Unclamped, the lowest draw at attempt 1 would be 200 ms, far below the 1000 ms of attempt 0.
    expect(wide.delay(1, LOWEST)).toBe(1000)
    expect(wide.delay(3, LOWEST)).toBe(4000)
    expect(wide.delay(0, LOWEST)).toBe(100)
  })

  it('keeps every delay within its bounds, in whole milliseconds, at every attempt', () => {
    const jitterRatio = 0.5
    const wide = createExponentialBackoff({ baseMs: 700, maxMs: 50_000, jitterRatio })
    const draws = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1 - Number.EPSILON]
    for (let attempt = 0; attempt <= 12; attempt++) {
      const nominal = wide.nominal(attempt)
      const lower = attempt === 0 ? nominal * (1 - jitterRatio) : wide.nominal(attempt - 1)
      for (const draw of draws) {
        const delay = wide.delay(attempt, () => draw)
        expect(Number.isInteger(delay)).toBe(true)
        expect(delay).toBeGreaterThanOrEqual(lower)
        expect(delay).toBeLessThanOrEqual(Math.min(50_000, Math.round(nominal * (1 + jitterRatio))))
      }
    }
  })

  it('rounds up rather than below the lower bound', () => {
    const tiny = createExponentialBackoff({ baseMs: 3, maxMs: 100, jitterRatio: 0.2 })
    // The lowest draw is 2.4 ms, which Math.round alone would turn into 2, below the bound.
    expect(tiny.delay(0, LOWEST)).toBe(3)
  })

  it('defaults jitterRatio to 0.2', () => {
    const defaulted = createExponentialBackoff({ baseMs: 1000, maxMs: 30_000 })
    expect(defaulted.delay(0, LOWEST)).toBe(800)
    expect(defaulted.delay(0, HIGHEST)).toBe(1200)
  })

  it('fails fast on invalid options, naming the option', () => {
    const cases = [
      { options: { baseMs: 0, maxMs: 1000 }, option: 'baseMs' },
      { options: { baseMs: 1.5, maxMs: 1000 }, option: 'baseMs' },
      { options: { baseMs: 1000, maxMs: 999 }, option: 'maxMs' },
      { options: { baseMs: 1000, maxMs: Infinity }, option: 'maxMs' },
      { options: { baseMs: 1000, maxMs: 2000, jitterRatio: 1.5 }, option: 'jitterRatio' },
      { options: { baseMs: 1000, maxMs: 2000, jitterRatio: -0.1 }, option: 'jitterRatio' }
    ]
    for (const { options, option } of cases) {
      let caught: unknown
      try {
        createExponentialBackoff(options)
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(RangeError)
      expect((caught as Error).message).toContain(option)
    }
  })
})
