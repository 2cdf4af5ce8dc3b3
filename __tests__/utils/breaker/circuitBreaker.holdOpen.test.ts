import { describe, expect, it } from 'vitest'
import { UpstreamStatusError } from '../../../services/gateway/upstream/upstreamErrors.js'
import { upstreamRetryAfterMs } from '../../../services/gateway/upstream/upstreamFailure.js'
import { testBreaker } from '../../helpers/testBreaker.js'

const START = Date.parse('2025-01-01T00:00:00.000Z')
const down = (): Promise<never> => Promise.reject(new UpstreamStatusError(503))

describe('CircuitBreaker.holdOpenUntil', () => {
  it('opens a closed breaker until the given time, then lets the next call through as the probe', async () => {
    const { breaker, clock, changes } = testBreaker({}, START)
    expect(breaker.holdOpenUntil(START + 30_000)).toBe(true)
    expect(changes).toStrictEqual([{ from: 'closed', to: 'open', reason: 'shared-retry-after', retryAfterMs: 30_000 }])
    expect(breaker.snapshot()).toStrictEqual({ state: 'open', consecutiveFailures: 0, attempt: 0, openedAt: '2025-01-01T00:00:00.000Z', retryAfterMs: 30_000 })

    clock.advance(29_999)
    expect(breaker.peek()).toMatchObject({ reason: 'open', retryAfterMs: 1 })
    clock.advance(1)
    await expect(breaker.execute(() => Promise.resolve('ok'))).resolves.toBe('ok')
    expect(changes.slice(1).map((change) => change.reason)).toEqual(['probe', 'probe-succeeded'])
  })

  it('never shortens an open period that already lasts longer', async () => {
    const { breaker, changes } = testBreaker({ retryAfterMsOf: upstreamRetryAfterMs }, START)
    await breaker.execute(() => Promise.reject(new UpstreamStatusError(503, 20_000))).catch(() => undefined)
    expect(breaker.holdOpenUntil(START + 10_000)).toBe(false)
    expect(breaker.holdOpenUntil(START + 20_000)).toBe(false)
    expect(breaker.snapshot().retryAfterMs).toBe(20_000)
    expect(changes).toHaveLength(1)
  })

  it('extends a shorter open period, keeping when it opened and its backoff step', async () => {
    const { breaker, clock, changes } = testBreaker({}, START)
    for (let i = 0; i < 3; i++) await breaker.execute(down).catch(() => undefined)
    clock.advance(500)
    expect(breaker.holdOpenUntil(START + 15_000)).toBe(true)
    expect(changes.at(-1)).toStrictEqual({ from: 'open', to: 'open', reason: 'shared-retry-after', retryAfterMs: 14_500 })
    expect(breaker.snapshot()).toMatchObject({ state: 'open', attempt: 0, openedAt: '2025-01-01T00:00:00.000Z', retryAfterMs: 14_500 })
  })

  it('abandons a probe in flight: its success does not close the breaker', async () => {
    const { breaker, clock } = testBreaker({}, START)
    for (let i = 0; i < 3; i++) await breaker.execute(down).catch(() => undefined)
    clock.advance(1000)
    let release = (): void => undefined
    const probe = breaker.execute(() => new Promise<void>((resolve) => { release = resolve }))
    expect(breaker.state).toBe('half-open')

    expect(breaker.holdOpenUntil(START + 11_000)).toBe(true)
    release()
    await probe
    expect(breaker.snapshot()).toMatchObject({ state: 'open', retryAfterMs: 10_000 })
  })

  it('leaves the operator\'s forced states alone', () => {
    const { breaker, changes } = testBreaker({}, START)
    breaker.forceOpen()
    expect(breaker.holdOpenUntil(START + 30_000)).toBe(false)
    breaker.forceClose()
    expect(breaker.holdOpenUntil(START + 30_000)).toBe(false)
    expect(breaker.state).toBe('forced-closed')
    expect(changes.map((change) => change.reason)).toEqual(['forced-open', 'forced-closed'])
  })

  it('ignores a time already past, and caps a far one at maxOpenMs', () => {
    const { breaker, clock, changes } = testBreaker({}, START)
    clock.advance(5000)
    expect(breaker.holdOpenUntil(START + 5000)).toBe(false)
    expect(breaker.holdOpenUntil(START)).toBe(false)
    expect(breaker.holdOpenUntil(Number.NaN)).toBe(false)
    expect(changes).toHaveLength(0)

    expect(breaker.holdOpenUntil(START + 86_400_000)).toBe(true)
    expect(breaker.snapshot().retryAfterMs).toBe(60_000)
  })

  it('reports no upstream Retry-After of its own, so what it was told is not passed on again', () => {
    const { breaker, changes } = testBreaker({}, START)
    breaker.holdOpenUntil(START + 30_000)
    expect(changes[0]).not.toHaveProperty('upstreamRetryAt')
  })
})
