import { describe, expect, it } from 'vitest'
import { WriteLoad, buildColdFaultApp, drive, until } from '../../helpers/faultInvariants.js'

describe('faults over real sockets: event.com is down when the gateway starts', () => {
  it('hydration waits, /health answers, writes are refused without reaching event.com, then everything recovers', async () => {
    const { app, mock, clock, gate, check } = await buildColdFaultApp({ mock: { scenario: { name: 'down' } } })
    await until(() => gate.parked === 1, 'hydration failed once and waits')

    const load = new WriteLoad(app, { label: 'cold', writers: 30, maxAttempts: 5 })
    await drive(load, async (round) => {
      clock.advance(1000)
      const health = await app.inject('/health')
      expect(health.statusCode).toBe(200)
      if (round === 0) {
        expect(health.json()).toMatchObject({ status: 'ok', store: { state: 'hydrating', hydrationFailures: 1 } })
        expect((await app.inject('/ready')).statusCode).toBe(503)
        // Still down: the next attempt fails too and waits longer.
        gate.release()
        await until(() => gate.parked === 1 && gate.waits.length === 2, 'hydration failed twice')
      }
      if (round === 1) {
        mock.setScenario({ name: 'healthy' })
        gate.release()
        await app.hydrator.hydrated
      }
    })

    expect(gate.waits).toEqual([250, 500])
    expect((await app.inject('/ready')).statusCode).toBe(200)
    const summary = await check(load)
    // Refused while hydrating (not forwarded, so safe to retry even without a key), then all accepted.
    expect(summary.answers.GW_ERR_STORE_NOT_READY).toBe(60)
    expect(summary).toMatchObject({ writes: 30, acknowledged: 30, landedUnknown: 0 })
    expect(mock.service.stats.addEventCalls).toBe(30)
  })
})
