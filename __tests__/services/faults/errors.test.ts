import { describe, expect, it } from 'vitest'
import { WriteLoad, buildFaultApp, drive } from '../../helpers/faultInvariants.js'

describe('faults over real sockets: event.com fails or pushes back', () => {
  it('connection resets: outcome unknown, nothing lands, keyed writes get through after recovery', async () => {
    const { app, mock, clock, check } = await buildFaultApp()
    mock.setScenario({ name: 'reset' })
    const load = new WriteLoad(app, { label: 'reset', writers: 30, maxAttempts: 8, keyedCopies: 2 })
    await drive(load, (round) => {
      if (round === 2) mock.setScenario({ name: 'healthy' })
      clock.advance(60_000)
    })

    const summary = await check(load)
    expect(summary.answers.GW_ERR_UPSTREAM_DISCONNECTED).toBeGreaterThanOrEqual(30)
    // Unkeyed writers may not resend after an unknown outcome; keyed ones looked first, found nothing, and sent.
    expect(summary).toMatchObject({ acknowledged: 15, landedUnknown: 0, failed: { 'outcome-unknown': 15 } })
  })

  it("5xx bursts (the original event.com: 5 accepted, then 10 × 503): failed writes store nothing, retries store once", async () => {
    const { app, mock, clock, check } = await buildFaultApp({ mock: { scenario: { name: 'original' } } })
    const load = new WriteLoad(app, { label: 'burst', writers: 20, writesPerWriter: 2, maxAttempts: 12 })
    await drive(load, () => { clock.advance(60_000) }, { maxRounds: 60 })

    const summary = await check(load)
    expect(summary.answers.GW_ERR_UPSTREAM_STATUS).toBeGreaterThan(0)
    expect(summary.answers.GW_ERR_BREAKER_OPEN).toBeGreaterThan(0)
    expect(summary.landedUnknown).toBe(0)
    expect(summary.acknowledged).toBe(mock.service.stats.addEventAccepted)
    expect(summary.acknowledged).toBeGreaterThan(0)
  })

  const inThirtySeconds = (now: number): string => new Date(now + 30_000).toUTCString()
  it.each([
    ['unavailable', 'delta-seconds', () => '30'],
    ['unavailable', 'HTTP-date', inThirtySeconds],
    ['throttled', 'delta-seconds', () => '30'],
    ['throttled', 'HTTP-date', inThirtySeconds]
  ] as const)('%s with Retry-After as %s: nothing is forwarded during the pause, everything after it', async (name, form, retryAfter) => {
    const { app, mock, clock, check } = await buildFaultApp()
    mock.setScenario({ name, retryAfter: retryAfter(clock.now()) })
    const load = new WriteLoad(app, { label: `${name}-${form}`, writers: 20, maxAttempts: 6 })
    let callsAtPause = 0
    await drive(load, (round) => {
      if (round === 0) {
        // event.com is fine again, but asked for 30 s: anything forwarded now would be accepted.
        mock.setScenario({ name: 'healthy' })
        callsAtPause = mock.service.stats.addEventCalls
        clock.advance(29_000)
      } else if (round === 1) {
        expect(mock.service.stats.addEventCalls, 'forwarded during the pause').toBe(callsAtPause)
        clock.advance(1000)
      }
    })

    const summary = await check(load)
    const retried = load.writes.map((write) => write.attempts[1]).filter((attempt) => attempt !== undefined)
    expect(retried.length).toBeGreaterThan(0)
    // Retried one second before the pause ends: refused, told to come back in a second.
    expect(retried.every((attempt) => attempt.code === 'GW_ERR_BREAKER_OPEN' && attempt.retryAfter === '1')).toBe(true)
    expect(summary.answers.GW_ERR_UPSTREAM_STATUS).toBeGreaterThan(0)
    // Every writer retries an upstream refusal or a breaker rejection: all get through once the pause ends.
    expect(summary).toMatchObject({ acknowledged: 20, landedUnknown: 0 })
  })
})
