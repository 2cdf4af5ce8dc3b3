import { describe, expect, it } from 'vitest'
import { buildFaultApp, until, upstreamIds } from '../../helpers/faultInvariants.js'
import { addEvent } from '../../helpers/testApp.js'

// Both found by the fault suite: each stored a keyed write twice before the key store was fixed.
describe('a keyed retry after an unknown outcome', () => {
  it('waits until event.com is done with the first attempt, then finds it instead of sending it again', async () => {
    const { app, mock, timeouts, clock } = await buildFaultApp({ mock: { scenario: { name: 'slow', delayMs: 100 } } })
    const headers = { 'idempotency-key': 'race-1' }
    const first = addEvent(app, { name: 'race', userId: '1' }, headers)
    await until(() => mock.inFlight === 1, 'the write reached event.com')
    timeouts.fire()
    expect((await first).statusCode).toBe(504)
    mock.setScenario({ name: 'healthy' })

    // Too early: event.com may still be storing the first attempt.
    const early = await addEvent(app, { name: 'race', userId: '1' }, headers)
    expect(early.statusCode).toBe(409)
    expect(early.headers['retry-after']).toBe('3')

    await until(() => mock.service.stats.addEventCalls === 1, 'the first attempt landed')
    clock.advance(3000)
    const retry = await addEvent(app, { name: 'race', userId: '1' }, headers)
    expect(retry.statusCode).toBe(201)
    const id = retry.json<{ id: string }>().id
    expect(upstreamIds(mock).filter((upstreamId) => upstreamId === id)).toHaveLength(1)
    expect(mock.service.stats.addEventCalls).toBe(1)
  })

  it('is never pushed out of a full key store, so its retry keeps the event id and finds the event', async () => {
    const { app, mock, timeouts, clock } = await buildFaultApp({ config: { gateway: { idempotencyMaxKeys: 2 } }, mock: { scenario: { name: 'slow', delayMs: 20 } } })
    const first = addEvent(app, { name: 'evicted', userId: '1' }, { 'idempotency-key': 'a' })
    await until(() => mock.inFlight === 1, 'the write reached event.com')
    timeouts.fire()
    expect((await first).statusCode).toBe(504)
    await until(() => mock.service.stats.addEventCalls === 1, 'the timed-out write landed')
    mock.setScenario({ name: 'healthy' })

    // Two other clients' keys press on the bounded store: the uncertain key stays.
    expect((await addEvent(app, { name: 'b', userId: '2' }, { 'idempotency-key': 'b' })).statusCode).toBe(201)
    expect((await addEvent(app, { name: 'c', userId: '2' }, { 'idempotency-key': 'c' })).statusCode).toBe(201)
    clock.advance(3000)
    expect((await addEvent(app, { name: 'evicted', userId: '1' }, { 'idempotency-key': 'a' })).statusCode).toBe(201)
    expect(mock.service.state.events.filter((event) => event.name === 'evicted')).toHaveLength(1)
  })
})
