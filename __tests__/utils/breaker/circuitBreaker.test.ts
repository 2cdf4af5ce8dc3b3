import { describe, it, expect } from 'vitest'
import { createExponentialBackoff } from '../../../utils/backoff.js'
import { isUpstreamFailure, isUpstreamThrottle, upstreamRetryAfterMs } from '../../../services/gateway/upstream/upstreamFailure.js'
import { BreakerRejection, CircuitBreaker } from '../../../utils/breaker/circuitBreaker.js'
import type { BreakerTransition, CircuitBreakerOptions } from '../../../utils/breaker/circuitBreaker.js'
import { createManualClock } from '../../../utils/clock.js'
import { UpstreamDisconnectedError, UpstreamStatusError, UpstreamTimeoutError } from '../../../services/gateway/upstream/upstreamErrors.js'
import { rejectionOf } from '../../helpers/rejectionOf.js'

const START = Date.parse('2025-01-01T00:00:00.000Z')

interface Deferred<T> {
  readonly promise: Promise<T>
  readonly resolve: (value: T) => void
  readonly reject: (error: Error) => void
}

function deferred<T> (): Deferred<T> {
  let resolve: (value: T) => void = () => undefined
  let reject: (error: Error) => void = () => undefined
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** A breaker with threshold 3 in 10 s, backoff 1 s doubling to 30 s, and a draw of 0.5 that lands on the nominal wait. */
function harness (overrides: Partial<CircuitBreakerOptions> = {}) {
  const clock = createManualClock(START)
  const changes: BreakerTransition[] = []
  const breaker = new CircuitBreaker({
    failureThreshold: 3,
    windowMs: 10_000,
    backoff: createExponentialBackoff({ baseMs: 1000, maxMs: 30_000, jitterRatio: 0.2 }),
    maxOpenMs: 60_000,
    clock: clock.now,
    random: () => 0.5,
    // Like the app: a 4xx means the upstream answered, anything else means it is unhealthy.
    isFailure: (error) => !(error instanceof UpstreamStatusError && error.upstreamStatus < 500),
    retryAfterMsOf: (error) => error instanceof UpstreamStatusError ? error.upstreamRetryAfterMs : undefined,
    onStateChange: (change) => { changes.push(change) },
    ...overrides
  })

  let calls = 0
  return {
    clock,
    changes,
    breaker,
    get calls () { return calls },
    /** Runs a call that succeeds and checks the value comes back. */
    async succeed (): Promise<void> {
      const value = { ok: true }
      await expect(breaker.execute(() => { calls++; return Promise.resolve(value) })).resolves.toBe(value)
    },
    /** Runs a call that fails and checks the very same error comes back. */
    async fail (error: Error = new UpstreamStatusError(503)): Promise<void> {
      await expect(breaker.execute(() => { calls++; return Promise.reject(error) })).rejects.toBe(error)
    },
    async trip (): Promise<void> {
      for (let i = 0; i < 3; i++) await this.fail()
    },
    /** Checks the breaker still refuses 1 ms before `ms` has passed, with 1 ms left, then lets that 1 ms pass. */
    async expectOpenFor (ms: number): Promise<void> {
      clock.advance(ms - 1)
      await expectBreakerOpen(breaker.execute(() => Promise.resolve('no')), 1)
      clock.advance(1)
    }
  }
}

async function expectBreakerOpen (promise: Promise<unknown>, retryAfterMs: number): Promise<void> {
  const error = await rejectionOf(promise)
  expect(error).toBeInstanceOf(BreakerRejection)
  expect(error).toHaveProperty('retryAfterMs', retryAfterMs)
}

describe('CircuitBreaker while closed', () => {
  it('passes calls through and returns their values', async () => {
    const h = harness()
    await h.succeed()
    await h.fail(new UpstreamTimeoutError(500))
    expect(h.calls).toBe(2)
    expect(h.breaker.state).toBe('closed')
  })

  it('opens after failureThreshold consecutive failures within windowMs', async () => {
    const h = harness()
    await h.fail()
    await h.fail()
    expect(h.breaker.state).toBe('closed')
    await h.fail()
    expect(h.breaker.state).toBe('open')
    expect(h.changes).toStrictEqual([{ from: 'closed', to: 'open', reason: 'failure-threshold', retryAfterMs: 1000 }])
  })

  it('counts a synchronous throw from fn as a failure', async () => {
    const h = harness()
    const error = new UpstreamTimeoutError(500)
    for (let i = 0; i < 3; i++) {
      await expect(h.breaker.execute(() => { throw error })).rejects.toBe(error)
    }
    expect(h.breaker.state).toBe('open')
  })

  it('does not open when the threshold failures spread wider than the window', async () => {
    const h = harness()
    await h.fail()
    h.clock.advance(6000)
    await h.fail()
    h.clock.advance(4001)
    await h.fail()
    expect(h.breaker.state).toBe('closed')
    expect(h.changes).toEqual([])
  })

  it('starts a new run after a success in between', async () => {
    const h = harness()
    await h.fail()
    await h.fail()
    await h.succeed()
    await h.fail()
    await h.fail()
    expect(h.breaker.state).toBe('closed')
    expect(h.breaker.snapshot().consecutiveFailures).toBe(2)
  })

  it('never opens on 100 non-failures (4xx), yet rethrows each of them', async () => {
    const h = harness()
    for (let i = 0; i < 100; i++) await h.fail(new UpstreamStatusError(404))
    expect(h.breaker.state).toBe('closed')
    expect(h.breaker.snapshot().consecutiveFailures).toBe(0)
    expect(h.changes).toEqual([])
  })

  it('treats a 4xx as the upstream answering: it breaks a failure run', async () => {
    const h = harness()
    await h.fail()
    await h.fail()
    await h.fail(new UpstreamStatusError(409))
    await h.fail()
    expect(h.breaker.state).toBe('closed')
  })
})

describe('CircuitBreaker while open', () => {
  it('rejects without calling fn, with the remaining time, which shrinks as the clock moves', async () => {
    const h = harness()
    await h.trip()
    const callsWhenOpened = h.calls

    await expectBreakerOpen(h.breaker.execute(() => { throw new Error('must not be called') }), 1000)
    h.clock.advance(400)
    await expectBreakerOpen(h.breaker.execute(() => Promise.resolve('no')), 600)
    h.clock.advance(599)
    await expectBreakerOpen(h.breaker.execute(() => Promise.resolve('no')), 1)

    expect(h.calls).toBe(callsWhenOpened)
    expect(h.breaker.state).toBe('open')
  })

  it('turns half-open on the first call once retryAt is reached, and that call is the probe', async () => {
    const h = harness()
    await h.trip()
    h.clock.advance(1000)
    const probe = deferred<string>()
    const result = h.breaker.execute(() => probe.promise)
    expect(h.breaker.state).toBe('half-open')
    expect(h.changes.at(-1)).toStrictEqual({ from: 'open', to: 'half-open', reason: 'probe' })
    probe.resolve('fresh')
    await expect(result).resolves.toBe('fresh')
  })

  it('uses the injected random for the jitter of the open period', async () => {
    const h = harness({ random: () => 0 })
    await h.trip()
    expect(h.changes[0]?.retryAfterMs).toBe(800)
    h.clock.advance(799)
    await expectBreakerOpen(h.breaker.execute(() => Promise.resolve('no')), 1)
  })
})

describe('CircuitBreaker while half-open', () => {
  it('lets exactly one probe through: 50 concurrent calls are turned away', async () => {
    const h = harness({ halfOpenRetryAfterMs: 2500 })
    await h.trip()
    h.clock.advance(1000)

    let calls = 0
    const probe = deferred<string>()
    const fn = (): Promise<string> => { calls++; return probe.promise }
    const first = h.breaker.execute(fn)
    const others = await Promise.allSettled(Array.from({ length: 50 }, () => h.breaker.execute(fn)))

    expect(calls).toBe(1)
    expect(others).toHaveLength(50)
    for (const other of others) {
      expect(other.status).toBe('rejected')
      const reason: unknown = other.status === 'rejected' ? other.reason : undefined
      expect(reason).toBeInstanceOf(BreakerRejection)
      expect(reason).toHaveProperty('retryAfterMs', 2500)
    }

    probe.resolve('fresh')
    await expect(first).resolves.toBe('fresh')
    expect(h.breaker.state).toBe('closed')
  })

  it('closes when the probe succeeds, keeping the backoff step until decayMs has passed', async () => {
    const h = harness()
    await h.trip()
    h.clock.advance(1000)
    await h.fail()
    expect(h.breaker.snapshot().attempt).toBe(1)
    h.clock.advance(2000)
    await h.succeed()

    expect(h.breaker.state).toBe('closed')
    expect(h.breaker.snapshot()).toStrictEqual({ state: 'closed', consecutiveFailures: 0, attempt: 1 })
    h.clock.advance(60_000)
    expect(h.breaker.snapshot()).toStrictEqual({ state: 'closed', consecutiveFailures: 0, attempt: 0 })
    await h.trip()
    expect(h.changes.at(-1)).toStrictEqual({ from: 'closed', to: 'open', reason: 'failure-threshold', retryAfterMs: 1000 })
  })

  it('closes when the probe gets a non-failure (4xx), still handing the 4xx to the caller', async () => {
    const h = harness()
    await h.trip()
    h.clock.advance(1000)
    await h.fail(new UpstreamStatusError(422))
    expect(h.breaker.state).toBe('closed')
  })

  it('reopens with the next backoff step when the probe fails', async () => {
    const h = harness()
    await h.trip()
    h.clock.advance(1000)
    await h.fail()

    expect(h.breaker.state).toBe('open')
    expect(h.breaker.snapshot().attempt).toBe(1)
    expect(h.changes.at(-1)).toStrictEqual({ from: 'half-open', to: 'open', reason: 'probe-failed', retryAfterMs: 2000 })
    h.clock.advance(1999)
    await expectBreakerOpen(h.breaker.execute(() => Promise.resolve('no')), 1)
  })

  it('grows the open period 1000, 2000, 4000, … up to maxMs over failed probes', async () => {
    const h = harness({ backoff: createExponentialBackoff({ baseMs: 1000, maxMs: 8000 }) })
    await h.trip()
    for (let i = 0; i < 5; i++) {
      h.clock.advance(h.breaker.snapshot().retryAfterMs ?? 0)
      await h.fail()
    }
    const openings = h.changes.filter((change) => change.to === 'open').map((change) => change.retryAfterMs)
    expect(openings).toEqual([1000, 2000, 4000, 8000, 8000, 8000])
  })
})

describe('CircuitBreaker and the upstream Retry-After', () => {
  it('opens on a single failure carrying Retry-After, below the threshold', async () => {
    const h = harness()
    await h.fail(new UpstreamStatusError(503, 5000))
    expect(h.breaker.state).toBe('open')
    expect(h.changes).toStrictEqual([{ from: 'closed', to: 'open', reason: 'upstream-retry-after', retryAfterMs: 5000, upstreamRetryAt: START + 5000 }])
  })

  it('stays open at least as long as the upstream asked, past the backoff', async () => {
    const h = harness()
    await h.fail(new UpstreamStatusError(503, 5000))
    await h.expectOpenFor(5000)
    await h.succeed()
    expect(h.breaker.state).toBe('closed')
  })

  it('keeps the backoff when the upstream asks for less', async () => {
    const h = harness()
    await h.fail(new UpstreamStatusError(429, 100))
    // A 429 is not a failure, so it neither counts nor opens.
    expect(h.breaker.state).toBe('closed')
    await h.fail(new UpstreamStatusError(503, 100))
    expect(h.changes.at(-1)?.retryAfterMs).toBe(1000)
  })

  it('clamps the upstream Retry-After to maxOpenMs', async () => {
    const h = harness({ maxOpenMs: 60_000 })
    await h.fail(new UpstreamStatusError(503, 3_600_000))
    expect(h.changes.at(-1)?.retryAfterMs).toBe(60_000)
    await h.expectOpenFor(60_000)
    await h.succeed()
    expect(h.breaker.state).toBe('closed')
  })

  it('honours Retry-After on the failure that reaches the threshold and on a failed probe', async () => {
    const h = harness()
    await h.fail()
    await h.fail()
    await h.fail(new UpstreamStatusError(503, 7000))
    expect(h.changes.at(-1)).toStrictEqual({ from: 'closed', to: 'open', reason: 'failure-threshold', retryAfterMs: 7000, upstreamRetryAt: START + 7000 })
    h.clock.advance(7000)
    await h.fail(new UpstreamStatusError(503, 20_000))
    expect(h.changes.at(-1)).toStrictEqual({ from: 'half-open', to: 'open', reason: 'probe-failed', retryAfterMs: 20_000, upstreamRetryAt: START + 27_000 })
  })

  it('ignores a nonsensical upstream Retry-After', async () => {
    const h = harness({ retryAfterMsOf: () => Number.NaN })
    await h.fail()
    expect(h.breaker.state).toBe('closed')
  })
})

describe('CircuitBreaker and late results', () => {
  it('does not extend retryAt when a call started while closed fails after the breaker opened', async () => {
    const h = harness()
    const slow = deferred<string>()
    const late = h.breaker.execute(() => slow.promise)
    await h.trip()
    h.clock.advance(500)

    const error = new UpstreamStatusError(503, 50_000)
    slow.reject(error)
    await expect(late).rejects.toBe(error)

    expect(h.breaker.snapshot().retryAfterMs).toBe(500)
    expect(h.changes).toHaveLength(1)
  })

  it('does not close when a call started while closed succeeds while open', async () => {
    const h = harness()
    const slow = deferred<string>()
    const late = h.breaker.execute(() => slow.promise)
    await h.trip()

    slow.resolve('late')
    await expect(late).resolves.toBe('late')

    expect(h.breaker.state).toBe('open')
    expect(h.breaker.snapshot().consecutiveFailures).toBe(3)
    expect(h.changes).toHaveLength(1)
  })

  it('does not close when a call started before the probe succeeds during the probe', async () => {
    const h = harness()
    const slow = deferred<string>()
    const late = h.breaker.execute(() => slow.promise)
    await h.trip()
    h.clock.advance(1000)
    const probe = deferred<string>()
    const probing = h.breaker.execute(() => probe.promise)

    slow.resolve('late')
    await expect(late).resolves.toBe('late')
    expect(h.breaker.state).toBe('half-open')

    // Only the probe decides: it fails, so the breaker reopens one step further.
    const error = new UpstreamStatusError(503)
    probe.reject(error)
    await expect(probing).rejects.toBe(error)
    expect(h.breaker.state).toBe('open')
    expect(h.breaker.snapshot().attempt).toBe(1)
  })

  it('does not reopen when a call started before the probe fails during the probe', async () => {
    const h = harness()
    const slow = deferred<string>()
    const late = h.breaker.execute(() => slow.promise)
    await h.trip()
    h.clock.advance(1000)
    const probe = deferred<string>()
    const probing = h.breaker.execute(() => probe.promise)

    const error = new UpstreamStatusError(503, 50_000)
    slow.reject(error)
    await expect(late).rejects.toBe(error)
    expect(h.breaker.state).toBe('half-open')

    probe.resolve('fresh')
    await expect(probing).resolves.toBe('fresh')
    expect(h.breaker.state).toBe('closed')
  })

  it('does not count a failure from a previous closed period', async () => {
    const h = harness()
    const slow = deferred<string>()
    const late = h.breaker.execute(() => slow.promise)
    await h.trip()
    h.clock.advance(1000)
    await h.succeed()
    await h.fail()
    await h.fail()

    slow.reject(new UpstreamStatusError(503))
    await expect(late).rejects.toBeInstanceOf(UpstreamStatusError)

    expect(h.breaker.state).toBe('closed')
    expect(h.breaker.snapshot().consecutiveFailures).toBe(2)
  })
})

describe('CircuitBreaker onStateChange', () => {
  it('reports every transition with its reason, in order', async () => {
    const h = harness()
    await h.trip()
    h.clock.advance(1000)
    await h.fail()
    h.clock.advance(2000)
    await h.succeed()
    await h.fail(new UpstreamStatusError(503, 5000))
    h.clock.advance(5000)
    await h.succeed()

    expect(h.changes).toStrictEqual([
      { from: 'closed', to: 'open', reason: 'failure-threshold', retryAfterMs: 1000 },
      { from: 'open', to: 'half-open', reason: 'probe' },
      { from: 'half-open', to: 'open', reason: 'probe-failed', retryAfterMs: 2000 },
      { from: 'open', to: 'half-open', reason: 'probe' },
      { from: 'half-open', to: 'closed', reason: 'probe-succeeded' },
      { from: 'closed', to: 'open', reason: 'upstream-retry-after', retryAfterMs: 5000, upstreamRetryAt: START + 8000 },
      { from: 'open', to: 'half-open', reason: 'probe' },
      { from: 'half-open', to: 'closed', reason: 'probe-succeeded' }
    ])
  })
})

describe('CircuitBreaker snapshot', () => {
  it('describes the closed state with the current failure run', async () => {
    const h = harness()
    expect(h.breaker.snapshot()).toStrictEqual({ state: 'closed', consecutiveFailures: 0, attempt: 0 })
    await h.fail()
    await h.fail()
    expect(h.breaker.snapshot()).toStrictEqual({ state: 'closed', consecutiveFailures: 2, attempt: 0 })
  })

  it('describes the open state with openedAt and the remaining time, as plain JSON', async () => {
    const h = harness()
    await h.trip()
    h.clock.advance(250)
    const snapshot = h.breaker.snapshot()
    expect(snapshot).toStrictEqual({
      state: 'open',
      consecutiveFailures: 3,
      attempt: 0,
      openedAt: '2025-01-01T00:00:00.000Z',
      retryAfterMs: 750
    })
    expect(JSON.parse(JSON.stringify(snapshot))).toStrictEqual(snapshot)

    // The breaker turns half-open only on a call, so until then it reports zero time left.
    h.clock.advance(5000)
    expect(h.breaker.snapshot()).toMatchObject({ state: 'open', retryAfterMs: 0 })
  })

  it('describes the half-open state with its attempt', async () => {
    const h = harness()
    await h.trip()
    h.clock.advance(1000)
    await h.fail()
    h.clock.advance(2000)
    const probe = deferred<string>()
    const probing = h.breaker.execute(() => probe.promise)
    expect(h.breaker.snapshot()).toStrictEqual({ state: 'half-open', consecutiveFailures: 3, attempt: 1 })
    probe.resolve('fresh')
    await expect(probing).resolves.toBe('fresh')
  })
})

describe('CircuitBreaker options', () => {
  it('fails fast on invalid options', () => {
    const invalid: Partial<CircuitBreakerOptions>[] = [
      { failureThreshold: 0 },
      { windowMs: -1 },
      { maxOpenMs: Number.NaN },
      { halfOpenRetryAfterMs: 0 },
      { decayMs: 0 },
      { decayMs: Number.POSITIVE_INFINITY },
      { slowCalls: { thresholdMs: 100, rate: 0, windowMs: 1000, minimumCalls: 1 } }
    ]
    for (const overrides of invalid) {
      let caught: unknown
      try {
        harness(overrides)
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(RangeError)
    }
  })
})

/** Opening durations, in the order the breaker reported them. */
function openings (changes: readonly BreakerTransition[]): (number | undefined)[] {
  return changes.filter((change) => change.to === 'open').map((change) => change.retryAfterMs)
}

describe('CircuitBreaker and throttling (isThrottle)', () => {
  // The app's own classification: a 429 is both a failure and a throttle, and the throttle wins.
  const appLike = { isFailure: isUpstreamFailure, isThrottle: isUpstreamThrottle, retryAfterMsOf: upstreamRetryAfterMs }

  it('pauses for the upstream Retry-After without counting toward the failure run', async () => {
    const h = harness(appLike)
    await h.fail()
    await h.fail()
    await h.fail(new UpstreamStatusError(429, 5000))

    expect(h.changes).toStrictEqual([{ from: 'closed', to: 'open', reason: 'throttled', retryAfterMs: 5000, upstreamRetryAt: START + 5000 }])
    expect(h.breaker.snapshot()).toMatchObject({ state: 'open', consecutiveFailures: 2, attempt: 0 })
    await h.expectOpenFor(5000)
    await h.succeed()
    expect(h.breaker.snapshot()).toStrictEqual({ state: 'closed', consecutiveFailures: 0, attempt: 0 })
  })

  it('clamps the upstream Retry-After of a throttle to maxOpenMs', async () => {
    const h = harness({ ...appLike, maxOpenMs: 20_000 })
    await h.fail(new UpstreamStatusError(429, 3_600_000))
    // What the upstream asked is capped the same way before it is shared.
    expect(h.changes.at(-1)).toStrictEqual({ from: 'closed', to: 'open', reason: 'throttled', retryAfterMs: 20_000, upstreamRetryAt: START + 20_000 })
  })

  it('pauses for the un-jittered backoff of the current step when the throttle has no Retry-After', async () => {
    // The lowest draw would make a jittered wait of 800 ms and 1600 ms; a throttle uses the nominal one.
    const h = harness({ ...appLike, random: () => 0 })
    await h.fail(new UpstreamStatusError(429))
    expect(h.changes.at(-1)?.retryAfterMs).toBe(1000)
    h.clock.advance(1000)
    await h.fail()
    expect(h.breaker.snapshot().attempt).toBe(1)
    h.clock.advance(h.breaker.snapshot().retryAfterMs ?? 0)
    await h.fail(new UpstreamStatusError(429))
    expect(h.changes.at(-1)).toStrictEqual({ from: 'half-open', to: 'open', reason: 'throttled', retryAfterMs: 2000 })
  })

  it('re-pauses on a throttled probe without raising the step', async () => {
    const h = harness(appLike)
    await h.trip()
    h.clock.advance(1000)
    await h.fail(new UpstreamStatusError(429, 3000))
    expect(h.changes.at(-1)).toStrictEqual({ from: 'half-open', to: 'open', reason: 'throttled', retryAfterMs: 3000, upstreamRetryAt: START + 4000 })
    expect(h.breaker.snapshot().attempt).toBe(0)

    h.clock.advance(3000)
    await h.fail()
    // Step 1, not 2: the throttle in between did not count.
    expect(h.changes.at(-1)).toStrictEqual({ from: 'half-open', to: 'open', reason: 'probe-failed', retryAfterMs: 2000 })
  })

  it('still raises the step on 5xx, timeouts and dropped connections', async () => {
    const h = harness(appLike)
    await h.trip()
    for (const error of [new UpstreamStatusError(500), new UpstreamTimeoutError(3000), new UpstreamDisconnectedError(new Error('socket hang up'))]) {
      h.clock.advance(h.breaker.snapshot().retryAfterMs ?? 0)
      await h.fail(error)
    }
    expect(openings(h.changes)).toEqual([1000, 2000, 4000, 8000])
    expect(h.breaker.snapshot().attempt).toBe(3)
  })
})

describe('CircuitBreaker backoff decay', () => {
  /** Trips, fails `failedProbes` probes, then lets one succeed: closed, remembering step `failedProbes`. */
  async function recoverAfter (h: ReturnType<typeof harness>, failedProbes: number): Promise<void> {
    await h.trip()
    for (let i = 0; i < failedProbes; i++) {
      h.clock.advance(h.breaker.snapshot().retryAfterMs ?? 0)
      await h.fail()
    }
    h.clock.advance(h.breaker.snapshot().retryAfterMs ?? 0)
    await h.succeed()
  }

  it('opens from closed at the remembered step when the upstream fails again soon', async () => {
    const h = harness()
    await recoverAfter(h, 2)
    expect(h.breaker.snapshot()).toStrictEqual({ state: 'closed', consecutiveFailures: 0, attempt: 2 })
    await h.trip()
    expect(h.changes.at(-1)).toStrictEqual({ from: 'closed', to: 'open', reason: 'failure-threshold', retryAfterMs: 4000 })
    expect(h.breaker.snapshot().attempt).toBe(2)
  })

  it('drops one step per decayMs spent closed, read from the clock, and stops at 0', async () => {
    const h = harness({ decayMs: 10_000 })
    await recoverAfter(h, 2)
    const attempts: number[] = []
    for (const ms of [9999, 1, 9999, 1, 50_000]) {
      h.clock.advance(ms)
      attempts.push(h.breaker.snapshot().attempt)
    }
    expect(attempts).toEqual([2, 1, 1, 0, 0])
    await h.trip()
    expect(h.changes.at(-1)?.retryAfterMs).toBe(1000)
  })

  it('opens at the decayed step, not the remembered one', async () => {
    const h = harness({ decayMs: 10_000 })
    await recoverAfter(h, 3)
    h.clock.advance(20_000)
    await h.trip()
    expect(h.breaker.snapshot().attempt).toBe(1)
    expect(h.changes.at(-1)?.retryAfterMs).toBe(2000)
  })

  it('gives a flapping upstream longer and longer pauses', async () => {
    const h = harness()
    for (let round = 0; round < 3; round++) await recoverAfter(h, 1)
    // Each round: the trip resumes from the remembered step, and the failed probe adds one.
    expect(openings(h.changes)).toEqual([1000, 2000, 2000, 4000, 4000, 8000])
  })

  it('uses the decayed step for the pause of a throttle without Retry-After', async () => {
    const h = harness({ isThrottle: isUpstreamThrottle, decayMs: 10_000 })
    await recoverAfter(h, 2)
    h.clock.advance(10_000)
    await h.fail(new UpstreamStatusError(429))
    expect(h.changes.at(-1)).toStrictEqual({ from: 'closed', to: 'open', reason: 'throttled', retryAfterMs: 2000 })
    expect(h.breaker.snapshot().attempt).toBe(1)
  })
})

describe('CircuitBreaker Retry-After within one open period', () => {
  it('never grows: it is retryAt - now, and late results cannot move retryAt', async () => {
    const h = harness({ isThrottle: isUpstreamThrottle })
    const slow = [deferred<string>(), deferred<string>(), deferred<string>()]
    const late = slow.map((call) => h.breaker.execute(() => call.promise).catch((error: unknown) => error))
    await h.trip()

    const seen: number[] = []
    const lateErrors = [new UpstreamStatusError(503, 50_000), new UpstreamStatusError(429, 50_000), new UpstreamTimeoutError(3000)]
    for (const [i, call] of slow.entries()) {
      seen.push(((await rejectionOf(h.breaker.execute(() => Promise.resolve('no')))) as BreakerRejection).retryAfterMs)
      call.reject(lateErrors[i]!)
      await late[i]
      h.clock.advance(300)
      seen.push(((await rejectionOf(h.breaker.execute(() => Promise.resolve('no')))) as BreakerRejection).retryAfterMs)
    }

    expect(seen).toEqual([1000, 700, 700, 400, 400, 100])
    expect(h.changes).toHaveLength(1)
  })
})

describe('CircuitBreaker rejection reasons', () => {
  it('says which state turned the call away', async () => {
    const h = harness({ maxOpenMs: 45_000, halfOpenRetryAfterMs: 1500 })
    await h.trip()
    const whileOpen = await rejectionOf(h.breaker.execute(() => Promise.resolve('no')))

    h.clock.advance(1000)
    const probe = deferred<string>()
    const probing = h.breaker.execute(() => probe.promise)
    const whileHalfOpen = await rejectionOf(h.breaker.execute(() => Promise.resolve('no')))
    probe.resolve('fresh')
    await probing

    h.breaker.forceOpen()
    const whileForcedOpen = await rejectionOf(h.breaker.execute(() => Promise.resolve('no')))

    const summary = [whileOpen, whileHalfOpen, whileForcedOpen].map((error) => {
      expect(error).toBeInstanceOf(BreakerRejection)
      const rejection = error as BreakerRejection
      return [rejection.reason, rejection.retryAfterMs]
    })
    expect(summary).toEqual([['open', 1000], ['half-open', 1500], ['forced-open', 45_000]])
  })
})
