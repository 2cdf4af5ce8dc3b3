import { describe, expect, it } from 'vitest'
import { UpstreamStatusError } from '../../../services/gateway/upstream/upstreamErrors.js'
import { BreakerRejection } from '../../../utils/breaker/circuitBreaker.js'
import { rejectionOf } from '../../helpers/rejectionOf.js'
import { testBreaker } from '../../helpers/testBreaker.js'

/** What a caller that gave up on its call sees; says nothing about the upstream. */
class Abandoned extends Error {}

function harness () {
  const h = testBreaker({
    isIgnored: (error) => error instanceof Abandoned,
    // Only a 4xx is healthy: proves an ignored call is not merely "not a failure".
    isFailure: (error) => !(error instanceof UpstreamStatusError && error.upstreamStatus < 500)
  })
  const fail = (error: Error): Promise<unknown> => rejectionOf(h.breaker.execute(() => Promise.reject(error)))
  return { ...h, fail }
}

describe('CircuitBreaker: calls whose outcome is ignored', () => {
  it('neither count as a failure nor break a run of failures while closed', async () => {
    const h = harness()
    await h.fail(new UpstreamStatusError(503))
    await h.fail(new UpstreamStatusError(503))
    await h.fail(new Abandoned())
    expect(h.breaker.snapshot()).toMatchObject({ state: 'closed', consecutiveFailures: 2 })
    await h.fail(new UpstreamStatusError(503))
    expect(h.breaker.state).toBe('open')
  })

  it('still reach the caller unchanged', async () => {
    const h = harness()
    const error = new Abandoned()
    expect(await h.fail(error)).toBe(error)
  })

  it('hand the probe to the next call, at the same backoff step, when the probe is abandoned', async () => {
    const h = harness()
    for (let i = 0; i < 3; i++) await h.fail(new UpstreamStatusError(503))
    h.clock.advance(1000)
    await h.fail(new Abandoned())

    expect(h.changes.at(-1)).toStrictEqual({ from: 'half-open', to: 'open', reason: 'probe-abandoned', retryAfterMs: 0 })
    expect(h.breaker.snapshot()).toMatchObject({ state: 'open', attempt: 0, retryAfterMs: 0 })
    expect(h.breaker.peek()).toBeUndefined()

    // The next call is the probe; its failure raises the step as any failed probe does.
    await h.fail(new UpstreamStatusError(503))
    expect(h.changes.at(-1)).toStrictEqual({ from: 'half-open', to: 'open', reason: 'probe-failed', retryAfterMs: 2000 })
  })

  it('leave other calls turned away while the probe is in flight', async () => {
    const h = harness()
    for (let i = 0; i < 3; i++) await h.fail(new UpstreamStatusError(503))
    h.clock.advance(1000)
    let abandon: (error: Error) => void = () => undefined
    const probe = rejectionOf(h.breaker.execute(() => new Promise((_resolve, reject) => { abandon = reject })))
    expect(await h.fail(new UpstreamStatusError(503))).toBeInstanceOf(BreakerRejection)
    abandon(new Abandoned())
    await probe
    expect(h.breaker.state).toBe('open')
  })
})
