import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { backends } from '../../../helpers/journeyDatabases.js'
import { expectDocumented } from './documentedResponse.js'
import { buildJourneysApp, call, createFlow, problemCode, quickFlow, sharedEngine, triggerEvent, unique, waitingFlow } from '../../../helpers/journeysApp.js'
import type { TriggerAnswer } from '../../../helpers/journeysApp.js'

const path = '/api/trigger-event'

describe.each(backends)('POST /api/trigger-event on %s', (backend) => {
  const engine = sharedEngine(backend)

  it('answers 202 with the runs it started, each on the flow\'s version, and records the event', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('signup')
    const first = await createFlow(app, quickFlow(name))
    const second = await createFlow(app, waitingFlow(name))
    const id = randomUUID()
    const response = await triggerEvent(app, { id, name, userId: '1', properties: { plan: 'pro' }, occurredAt: '2024-05-01T10:00:00+02:00' })
    expect(response.statusCode).toBe(202)
    expect(response.headers['idempotent-replayed']).toBeUndefined()
    expectDocumented(app, 'POST', path, response)
    const answer = response.json<TriggerAnswer>()
    expect(answer.eventId).toBe(id)
    expect(answer.skipped).toEqual([])
    expect(answer.runs.map((run) => [run.flowId, run.flowVersion]).sort()).toEqual([[first, 1], [second, 1]].sort())

    const recorded = await call(app, 'GET', `/api/events/${id}`)
    expect(recorded.statusCode).toBe(200)
    expect(recorded.json()).toMatchObject({
      id, name, userId: '1', source: 'api', state: 'recorded', properties: { plan: 'pro' }, occurredAt: '2024-05-01T08:00:00.000Z', skipped: []
    })
    expect(recorded.json<{ runs: { id: string }[] }>().runs.map((run) => run.id).sort()).toEqual(answer.runs.map((run) => run.runId).sort())
  })

  it('makes up an id when none is given, and takes a numeric userId as its text', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('numeric')
    const flowId = await createFlow(app, quickFlow(name))
    const response = await triggerEvent(app, { name, userId: 2 })
    expect(response.statusCode).toBe(202)
    const answer = response.json<TriggerAnswer>()
    expect(answer.eventId).toMatch(/^[0-9a-f-]{36}$/)
    const run = await call(app, 'GET', `/api/runs/${answer.runs[0]?.runId ?? ''}`)
    expect(run.json()).toMatchObject({ flowId, userId: '2', eventId: answer.eventId })
  })

  it('answers a repeat of the same id with the first answer, 200 and Idempotent-Replayed, and starts nothing', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('repeat')
    const flowId = await createFlow(app, quickFlow(name))
    const body = { id: randomUUID(), name, userId: '1', properties: { a: 1, b: [1, 2] } }
    const first = await triggerEvent(app, body)
    expect(first.statusCode).toBe(202)
    // The same content, its keys in another order, is the same event.
    const again = await triggerEvent(app, { properties: { b: [1, 2], a: 1 }, userId: '1', name, id: body.id })
    expect(again.statusCode).toBe(200)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expectDocumented(app, 'POST', path, again)
    expect(again.json()).toEqual(first.json())
    const runs = await call(app, 'GET', `/api/runs?flowId=${flowId}`)
    expect(runs.json<unknown[]>()).toHaveLength(1)
  })

  it('refuses the same id with different content: 409 GW_ERR_EVENT_ID_CONFLICT, nothing started', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('conflict')
    const flowId = await createFlow(app, quickFlow(name))
    const id = randomUUID()
    expect((await triggerEvent(app, { id, name, userId: '1', properties: { plan: 'pro' } })).statusCode).toBe(202)
    for (const changed of [
      { id, name, userId: '1', properties: { plan: 'team' } },
      { id, name, userId: '2', properties: { plan: 'pro' } },
      { id, name: `${name}-other`, userId: '1', properties: { plan: 'pro' } },
      { id, name, userId: '1', properties: { plan: 'pro' }, occurredAt: '2024-01-01T00:00:00Z' }
    ]) {
      const response = await triggerEvent(app, changed)
      expect(response.statusCode, JSON.stringify(changed)).toBe(409)
      expect(problemCode(response)).toBe('GW_ERR_EVENT_ID_CONFLICT')
      expectDocumented(app, 'POST', path, response)
    }
    expect((await call(app, 'GET', `/api/runs?flowId=${flowId}`)).json<unknown[]>()).toHaveLength(1)
    expect((await call(app, 'GET', `/api/events/${id}`)).json()).toMatchObject({ userId: '1', properties: { plan: 'pro' } })
  })

  it('reports the flows it skipped: disabled, and already entered by a once flow', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('skips')
    const disabled = await createFlow(app, quickFlow(name))
    expect((await call(app, 'POST', `/api/flows/${disabled}/disable`)).statusCode).toBe(200)
    const once = await createFlow(app, quickFlow(name, { entry: 'once' }))
    const first = (await triggerEvent(app, { name, userId: '3' })).json<TriggerAnswer>()
    expect(first.runs.map((run) => run.flowId)).toEqual([once])
    expect(first.skipped).toEqual([{ flowId: disabled, reason: 'disabled' }])
    const second = await triggerEvent(app, { name, userId: '3' })
    expect(second.statusCode).toBe(202)
    expect(second.json<TriggerAnswer>().runs).toEqual([])
    expect(second.json<TriggerAnswer>().skipped).toEqual(expect.arrayContaining([{ flowId: disabled, reason: 'disabled' }, { flowId: once, reason: 'already-entered' }]))
  })

  it('answers 202 with no runs for an event no flow is triggered by', async () => {
    const { app } = await buildJourneysApp(engine())
    const response = await triggerEvent(app, { name: unique('nobody'), userId: 'not-a-known-user' })
    expect(response.statusCode).toBe(202)
    expect(response.json()).toMatchObject({ runs: [], skipped: [], exited: [] })
  })

  it.each([
    ['no name', { userId: '1' }, 'body/name'],
    ['no userId', { name: 'x' }, 'body/userId'],
    ['an empty name', { name: '', userId: '1' }, 'body/name'],
    ['a userId that is neither text nor a whole number', { name: 'x', userId: 1.5 }, 'body/userId'],
    ['an email without @', { name: 'x', userId: '1', email: 'nobody' }, 'body/email'],
    ['properties that are not an object', { name: 'x', userId: '1', properties: [1] }, 'body/properties'],
    ['an occurredAt without a time zone', { name: 'x', userId: '1', occurredAt: '2024-05-01T10:00:00' }, 'body/occurredAt'],
    ['an occurredAt that is no real date', { name: 'x', userId: '1', occurredAt: '2024-13-45T10:00:00Z' }, 'body/occurredAt'],
    ['an unknown field', { name: 'x', userId: '1', extra: true }, 'body/extra']
  ])('refuses a body with %s: 400 naming the field', async (_, body, field) => {
    const { app } = await buildJourneysApp(engine())
    const response = await triggerEvent(app, body)
    expect(response.statusCode).toBe(400)
    expect(problemCode(response)).toBe('GW_ERR_REQUEST_INVALID')
    expect(response.json<{ field?: string }>().field).toBe(field)
    expectDocumented(app, 'POST', path, response)
  })

  it('refuses a body over 64 KiB with 413, and records nothing', async () => {
    const { app } = await buildJourneysApp(engine())
    const id = randomUUID()
    const response = await triggerEvent(app, { id, name: 'big', userId: '1', properties: { blob: 'x'.repeat(64 * 1024) } })
    expect(response.statusCode).toBe(413)
    expect(problemCode(response)).toBe('GW_ERR_REQUEST_TOO_LARGE')
    expectDocumented(app, 'POST', path, response)
    expect((await call(app, 'GET', `/api/events/${id}`)).statusCode).toBe(404)
  })

  it('refuses a body that is not JSON with 415, and malformed JSON with 400', async () => {
    const { app } = await buildJourneysApp(engine())
    const text = await triggerEvent(app, 'name=x&userId=1', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(text.statusCode).toBe(415)
    expect(problemCode(text)).toBe('GW_ERR_REQUEST_MEDIA_TYPE')
    expectDocumented(app, 'POST', path, text)
    const malformed = await triggerEvent(app, '{"name": "x",')
    expect(malformed.statusCode).toBe(400)
    expect(problemCode(malformed)).toBe('GW_ERR_REQUEST_MALFORMED_JSON')
    expectDocumented(app, 'POST', path, malformed)
  })
})
