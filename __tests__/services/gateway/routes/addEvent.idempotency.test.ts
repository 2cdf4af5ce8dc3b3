import { describe, expect, it, vi } from 'vitest'
import { addEvent, buildTestApp } from '../../../helpers/testApp.js'
import { answerStatus, holdRequest, timeOut, times } from '../../../helpers/upstreamFaults.js'

const body = { name: 'launch', userId: '1' }

describe('POST /addEvent with an Idempotency-Key', () => {
  it('replays the first response for a repeat, without a second call to event.com', async () => {
    const { app, upstream } = await buildTestApp()
    const first = await addEvent(app, body, { 'idempotency-key': 'k-1' })
    const repeat = await addEvent(app, body, { 'idempotency-key': 'k-1' })

    expect(first.statusCode).toBe(201)
    expect(repeat.statusCode).toBe(201)
    expect(repeat.json()).toEqual(first.json())
    expect(repeat.headers['idempotent-replayed']).toBe('true')
    expect(first.headers['idempotent-replayed']).toBeUndefined()
    expect(upstream.received).toHaveLength(1)
  })

  it('treats the same body with its keys in another order, or userId as a number, as the same request', async () => {
    const { app, upstream } = await buildTestApp()
    await addEvent(app, { name: 'launch', userId: '1' }, { 'idempotency-key': '"quoted-key"' })
    const repeat = await addEvent(app, '{"userId":1,"name":"launch"}', { 'idempotency-key': '"quoted-key"' })
    expect(repeat.statusCode).toBe(201)
    expect(upstream.received).toHaveLength(1)
  })

  it('answers 409 with Retry-After while the first request with the key is in flight', async () => {
    const { app, upstream } = await buildTestApp()
    const { handler, release } = holdRequest()
    upstream.use(handler)
    const first = addEvent(app, body, { 'idempotency-key': 'k-2' })
    await vi.waitFor(() => { expect(upstream.received).toHaveLength(1) })

    const concurrent = await addEvent(app, body, { 'idempotency-key': 'k-2' })
    expect(concurrent.statusCode).toBe(409)
    expect(concurrent.headers['retry-after']).toBe('1')
    expect(concurrent.json()).toMatchObject({ code: 'GW_ERR_IDEMPOTENCY_IN_FLIGHT', outcome: 'not-forwarded' })

    release()
    expect((await first).statusCode).toBe(201)
    expect(upstream.received).toHaveLength(1)
  })

  it('answers 422 when the key was used with a different body', async () => {
    const { app, upstream } = await buildTestApp()
    await addEvent(app, body, { 'idempotency-key': 'k-3' })
    const other = await addEvent(app, { ...body, name: 'other' }, { 'idempotency-key': 'k-3' })
    expect(other.statusCode).toBe(422)
    expect(other.json()).toMatchObject({ code: 'GW_ERR_IDEMPOTENCY_MISMATCH', outcome: 'not-forwarded' })
    expect(upstream.received).toHaveLength(1)
  })

  it('reuses the same event id when retrying after a failure, so event.com sees one id', async () => {
    const { app, upstream } = await buildTestApp()
    upstream.use(answerStatus(500))
    const failed = await addEvent(app, body, { 'idempotency-key': 'k-4' })
    expect(failed.statusCode).toBe(502)
    const retried = await addEvent(app, body, { 'idempotency-key': 'k-4' })
    expect(retried.statusCode).toBe(201)
    expect(upstream.received.map((event) => event.id)).toEqual([retried.json<{ id: string }>().id, retried.json<{ id: string }>().id])
  })

  it('after a timeout, asks event.com before resending: an event it already stored is not sent twice', async () => {
    const { app, upstream, store, clock, timeouts } = await buildTestApp()
    // event.com stores the event, but its answer never arrives.
    upstream.use(timeOut(timeouts.fire, { storing: upstream.service.handlers }))
    const timedOut = await addEvent(app, body, { 'idempotency-key': 'k-5' })
    expect(timedOut.statusCode).toBe(504)
    expect(timedOut.json()).toMatchObject({ code: 'GW_ERR_UPSTREAM_TIMEOUT', outcome: 'outcome-unknown' })
    expect((await store.counts()).events).toBe(3)

    // event.com may still be acting on the first attempt: the retry waits one upstream timeout.
    const early = await addEvent(app, body, { 'idempotency-key': 'k-5' })
    expect(early.statusCode).toBe(409)
    expect(early.headers['retry-after']).toBe('3')
    expect(upstream.lookups).toEqual([])
    clock.advance(3000)

    const retried = await addEvent(app, body, { 'idempotency-key': 'k-5' })
    expect(retried.statusCode).toBe(201)
    const { id } = retried.json<{ id: string }>()
    expect(upstream.lookups).toEqual([id])
    expect(upstream.received).toHaveLength(1)
    expect(upstream.stored.filter((event) => event.id === id)).toHaveLength(1)
    const reads = (await app.inject('/getEventsByUserId/1')).json<{ id: string }[]>()
    expect(reads.filter((event) => event.id === id)).toHaveLength(1)
  })

  it('after a timeout that event.com did not act on, resends with the same id', async () => {
    const { app, upstream, clock, timeouts } = await buildTestApp()
    upstream.use(timeOut(timeouts.fire))
    expect((await addEvent(app, body, { 'idempotency-key': 'k-6' })).statusCode).toBe(504)
    clock.advance(3000)
    const retried = await addEvent(app, body, { 'idempotency-key': 'k-6' })
    expect(retried.statusCode).toBe(201)
    const { id } = retried.json<{ id: string }>()
    expect(upstream.lookups).toEqual([id])
    expect(upstream.received.map((event) => event.id)).toEqual([id, id])
    expect(upstream.stored.filter((event) => event.id === id)).toHaveLength(1)
  })

  it('does not look anything up when the earlier failure certainly did nothing', async () => {
    const { app, upstream, clock } = await buildTestApp()
    upstream.use(...times(3, () => answerStatus(503)))
    for (let i = 0; i < 3; i++) await addEvent(app, { name: `warm ${i}`, userId: '2' })
    const refused = await addEvent(app, body, { 'idempotency-key': 'k-7' })
    expect(refused.statusCode).toBe(503)
    expect(refused.json()).toMatchObject({ code: 'GW_ERR_BREAKER_OPEN', outcome: 'not-forwarded' })

    clock.advance(60_000)
    const retried = await addEvent(app, body, { 'idempotency-key': 'k-7' })
    expect(retried.statusCode).toBe(201)
    expect(upstream.lookups).toEqual([])
    expect(upstream.received.at(-1)?.id).toBe(retried.json<{ id: string }>().id)
  })

  it('forgets a key after its time to live', async () => {
    const { app, upstream, clock } = await buildTestApp({ config: { gateway: { idempotencyTtlMs: 60_000 } } })
    await addEvent(app, body, { 'idempotency-key': 'k-8' })
    clock.advance(59_999)
    expect((await addEvent(app, body, { 'idempotency-key': 'k-8' })).headers['idempotent-replayed']).toBe('true')
    clock.advance(60_000)
    const fresh = await addEvent(app, body, { 'idempotency-key': 'k-8' })
    expect(fresh.headers['idempotent-replayed']).toBeUndefined()
    expect(upstream.received).toHaveLength(2)
  })

  it('leaves the key unused after a 404 for an unknown user, so a corrected request can use it', async () => {
    const { app } = await buildTestApp()
    expect((await addEvent(app, { name: 'x', userId: '99' }, { 'idempotency-key': 'k-9' })).statusCode).toBe(404)
    expect((await addEvent(app, { name: 'x', userId: '1' }, { 'idempotency-key': 'k-9' })).statusCode).toBe(201)
  })

  it.each(['', '"unterminated', 'has space', 'é', 'x'.repeat(256)])('rejects the key %j with a 400 naming the header', async (key) => {
    const { app, upstream } = await buildTestApp()
    const response = await addEvent(app, body, { 'idempotency-key': key })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'GW_ERR_REQUEST_INVALID', field: 'headers/idempotency-key' })
    expect(upstream.received).toHaveLength(0)
  })
})

describe('the write bulkhead', () => {
  it('refuses writes beyond the in-flight and queue bounds at once, with 503 not-forwarded and Retry-After', async () => {
    const { app, upstream } = await buildTestApp({ config: { gateway: { upstreamMaxInflight: 1, upstreamMaxQueue: 1 } } })
    const { handler, release } = holdRequest()
    upstream.use(handler)
    const running = addEvent(app, { name: 'running', userId: '1' })
    await vi.waitFor(() => { expect(upstream.received).toHaveLength(1) })
    const queued = addEvent(app, { name: 'queued', userId: '1' })
    await vi.waitFor(() => { expect(app.writeBulkhead.queued).toBe(1) })

    const refused = await addEvent(app, { name: 'refused', userId: '1' })
    expect(refused.statusCode).toBe(503)
    expect(refused.headers['retry-after']).toBe('1')
    expect(refused.json()).toMatchObject({ code: 'GW_ERR_BULKHEAD_FULL', outcome: 'not-forwarded' })

    release()
    expect((await running).statusCode).toBe(201)
    expect((await queued).statusCode).toBe(201)
    expect(upstream.received.map((event) => event.name)).toEqual(['running', 'queued'])
  })
})
