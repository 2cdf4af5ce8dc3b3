import { describe, expect, it } from 'vitest'
import { WriteLoad, buildFaultApp, checkShownAreStored, drive, stuckUpstream } from '../../helpers/faultInvariants.js'

describe('faults over real sockets: event.com flaps, recovers, or hangs against small bounds', () => {
  it('flapping between healthy and down, even mid-request, keyed writes sent twice at once: each stored at most once, acknowledged ones exactly once', async () => {
    const { app, mock, clock, check } = await buildFaultApp()
    const load = new WriteLoad(app, { label: 'flap', writers: 40, writesPerWriter: 2, maxAttempts: 12, keyedCopies: 2 })
    const flap = (): void => { mock.setScenario({ name: mock.service.scenario.name === 'healthy' ? 'down' : 'healthy' }) }
    let polls = 0
    // It flaps until the writers are done: they give up after 12 attempts, so it ends either way.
    await drive(load, async (round) => {
      await checkShownAreStored(app, mock)
      flap()
      // Sometimes within the open period, sometimes past it.
      clock.advance([500, 5000, 60_000][round % 3] ?? 0)
    }, { meanwhile: () => { if (++polls % 7 === 0) flap() } })

    // Reads come from the gateway's store: they do not need event.com.
    mock.setScenario({ name: 'down' })
    const summary = await check(load)
    expect(summary.writes).toBe(80)
    expect(summary.answers.GW_ERR_UPSTREAM_STATUS).toBeGreaterThan(0)
    // The second copy of a keyed attempt found the first still running.
    expect(summary.answers.GW_ERR_IDEMPOTENCY_IN_FLIGHT).toBeGreaterThan(0)
    expect(summary.acknowledged).toBeGreaterThan(0)
    expect(summary.landedUnknown).toBe(0)
  })

  it('recovery after a long outage: probes back off exponentially, then the breaker closes and every write gets through', async () => {
    const { app, mock, clock, check } = await buildFaultApp()
    mock.setScenario({ name: 'down' })
    const load = new WriteLoad(app, { label: 'outage', writers: 30, maxAttempts: 12 })
    const openPeriods: number[] = []
    await drive(load, (round) => {
      if (round === 6) mock.setScenario({ name: 'healthy' })
      // Come back exactly when the breaker allows the next probe.
      const { retryAfterMs } = app.eventServiceBreaker.snapshot()
      if (retryAfterMs !== undefined) openPeriods.push(retryAfterMs)
      clock.advance(retryAfterMs ?? 1000)
    })

    expect(openPeriods.slice(0, 6)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000])
    expect((await app.inject('/health')).json()).toMatchObject({ breaker: { state: 'closed', consecutiveFailures: 0 } })
    const summary = await check(load)
    // down answers 503 without Retry-After: upstream-failed, safe to retry with or without a key.
    expect(summary).toMatchObject({ acknowledged: 30, landedUnknown: 0 })
    expect(mock.service.stats.addEventAccepted).toBe(30)
  })

  it('hanging against a small bulkhead and key store: both stay within bounds, refusals are not forwarded', async () => {
    const limits = { upstreamMaxInflight: 4, upstreamMaxQueue: 4, idempotencyMaxKeys: 12 }
    // The breaker stays closed, so it is the bulkhead and the key store that have to hold the line.
    const { app, mock, clock, timeouts, check } = await buildFaultApp({ config: { gateway: { ...limits, breakerFailureThreshold: 100 } } })
    mock.setScenario({ name: 'hanging' })
    const load = new WriteLoad(app, { label: 'bounded', writers: 40, maxAttempts: 20 })
    const stuck = stuckUpstream(load, { app, mock })
    await drive(load, (round) => {
      timeouts.fire()
      if (round === 4) mock.setScenario({ name: 'healthy' })
      clock.advance(60_000)
    }, { maxRounds: 60, stuck: () => mock.service.scenario.name === 'hanging' && stuck() })

    const summary = await check(load)
    expect(load.peak.bulkhead).toBe(8)
    expect(load.peak.keys).toBeLessThanOrEqual(12)
    expect(summary.answers.GW_ERR_BULKHEAD_FULL).toBeGreaterThan(0)
    expect(summary.answers.GW_ERR_UPSTREAM_TIMEOUT).toBeGreaterThan(0)
    expect(summary.landedUnknown).toBe(0)
    // Only the writers without a key give up, after a timeout; the others all get through.
    expect(load.writes.filter((write) => write.key !== undefined && !write.attempts.some((attempt) => attempt.status === 201))).toEqual([])
    expect(summary.acknowledged + summary.failed['outcome-unknown']).toBe(40)
  })
})
