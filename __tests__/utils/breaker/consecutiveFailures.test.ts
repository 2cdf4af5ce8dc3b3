import { describe, it, expect } from 'vitest'
import { ConsecutiveFailures } from '../../../utils/breaker/consecutiveFailures.js'

describe('ConsecutiveFailures', () => {
  it('trips on the threshold-th failure within the window', () => {
    const failures = new ConsecutiveFailures({ threshold: 3, windowMs: 1000 })
    expect(failures.recordFailure(0)).toBe(false)
    expect(failures.recordFailure(100)).toBe(false)
    expect(failures.recordFailure(200)).toBe(true)
  })

  it('counts a span of exactly windowMs as within the window', () => {
    const failures = new ConsecutiveFailures({ threshold: 3, windowMs: 1000 })
    failures.recordFailure(0)
    failures.recordFailure(500)
    expect(failures.recordFailure(1000)).toBe(true)
  })

  it('does not trip when the failures spread wider than the window, then slides', () => {
    const failures = new ConsecutiveFailures({ threshold: 3, windowMs: 1000 })
    failures.recordFailure(0)
    failures.recordFailure(600)
    expect(failures.recordFailure(1001)).toBe(false)
    // The oldest one drops out: 600, 1001 and 1500 fit in 1000 ms.
    expect(failures.recordFailure(1500)).toBe(true)
  })

  it('starts a new run after a success', () => {
    const failures = new ConsecutiveFailures({ threshold: 3, windowMs: 1000 })
    failures.recordFailure(0)
    failures.recordFailure(100)
    failures.recordSuccess()
    expect(failures.count).toBe(0)
    expect(failures.recordFailure(200)).toBe(false)
    expect(failures.recordFailure(300)).toBe(false)
    expect(failures.recordFailure(400)).toBe(true)
  })

  it('keeps at most threshold timestamps', () => {
    const failures = new ConsecutiveFailures({ threshold: 3, windowMs: 1000 })
    for (let i = 0; i < 100; i++) failures.recordFailure(i * 10_000)
    expect(failures.count).toBe(3)
  })

  it('forgets the run on reset', () => {
    const failures = new ConsecutiveFailures({ threshold: 2, windowMs: 1000 })
    failures.recordFailure(0)
    failures.reset()
    expect(failures.count).toBe(0)
    expect(failures.recordFailure(10)).toBe(false)
    expect(failures.recordFailure(20)).toBe(true)
  })

  it('trips on every failure with a threshold of 1', () => {
    const failures = new ConsecutiveFailures({ threshold: 1, windowMs: 0 })
    expect(failures.recordFailure(5)).toBe(true)
    expect(failures.recordFailure(50_000)).toBe(true)
  })

  it('fails fast on invalid options', () => {
    for (const options of [{ threshold: 0, windowMs: 1000 }, { threshold: 2.5, windowMs: 1000 }, { threshold: 3, windowMs: -1 }, { threshold: 3, windowMs: NaN }]) {
      let caught: unknown
      try {
        new ConsecutiveFailures(options)
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(RangeError)
    }
  })
})
