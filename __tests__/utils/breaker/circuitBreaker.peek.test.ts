import { describe, expect, it } from 'vitest'
import { BreakerRejection } from '../../../utils/breaker/circuitBreaker.js'
import { testBreaker } from '../../helpers/testBreaker.js'

describe('CircuitBreaker.peek', () => {
  it('says what a call would get now, without starting one or moving the breaker', async () => {
    const { breaker, clock, changes } = testBreaker()
    expect(breaker.peek()).toBeUndefined()
    for (let i = 0; i < 3; i++) await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined)
    expect(breaker.state).toBe('open')
    const seen = changes.length

    clock.advance(400)
    const whileOpen = breaker.peek()
    expect(whileOpen).toBeInstanceOf(BreakerRejection)
    expect(whileOpen).toMatchObject({ reason: 'open', retryAfterMs: 600 })

    // Past the open period the next call would be the probe: peek lets it through, and leaves the breaker open.
    clock.advance(600)
    expect(breaker.peek()).toBeUndefined()
    expect(breaker.state).toBe('open')
    expect(changes).toHaveLength(seen)

    let release = (): void => undefined
    const probe = breaker.execute(() => new Promise<void>((resolve) => { release = resolve }))
    expect(breaker.peek()).toMatchObject({ reason: 'half-open', retryAfterMs: 1000 })
    release()
    await probe
    expect(breaker.peek()).toBeUndefined()

    breaker.forceOpen()
    expect(breaker.peek()).toMatchObject({ reason: 'forced-open', retryAfterMs: 60_000 })
    breaker.forceClose()
    expect(breaker.peek()).toBeUndefined()
  })

  it('says the same as plain data through refusal(), without building an error', async () => {
    const { breaker, clock } = testBreaker()
    expect(breaker.refusal()).toBeUndefined()
    for (let i = 0; i < 3; i++) await breaker.execute(() => Promise.reject(new Error('down'))).catch(() => undefined)
    clock.advance(400)
    const refusal = breaker.refusal()
    expect(refusal).toEqual({ reason: 'open', retryAfterMs: 600 })
    expect(refusal).not.toBeInstanceOf(Error)
    expect(breaker.peek()).toMatchObject({ ...refusal })
    clock.advance(600)
    expect(breaker.refusal()).toBeUndefined()
    breaker.forceOpen()
    expect(breaker.refusal()).toEqual({ reason: 'forced-open', retryAfterMs: 60_000 })
  })
})
