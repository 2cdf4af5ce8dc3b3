import { describe, it, expect } from 'vitest'
import { UpstreamStatusError } from '../../../services/gateway/upstream/upstreamErrors.js'
import { SlowCalls } from '../../../utils/breaker/slowCalls.js'
import type { SlowCallsOptions } from '../../../utils/breaker/slowCalls.js'
import { testBreaker } from '../../helpers/testBreaker.js'

describe('SlowCalls', () => {
  const options: SlowCallsOptions = { thresholdMs: 1000, rate: 0.5, windowMs: 10_000, minimumCalls: 4 }

  it('trips once minimumCalls are in the window and the slow share reaches rate', () => {
    const slow = new SlowCalls(options)
    expect(slow.record(5000, 0)).toBe(false)
    expect(slow.record(5000, 10)).toBe(false)
    expect(slow.record(10, 20)).toBe(false)
    expect(slow.record(10, 30)).toBe(true)
    expect(slow.counts(30)).toStrictEqual({ calls: 4, slow: 2 })
  })

  it('does not trip below the rate', () => {
    const slow = new SlowCalls(options)
    for (const duration of [5000, 10, 10, 10, 10]) expect(slow.record(duration, 0)).toBe(false)
  })

  it('counts only calls strictly slower than thresholdMs', () => {
    const slow = new SlowCalls({ ...options, minimumCalls: 1, rate: 1 })
    expect(slow.record(1000, 0)).toBe(false)
    expect(slow.counts(0)).toStrictEqual({ calls: 1, slow: 0 })
    slow.reset()
    expect(slow.record(1001, 0)).toBe(true)
  })

  it('compares the share exactly at rates like 0.3', () => {
    const slow = new SlowCalls({ ...options, rate: 0.3, minimumCalls: 10 })
    for (let i = 0; i < 7; i++) slow.record(10, 0)
    slow.record(5000, 0)
    slow.record(5000, 0)
    expect(slow.record(5000, 0)).toBe(true)
  })

  it('slides a bucket at a time: calls leave the window after windowMs', () => {
    // 10 buckets of 1000 ms each.
    const slow = new SlowCalls(options)
    for (let i = 0; i < 4; i++) slow.record(5000, 500)
    expect(slow.counts(9999)).toStrictEqual({ calls: 4, slow: 4 })
    expect(slow.counts(10_000)).toStrictEqual({ calls: 0, slow: 0 })
    // Fresh fast calls land in a new bucket and do not meet the stale ones.
    expect(slow.record(10, 10_000)).toBe(false)
    expect(slow.counts(10_000)).toStrictEqual({ calls: 1, slow: 0 })
  })

  it('reuses a ring slot for a later bucket instead of adding to it', () => {
    const slow = new SlowCalls(options)
    slow.record(5000, 0)
    // 10 s later the same slot comes round again: its old count must be gone.
    slow.record(10, 10_500)
    expect(slow.counts(10_500)).toStrictEqual({ calls: 1, slow: 0 })
  })

  it('keeps the same fixed memory however many calls it sees', () => {
    const slow = new SlowCalls(options)
    for (let i = 0; i < 100_000; i++) slow.record(i % 2 === 0 ? 5000 : 10, i)
    // The last 10 s: timestamps 90 000..99 999, half of them slow.
    expect(slow.counts(99_999)).toStrictEqual({ calls: 10_000, slow: 5000 })
  })

  it('works before the epoch (negative timestamps)', () => {
    const slow = new SlowCalls({ ...options, minimumCalls: 2 })
    slow.record(5000, -1500)
    expect(slow.record(5000, -200)).toBe(true)
  })

  it('forgets everything on reset', () => {
    const slow = new SlowCalls(options)
    for (let i = 0; i < 3; i++) slow.record(5000, 0)
    slow.reset()
    expect(slow.counts(0)).toStrictEqual({ calls: 0, slow: 0 })
    expect(slow.record(5000, 0)).toBe(false)
  })

  it('fails fast on invalid options, naming the option', () => {
    const cases: [Partial<SlowCallsOptions>, string][] = [
      [{ thresholdMs: -1 }, 'thresholdMs'],
      [{ rate: 0 }, 'rate'],
      [{ rate: 1.1 }, 'rate'],
      [{ windowMs: 0 }, 'windowMs'],
      [{ minimumCalls: 0 }, 'minimumCalls'],
      [{ minimumCalls: 1.5 }, 'minimumCalls'],
      [{ buckets: 0 }, 'buckets']
    ]
    for (const [overrides, option] of cases) {
      let caught: unknown
      try {
        new SlowCalls({ ...options, ...overrides })
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(RangeError)
      expect((caught as Error).message).toContain(option)
    }
  })
})

describe('CircuitBreaker with slow-call tripping', () => {
  function harness (slowCalls?: SlowCallsOptions) {
    const { breaker, clock, changes } = testBreaker(slowCalls && { slowCalls })
    /** A call that takes `ms` on the breaker's clock, then succeeds or fails with `error`. */
    const call = (ms: number, error?: Error) => breaker.execute(() => {
      clock.advance(ms)
      return error === undefined ? Promise.resolve('ok') : Promise.reject(error)
    }).catch((caught: unknown) => caught)
    return { clock, changes, breaker, call }
  }

  const slowCalls: SlowCallsOptions = { thresholdMs: 1000, rate: 0.5, windowMs: 10_000, minimumCalls: 4 }

  it('opens with reason slow-calls when half of 4 calls took longer than thresholdMs', async () => {
    const h = harness(slowCalls)
    await h.call(10)
    await h.call(2000)
    await h.call(10)
    expect(h.breaker.state).toBe('closed')
    await h.call(1500)
    expect(h.changes).toStrictEqual([{ from: 'closed', to: 'open', reason: 'slow-calls', retryAfterMs: 1000 }])
  })

  it('is off when the option is absent', async () => {
    const h = harness()
    for (let i = 0; i < 50; i++) await h.call(60_000)
    expect(h.breaker.state).toBe('closed')
  })

  it('lets both strategies see a slow failure', async () => {
    // Two slow failures: below the failure threshold, but all the calls in the window are slow.
    const bySlowness = harness({ ...slowCalls, minimumCalls: 2, rate: 1 })
    await bySlowness.call(2000, new UpstreamStatusError(503))
    await bySlowness.call(2000, new UpstreamStatusError(503))
    expect(bySlowness.changes.at(-1)?.reason).toBe('slow-calls')
    expect(bySlowness.breaker.snapshot().consecutiveFailures).toBe(2)

    // Three slow failures with slow-call tripping out of reach: the failure threshold trips.
    const byFailures = harness({ ...slowCalls, minimumCalls: 100 })
    for (let i = 0; i < 3; i++) await byFailures.call(2000, new UpstreamStatusError(503))
    expect(byFailures.changes.at(-1)?.reason).toBe('failure-threshold')
  })

  it('counts slow client errors (the upstream answered, slowly)', async () => {
    const h = harness({ ...slowCalls, minimumCalls: 2, rate: 1 })
    await h.call(2000, new UpstreamStatusError(404))
    await h.call(2000, new UpstreamStatusError(404))
    expect(h.changes.at(-1)?.reason).toBe('slow-calls')
  })

  it('ignores a slow call that settles after the breaker moved on', async () => {
    const h = harness({ ...slowCalls, minimumCalls: 1, rate: 1 })
    let finish: () => void = () => undefined
    const late = h.breaker.execute(() => new Promise<void>((resolve) => { finish = resolve }))
    h.breaker.reset()
    h.clock.advance(5000)
    finish()
    await late
    expect(h.breaker.state).toBe('closed')
  })

  it('starts an empty window when the breaker closes again', async () => {
    const h = harness(slowCalls)
    for (let i = 0; i < 4; i++) await h.call(2000)
    expect(h.breaker.state).toBe('open')
    h.clock.advance(1000)
    await h.call(10)
    expect(h.breaker.state).toBe('closed')
    // With the old calls kept, this would be 5 slow calls out of 5 and trip again at once.
    await h.call(2000)
    expect(h.breaker.state).toBe('closed')
  })
})
