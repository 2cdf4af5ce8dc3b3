import { describe, it, expect } from 'vitest'
import { BreakerRejection } from '../../../utils/breaker/circuitBreaker.js'
import { UpstreamStatusError } from '../../../services/gateway/upstream/upstreamErrors.js'
import { rejectionOf } from '../../helpers/rejectionOf.js'
import { testBreaker } from '../../helpers/testBreaker.js'

const START = Date.parse('2025-01-01T00:00:00.000Z')

/** Threshold 3 in 10 s, backoff 1 s doubling to 30 s with no jitter at a draw of 0.5, maxOpenMs 60 s. */
function harness () {
  const { breaker, clock, changes } = testBreaker({}, START)
  let calls = 0
  const counted = <T>(fn: () => Promise<T>) => () => { calls++; return fn() }
  return {
    clock,
    changes,
    breaker,
    get calls () { return calls },
    succeed: () => breaker.execute(counted(() => Promise.resolve('ok'))),
    fail: () => breaker.execute(counted(() => Promise.reject(new UpstreamStatusError(503)))).catch((error: unknown) => error),
    /** A call that settles when the test says so; its outcome, once settled, comes back from `done`. */
    hold () {
      let settle: (outcome: 'ok' | Error) => void = () => undefined
      const done = breaker.execute(counted(() => new Promise<string>((resolve, reject) => {
        settle = (outcome) => { if (outcome === 'ok') resolve('ok'); else reject(outcome) }
      }))).catch((error: unknown) => error)
      return { settle: (outcome: 'ok' | Error) => { settle(outcome) }, done }
    }
  }
}

describe('CircuitBreaker.forceOpen', () => {
  it('rejects every call without calling fn, for as long as it takes, with maxOpenMs as Retry-After', async () => {
    const h = harness()
    h.breaker.forceOpen()
    for (const ms of [0, 60_000, 86_400_000]) {
      h.clock.advance(ms)
      const error = await rejectionOf(h.succeed())
      expect(error).toBeInstanceOf(BreakerRejection)
      expect(error).toMatchObject({ reason: 'forced-open', retryAfterMs: 60_000 })
    }
    expect(h.calls).toBe(0)
    expect(h.breaker.snapshot()).toStrictEqual({ state: 'forced-open', consecutiveFailures: 0, attempt: 0, openedAt: '2025-01-01T00:00:00.000Z' })
    expect(h.changes).toStrictEqual([{ from: 'closed', to: 'forced-open', reason: 'forced-open' }])
  })

  it('ends with forceClose or reset, not by itself', async () => {
    const h = harness()
    h.breaker.forceOpen()
    h.breaker.forceClose()
    await h.succeed()
    h.breaker.forceOpen()
    h.breaker.reset()
    await h.succeed()
    expect(h.changes.map((change) => [change.from, change.to, change.reason])).toEqual([
      ['closed', 'forced-open', 'forced-open'],
      ['forced-open', 'forced-closed', 'forced-closed'],
      ['forced-closed', 'forced-open', 'forced-open'],
      ['forced-open', 'closed', 'reset']
    ])
    expect(h.calls).toBe(2)
  })
})

describe('CircuitBreaker.forceClose', () => {
  it('lets every call through and ignores failures', async () => {
    const h = harness()
    h.breaker.forceClose()
    for (let i = 0; i < 20; i++) await h.fail()
    expect(h.calls).toBe(20)
    expect(h.breaker.snapshot()).toStrictEqual({ state: 'forced-closed', consecutiveFailures: 0, attempt: 0 })
    expect(h.changes).toStrictEqual([{ from: 'closed', to: 'forced-closed', reason: 'forced-closed' }])
  })

  it('lets calls through at once from open, without waiting for retryAt or probing', async () => {
    const h = harness()
    for (let i = 0; i < 3; i++) await h.fail()
    h.breaker.forceClose()
    await expect(h.succeed()).resolves.toBe('ok')
    await expect(h.succeed()).resolves.toBe('ok')
    expect(h.breaker.state).toBe('forced-closed')
  })
})

describe('CircuitBreaker.reset', () => {
  it('clears the failure run', async () => {
    const h = harness()
    await h.fail()
    await h.fail()
    h.breaker.reset()
    await h.fail()
    await h.fail()
    expect(h.breaker.snapshot()).toStrictEqual({ state: 'closed', consecutiveFailures: 2, attempt: 0 })
  })

  it('forgets the remembered backoff step', async () => {
    const h = harness()
    for (let i = 0; i < 3; i++) await h.fail()
    h.clock.advance(1000)
    await h.fail()
    h.clock.advance(2000)
    await h.succeed()
    expect(h.breaker.snapshot().attempt).toBe(1)

    h.breaker.reset()
    expect(h.breaker.snapshot()).toStrictEqual({ state: 'closed', consecutiveFailures: 0, attempt: 0 })
    for (let i = 0; i < 3; i++) await h.fail()
    expect(h.changes.at(-1)).toStrictEqual({ from: 'closed', to: 'open', reason: 'failure-threshold', retryAfterMs: 1000 })
  })

  it('closes an open breaker at once', async () => {
    const h = harness()
    for (let i = 0; i < 3; i++) await h.fail()
    h.breaker.reset()
    await expect(h.succeed()).resolves.toBe('ok')
    expect(h.changes.at(-1)).toStrictEqual({ from: 'open', to: 'closed', reason: 'reset' })
  })
})

describe('CircuitBreaker operator commands and late results', () => {
  it('keeps forced-open when calls started before it settle, whatever their outcome', async () => {
    const h = harness()
    const calls = [h.hold(), h.hold(), h.hold(), h.hold()]
    h.breaker.forceOpen()
    calls[0]!.settle(new UpstreamStatusError(503))
    calls[1]!.settle(new UpstreamStatusError(503))
    calls[2]!.settle(new UpstreamStatusError(503))
    calls[3]!.settle('ok')
    await Promise.all(calls.map((call) => call.done))
    expect(h.breaker.state).toBe('forced-open')
    expect(h.changes).toHaveLength(1)
  })

  it('keeps forced-closed when the probe that was in flight fails', async () => {
    const h = harness()
    for (let i = 0; i < 3; i++) await h.fail()
    h.clock.advance(1000)
    const probe = h.hold()
    expect(h.breaker.state).toBe('half-open')
    h.breaker.forceClose()
    probe.settle(new UpstreamStatusError(503))
    await probe.done
    expect(h.breaker.state).toBe('forced-closed')
  })

  it('does not count, after a reset, failures of calls started before it', async () => {
    const h = harness()
    h.breaker.forceClose()
    const before = [h.hold(), h.hold(), h.hold()]
    h.breaker.reset()
    for (const call of before) call.settle(new UpstreamStatusError(503))
    await Promise.all(before.map((call) => call.done))
    expect(h.breaker.snapshot()).toStrictEqual({ state: 'closed', consecutiveFailures: 0, attempt: 0 })
  })

  it('does not let a probe that succeeds after a reset and a new trip close the new open period', async () => {
    const h = harness()
    for (let i = 0; i < 3; i++) await h.fail()
    h.clock.advance(1000)
    const probe = h.hold()
    h.breaker.reset()
    for (let i = 0; i < 3; i++) await h.fail()
    probe.settle('ok')
    await probe.done
    expect(h.breaker.state).toBe('open')
  })
})
