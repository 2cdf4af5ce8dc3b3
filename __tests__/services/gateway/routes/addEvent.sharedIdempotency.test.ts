import { describe, expect, it, onTestFinished, vi } from 'vitest'
import type { FastifyBaseLogger, FastifyInstance, LightMyRequestResponse } from 'fastify'
import { http } from 'msw'
import pino from 'pino'
import { failureBody, failureResponse } from '../../../../mocks/failureResponse.js'
import { EVENT_SERVICE_ORIGIN } from '../../../../mocks/origin.js'
import { createManualClock } from '../../../../utils/clock.js'
import { sharedRedisForTest, sharedRedisUrl, slowProxy, uniquePrefix } from '../../../helpers/redisServers.js'
import { addEvent, buildTestApp } from '../../../helpers/testApp.js'
import type { TestApp } from '../../../helpers/testApp.js'
import { createTestUpstream } from '../../../helpers/testUpstream.js'
import type { TestUpstream } from '../../../helpers/testUpstream.js'
import { holdRequest, timeOut } from '../../../helpers/upstreamFaults.js'

const body = { name: 'launch', userId: '1' }
const key = { 'idempotency-key': 'shared-k' }

/**
 * Two gateways of one deployment: one event.com, one clock, one Redis prefix (each app with its own
 * connection, closed with it). `viaA` puts a proxy between A and Redis, so a test can cut A off.
 */
async function twoGateways (options: { viaA?: string, loggerA?: FastifyBaseLogger } = {}): Promise<{ a: TestApp, b: TestApp, upstream: TestUpstream, advance: (ms: number) => void }> {
  const upstream = createTestUpstream()
  const clock = createManualClock(1_700_000_000_000)
  const keyPrefix = uniquePrefix()
  const gateway = async (url?: string, logger?: FastifyBaseLogger): Promise<TestApp> => {
    const { redis, cleanup } = await sharedRedisForTest({ keyPrefix, timeoutMs: 200, ...(url !== undefined && { url }) })
    onTestFinished(cleanup)
    return buildTestApp({ upstream, redis, clock: clock.now, ...(logger && { logger }) })
  }
  const a = await gateway(options.viaA, options.loggerA)
  const b = await gateway()
  return { a, b, upstream, advance: clock.advance }
}

function idOf (response: LightMyRequestResponse): string {
  return response.json<{ id: string }>().id
}

async function eventsOfUser (app: FastifyInstance): Promise<string[]> {
  return (await app.inject('/getEventsByUserId/1')).json<{ id: string }[]>().map((event) => event.id)
}

/** The retry was accepted, event.com received its event id twice (the first attempt and the retry) and stored it once. */
function expectResentOnceStored (retried: LightMyRequestResponse, upstream: Pick<TestUpstream, 'received' | 'stored'>): void {
  expect(retried.statusCode).toBe(201)
  const id = idOf(retried)
  expect(upstream.received.map((event) => event.id)).toEqual([id, id])
  expect(upstream.stored.filter((event) => event.id === id)).toHaveLength(1)
}

describe('POST /addEvent with an Idempotency-Key on two gateways sharing Redis', () => {
  it('replays on B the answer A gave, without a second call to event.com', async () => {
    const { a, b, upstream } = await twoGateways()
    const first = await addEvent(a.app, body, key)
    const repeat = await addEvent(b.app, body, key)
    expect(first.statusCode).toBe(201)
    expect(repeat.statusCode).toBe(201)
    expect(repeat.json()).toEqual(first.json())
    expect(repeat.headers['idempotent-replayed']).toBe('true')
    expect(upstream.received).toHaveLength(1)
  })

  it('answers 422 on B for the key A used with another body', async () => {
    const { a, b, upstream } = await twoGateways()
    await addEvent(a.app, body, key)
    const other = await addEvent(b.app, { ...body, name: 'other' }, key)
    expect(other.statusCode).toBe(422)
    expect(other.json()).toMatchObject({ code: 'GW_ERR_IDEMPOTENCY_MISMATCH', outcome: 'not-forwarded' })
    expect(upstream.received).toHaveLength(1)
  })

  it('lets exactly one of two writes racing on one key across the gateways through; the other gets 409', async () => {
    const { a, b, upstream } = await twoGateways()
    const { handler, release } = holdRequest()
    upstream.use(handler)
    const racing = [addEvent(a.app, body, key), addEvent(b.app, body, key)]
    await vi.waitFor(() => { expect(upstream.received).toHaveLength(1) })
    release()
    const statuses = (await Promise.all(racing)).map((response) => response.statusCode).sort()
    expect(statuses).toEqual([201, 409])
    expect(upstream.received).toHaveLength(1)
  })

  it('after a timeout on A, holds off the retry on B, then asks event.com and does not send the event twice', async () => {
    const { a, b, upstream, advance } = await twoGateways()
    // event.com stores the event, but its answer never reaches A.
    upstream.use(timeOut(a.timeouts.fire, { storing: upstream.service.handlers }))
    const timedOut = await addEvent(a.app, body, key)
    expect(timedOut.statusCode).toBe(504)
    expect(timedOut.json()).toMatchObject({ code: 'GW_ERR_UPSTREAM_TIMEOUT', outcome: 'outcome-unknown' })

    const early = await addEvent(b.app, body, key)
    expect(early.statusCode).toBe(409)
    expect(early.headers['retry-after']).toBe('3')
    advance(3000)

    const retried = await addEvent(b.app, body, key)
    expect(retried.statusCode).toBe(201)
    const id = idOf(retried)
    expect(upstream.lookups).toEqual([id])
    expect(upstream.received.map((event) => event.id)).toEqual([id])
    expect(upstream.stored.filter((event) => event.id === id)).toHaveLength(1)
    expect(await eventsOfUser(b.app)).toContain(id)
    // A, asked again, replays B's answer.
    expect((await addEvent(a.app, body, key)).headers['idempotent-replayed']).toBe('true')
  })

  it('after a timeout on A that event.com did not act on, B resends the same event id', async () => {
    const { a, b, upstream, advance } = await twoGateways()
    upstream.use(timeOut(a.timeouts.fire))
    expect((await addEvent(a.app, body, key)).statusCode).toBe(504)
    advance(3000)
    const retried = await addEvent(b.app, body, key)
    expectResentOnceStored(retried, upstream)
  })

  it('answers 201 on A when its key cannot be recorded after event.com accepted, and B never sends the event again', async () => {
    const proxy = await slowProxy(Number(new URL(sharedRedisUrl).port || 6379))
    onTestFinished(proxy.close)
    const lines: { msg: string, operation?: string, level: number }[] = []
    const loggerA = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as typeof lines[number]) } })
    const { a, b, upstream, advance } = await twoGateways({ viaA: proxy.url, loggerA })
    const { handler, release } = holdRequest()
    upstream.use(handler)
    const written = addEvent(a.app, body, key)
    await vi.waitFor(() => { expect(upstream.received).toHaveLength(1) })
    // A loses Redis while event.com holds the write: its succeed cannot land.
    await proxy.close()
    release()
    const accepted = await written
    expect(accepted.statusCode).toBe(201)
    const id = idOf(accepted)
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, operation: 'succeed', msg: 'the shared Idempotency-Key could not record how its attempt ended' }))
    expect((await a.app.inject('/metrics')).body).toContain('idempotency_shared_state_errors_total{operation="succeed"} 1')

    // The key stays in flight until its lease lapses (15 s with the test's settings) ...
    expect((await addEvent(b.app, body, key)).statusCode).toBe(409)
    advance(15_000)
    // ... then counts as an attempt of unknown outcome: B asks event.com, finds the event, answers with its id.
    const retried = await addEvent(b.app, body, key)
    expect(retried.statusCode).toBe(201)
    expect(idOf(retried)).toBe(id)
    expect(upstream.lookups).toEqual([id])
    expect(upstream.received).toHaveLength(1)
    expect(upstream.stored.filter((event) => event.id === id)).toHaveLength(1)
  })

  it('answers A\'s own failure when its key cannot record it, and B retries with the same event id once the lease lapsed', async () => {
    const proxy = await slowProxy(Number(new URL(sharedRedisUrl).port || 6379))
    onTestFinished(proxy.close)
    const { a, b, upstream, advance } = await twoGateways({ viaA: proxy.url })
    // event.com refuses the write, and A has lost Redis by the time it hears so.
    upstream.use(http.post(`${EVENT_SERVICE_ORIGIN}/addEvent`, async () => {
      await proxy.close()
      return failureResponse(500, failureBody('Internal Server Error'))
    }, { once: true }))
    const refused = await addEvent(a.app, body, key)
    expect(refused.statusCode).toBe(502)
    expect(refused.json()).toMatchObject({ code: 'GW_ERR_UPSTREAM_STATUS', outcome: 'upstream-failed' })

    expect((await addEvent(b.app, body, key)).statusCode).toBe(409)
    advance(15_000)
    const retried = await addEvent(b.app, body, key)
    expectResentOnceStored(retried, upstream)
  })
})
