import { describe, expect, it } from 'vitest'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { buildMockedApp } from '../../../helpers/mockedApp.js'
import { addEvent } from '../../../helpers/testApp.js'

async function eventIds (app: FastifyInstance): Promise<string[]> {
  return (await app.inject('/getEvents?limit=10000')).json<{ id: string }[]>().map((event) => event.id)
}

function code (response: LightMyRequestResponse): string | undefined {
  return response.statusCode >= 400 ? response.json<{ code: string }>().code : undefined
}

describe('forwarding writes to event.com over real sockets', () => {
  it('sends the event with its gateway id to event.com, which stores it', async () => {
    const { app, mock } = await buildMockedApp()
    const response = await addEvent(app, { name: 'test', userId: '1', details: 'd' })
    expect(response.statusCode).toBe(201)
    const created = response.json<{ id: string }>()
    expect(mock.service.state.events.filter((event) => String(event.id) === created.id)).toEqual([
      { id: created.id, name: 'test', userId: '1', details: 'd' }
    ])
  })

  it('plays the original 5-then-10 pattern end to end: only accepted events show up, each exactly once', async () => {
    const { app, mock, clock } = await buildMockedApp({ mock: { scenario: { name: 'original' } } })
    const statuses: number[] = []
    const created: string[] = []
    // Keep writing; whenever the breaker rejects, let its open period pass so the next write probes.
    while (mock.service.stats.addEventCalls < 30) {
      const response = await addEvent(app, { name: 'loop', userId: '1' })
      statuses.push(response.statusCode)
      if (response.statusCode === 201) created.push(response.json<{ id: string }>().id)
      if (response.statusCode === 503) clock.advance(60_000)
    }

    const upstream = statuses.filter((status) => status !== 503)
    expect(upstream).toEqual([
      ...Array<number>(5).fill(201), ...Array<number>(10).fill(502),
      ...Array<number>(5).fill(201), ...Array<number>(10).fill(502)
    ])
    // Three failures open the breaker; the other seven each came from a single probe.
    expect(statuses.filter((status) => status === 503).length).toBeGreaterThanOrEqual(14)
    expect(mock.service.stats.addEventAccepted).toBe(10)

    const stored = await eventIds(app)
    const upstreamIds = mock.service.state.events.map((event) => String(event.id))
    for (const id of created) {
      expect(stored.filter((stored) => stored === id)).toHaveLength(1)
      expect(upstreamIds.filter((upstreamId) => upstreamId === id)).toHaveLength(1)
    }
    expect(stored).toEqual(upstreamIds)
  })

  it('handles 200 concurrent writes: unique ids, each in event.com exactly once and visible in reads', async () => {
    const { app, mock } = await buildMockedApp()
    const responses = await Promise.all(Array.from({ length: 200 }, (_, i) => addEvent(app, { name: `c${i}`, userId: String(1 + (i % 3)) })))
    expect(responses.map((response) => response.statusCode)).toEqual(Array(200).fill(201))

    const ids = responses.map((response) => response.json<{ id: string }>().id)
    expect(new Set(ids).size).toBe(200)
    const upstreamIds = mock.service.state.events.map((event) => String(event.id))
    const stored = await eventIds(app)
    for (const id of ids) {
      expect(upstreamIds.filter((upstreamId) => upstreamId === id)).toHaveLength(1)
      expect(stored.filter((storedId) => storedId === id)).toHaveLength(1)
    }
    expect(mock.service.stats.addEventCalls).toBe(200)
  })

  it('answers 504 when event.com does not answer in time, and counts it as a failure', async () => {
    const { app, mock, timeouts } = await buildMockedApp()
    mock.setScenario({ name: 'hanging' })
    const pending = addEvent(app, { name: 'slow', userId: '1' })
    await mock.nextRequest()
    timeouts.fire()
    const response = await pending
    expect(response.statusCode).toBe(504)
    expect(code(response)).toBe('GW_ERR_UPSTREAM_TIMEOUT')
    expect(app.eventServiceBreaker.snapshot().consecutiveFailures).toBe(1)
    expect(await eventIds(app)).not.toContain(undefined)
    expect((await app.inject('/getEvents')).json<{ name: string }[]>().some((event) => event.name === 'slow')).toBe(false)
  })

  it('times out one call without cancelling the others', async () => {
    const { app, mock, timeouts } = await buildMockedApp({ config: { gateway: { breakerFailureThreshold: 100 } } })
    mock.setScenario({ name: 'hanging' })
    const slow = addEvent(app, { name: 'slow', userId: '1' })
    await mock.nextRequest()
    const slowSignal = timeouts.pending.at(-1)
    mock.setScenario({ name: 'healthy' })

    const others = await Promise.all(Array.from({ length: 9 }, (_, i) => addEvent(app, { name: `ok${i}`, userId: '2' })))
    expect(others.map((response) => response.statusCode)).toEqual(Array(9).fill(201))
    slowSignal?.abort(new DOMException('The operation timed out', 'TimeoutError'))
    expect((await slow).statusCode).toBe(504)
    expect(mock.service.stats.addEventAccepted).toBe(9)
  })

  it('answers 502 GW_ERR_UPSTREAM_DISCONNECTED, outcome unknown, when event.com drops the connection after receiving the write', async () => {
    const { app, mock } = await buildMockedApp()
    mock.setScenario({ name: 'reset' })
    const response = await addEvent(app, { name: 'x', userId: '1' })
    expect(response.statusCode).toBe(502)
    expect(response.json()).toMatchObject({ code: 'GW_ERR_UPSTREAM_DISCONNECTED', outcome: 'outcome-unknown' })
  })

  it('answers 502 GW_ERR_UPSTREAM_UNREACHABLE when nothing listens at the event service URL', async () => {
    const { app, mock } = await buildMockedApp()
    await mock.close()
    const response = await addEvent(app, { name: 'x', userId: '1' })
    expect(response.statusCode).toBe(502)
    expect(response.json()).toMatchObject({ code: 'GW_ERR_UPSTREAM_UNREACHABLE', outcome: 'not-forwarded' })
  })

  it.each([
    ['unavailable', 503, '20'],
    ['throttled', 429, '20']
  ] as const)('honours Retry-After on an upstream %s (%i): paused at least that long, not forwarded meanwhile', async (name, _status, retryAfter) => {
    const { app, mock, clock } = await buildMockedApp()
    mock.setScenario({ name, retryAfter })
    expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(502)
    mock.setScenario({ name: 'healthy' })

    const paused = await addEvent(app, { name: 'x', userId: '1' })
    expect(paused.statusCode).toBe(503)
    expect(paused.headers['retry-after']).toBe('20')
    clock.advance(19_999)
    expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(503)
    // event.com is healthy again: anything forwarded during the pause would have been accepted.
    expect(mock.service.stats.addEventCalls).toBe(0)
    clock.advance(1)
    expect((await addEvent(app, { name: 'x', userId: '1' })).statusCode).toBe(201)
    expect(mock.service.stats.addEventCalls).toBe(1)
  })

  it('honours an HTTP-date Retry-After from event.com', async () => {
    const { app, mock, clock } = await buildMockedApp()
    mock.setScenario({ name: 'unavailable', retryAfter: new Date(clock.now() + 45_000).toUTCString() })
    await addEvent(app, { name: 'x', userId: '1' })
    const paused = await addEvent(app, { name: 'x', userId: '1' })
    expect(paused.statusCode).toBe(503)
    expect(Number(paused.headers['retry-after'])).toBeGreaterThanOrEqual(44)
    expect(Number(paused.headers['retry-after'])).toBeLessThanOrEqual(45)
  })
})
