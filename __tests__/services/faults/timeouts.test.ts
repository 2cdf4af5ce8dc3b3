import { describe, expect, it } from 'vitest'
import { WriteLoad, buildFaultApp, drive, stuckUpstream, until } from '../../helpers/faultInvariants.js'

describe('faults over real sockets: event.com hangs or is slow', () => {
  it('hanging: nothing lands, calls end only when their timeouts fire, keyed writes get through once event.com answers again', async () => {
    const { app, mock, clock, timeouts, check } = await buildFaultApp()
    mock.setScenario({ name: 'hanging' })
    const load = new WriteLoad(app, { label: 'hang', writers: 30, maxAttempts: 10 })
    const stuck = stuckUpstream(load, { app, mock })
    await drive(load, (round) => {
      timeouts.fire()
      if (round === 3) mock.setScenario({ name: 'healthy' })
      clock.advance(60_000)
    }, { stuck: () => mock.service.scenario.name === 'hanging' && stuck() })

    const summary = await check(load)
    // Every writer's first attempt hung until its timeout fired; the unkeyed ones cannot retry a 504.
    expect(summary.answers.GW_ERR_UPSTREAM_TIMEOUT).toBeGreaterThanOrEqual(30)
    expect(summary).toMatchObject({ acknowledged: 15, landedUnknown: 0, failed: { 'outcome-unknown': 15, 'not-forwarded': 0 } })
    expect(app.eventServiceBreaker.state).toBe('closed')
  })

  it('slow: every write is acknowledged and stored once, however long event.com takes', async () => {
    const { app, mock, clock, check } = await buildFaultApp({ mock: { scenario: { name: 'slow', delayMs: 5 } } })
    const load = new WriteLoad(app, { label: 'slow', writers: 40, writesPerWriter: 2, maxAttempts: 3 })
    await drive(load, () => { clock.advance(1000) })

    const summary = await check(load)
    expect(summary).toMatchObject({ writes: 80, acknowledged: 80, landedUnknown: 0 })
    expect(mock.service.stats.addEventCalls).toBe(80)
  })

  it('slow, timeouts firing mid-call: the timed-out writes land anyway, keyed retries find them instead of sending twice', async () => {
    const { app, mock, clock, timeouts, check } = await buildFaultApp({ mock: { scenario: { name: 'slow', delayMs: 200 } } })
    const load = new WriteLoad(app, { label: 'late', writers: 30, maxAttempts: 8 })
    let timedOut = 0
    // Fire once every write has reached event.com, so that all of them land.
    await drive(load, async (round) => {
      if (round === 0) {
        timedOut = mock.inFlight
        timeouts.fire()
        // event.com finishes what it started; the retries come after, so they can see it.
        await until(() => mock.service.stats.addEventCalls === timedOut, 'the timed-out writes have landed')
        mock.setScenario({ name: 'healthy' })
      }
      clock.advance(60_000)
    }, { stuck: () => timedOut === 0 && mock.inFlight === 30 })

    const summary = await check(load)
    expect(timedOut).toBe(30)
    // Keyed: acknowledged by the look-up, never resent. Unkeyed: stored by event.com, never shown.
    expect(summary).toMatchObject({ acknowledged: 15, landedUnknown: 15, failed: { 'outcome-unknown': 15 } })
    expect(mock.service.stats.addEventCalls).toBe(30)
  })
})
