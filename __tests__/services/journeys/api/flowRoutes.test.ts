import { describe, expect, it } from 'vitest'
import { backends } from '../../../helpers/journeyDatabases.js'
import { eventually } from '../../../helpers/eventually.js'
import { expectDocumented } from './documentedResponse.js'
import { buildJourneysApp, call, createFlow, problemCode, quickFlow, sharedEngine, triggerEvent, unique, waitingFlow } from '../../../helpers/journeysApp.js'
import type { TriggerAnswer } from '../../../helpers/journeysApp.js'

interface FlowDetail {
  readonly id: string
  readonly name: string
  readonly version: number
  readonly shownVersion: number
  readonly enabled: boolean
  readonly archived: boolean
  readonly trigger: string
  readonly entry: string
  readonly order: readonly string[]
  readonly definition: Record<string, unknown>
  readonly runs: Record<string, number>
}

describe.each(backends)('/api/flows on %s', (backend) => {
  const engine = sharedEngine(backend)

  it('POST saves a flow as version 1: 201 with its id, order and definition as validated', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('create')
    const response = await call(app, 'POST', '/api/flows', {
      name,
      trigger: { event: name, next: ['hello'] },
      steps: [
        { id: 'hello', type: 'email', to: '{{user.email}}', subject: 'Hi', text: 'Hello', next: ['pause'] },
        { id: 'pause', type: 'wait', duration: 'PT1M' }
      ]
    })
    expect(response.statusCode).toBe(201)
    expectDocumented(app, 'POST', '/api/flows', response)
    const flow = response.json<FlowDetail>()
    expect(flow).toMatchObject({ name, version: 1, shownVersion: 1, enabled: true, archived: false, trigger: name, order: ['hello', 'pause'], runs: {} })
    expect(flow.id).toMatch(/^[0-9a-f-]{36}$/)
    // The default entry policy, reported as applied; the rest as submitted.
    expect(flow.entry).toBe('once-per-event')
    expect(flow.definition).toMatchObject({ name, entry: 'once-per-event', steps: [{ id: 'hello' }, { id: 'pause', duration: 'PT1M' }] })
  })

  it('ignores an id in the body: the gateway names every flow', async () => {
    const { app } = await buildJourneysApp(engine())
    const response = await call(app, 'POST', '/api/flows', { ...quickFlow(unique('named')), id: 'my-own-id' })
    expect(response.statusCode).toBe(201)
    expect(response.json<FlowDetail>().id).not.toBe('my-own-id')
  })

  it('GET lists the flows not archived, and GET /:id shows one', async () => {
    const { app } = await buildJourneysApp(engine())
    const id = await createFlow(app, quickFlow(unique('listed')))
    const list = await call(app, 'GET', '/api/flows')
    expect(list.statusCode).toBe(200)
    expectDocumented(app, 'GET', '/api/flows', list)
    expect(list.json<FlowDetail[]>().find((flow) => flow.id === id)).toMatchObject({ version: 1, enabled: true })
    const one = await call(app, 'GET', `/api/flows/${id}`)
    expect(one.statusCode).toBe(200)
    expectDocumented(app, 'GET', '/api/flows/{id}', one)
    expect(one.json<FlowDetail>()).toMatchObject({ id, version: 1, shownVersion: 1 })
  })

  it('GET /:id/steps counts the active runs at each step', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('steps')
    const id = await createFlow(app, waitingFlow(name))
    const empty = await call(app, 'GET', `/api/flows/${id}/steps`)
    expect(empty.statusCode).toBe(200)
    expectDocumented(app, 'GET', '/api/flows/{id}/steps', empty)
    expect(empty.json()).toEqual({ steps: {} })
    for (const user of [unique('ann'), unique('bob')]) expect((await triggerEvent(app, { name, userId: user })).statusCode).toBe(202)
    const counted = await eventually('both runs wait at pause', async () => {
      const response = await call(app, 'GET', `/api/flows/${id}/steps`)
      return response.json<{ steps: Record<string, { waiting: number }> }>().steps.pause?.waiting === 2 ? response : undefined
    })
    expectDocumented(app, 'GET', '/api/flows/{id}/steps', counted)
    expect(counted.json()).toEqual({ steps: { pause: { running: 0, waiting: 2 } } })
  })

  it('answers 404 GW_ERR_FLOW_NOT_FOUND for a flow or a version that does not exist', async () => {
    const { app } = await buildJourneysApp(engine())
    const id = await createFlow(app, quickFlow(unique('missing')))
    for (const [method, url, route] of [
      ['GET', '/api/flows/no-such-flow', '/api/flows/{id}'],
      ['GET', `/api/flows/${id}?version=2`, '/api/flows/{id}'],
      ['GET', '/api/flows/no-such-flow/steps', '/api/flows/{id}/steps'],
      ['PUT', '/api/flows/no-such-flow', '/api/flows/{id}'],
      ['POST', '/api/flows/no-such-flow/disable', '/api/flows/{id}/disable'],
      ['POST', '/api/flows/no-such-flow/enable', '/api/flows/{id}/enable'],
      ['DELETE', '/api/flows/no-such-flow', '/api/flows/{id}']
    ] as const) {
      const response = await call(app, method, url, method === 'PUT' ? quickFlow('x') : undefined)
      expect(response.statusCode, `${method} ${url}`).toBe(404)
      expect(problemCode(response)).toBe('GW_ERR_FLOW_NOT_FOUND')
      expectDocumented(app, method, route, response)
    }
  })

  it('answers 400 naming the field for a version that is not a positive whole number', async () => {
    const { app } = await buildJourneysApp(engine())
    const id = await createFlow(app, quickFlow(unique('badversion')))
    const response = await call(app, 'GET', `/api/flows/${id}?version=0`)
    expect(response.statusCode).toBe(400)
    expect(response.json<{ field?: string }>().field).toBe('querystring/version')
    expectDocumented(app, 'GET', '/api/flows/{id}', response)
  })

  it('PUT saves a new version: new runs start on it, a run in flight stays on its own, and ?version= shows the old', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('versions')
    const id = await createFlow(app, waitingFlow(name))
    const before = (await triggerEvent(app, { name, userId: '1' })).json<TriggerAnswer>()
    const updated = await call(app, 'PUT', `/api/flows/${id}`, waitingFlow(name, { name: 'renamed' }))
    expect(updated.statusCode).toBe(200)
    expectDocumented(app, 'PUT', '/api/flows/{id}', updated)
    expect(updated.json<FlowDetail>()).toMatchObject({ id, version: 2, shownVersion: 2, name: 'renamed' })
    const after = (await triggerEvent(app, { name, userId: '2' })).json<TriggerAnswer>()
    expect(after.runs).toEqual([expect.objectContaining({ flowId: id, flowVersion: 2 })])
    const oldRun = await call(app, 'GET', `/api/runs/${before.runs[0]?.runId ?? ''}`)
    expect(oldRun.json()).toMatchObject({ flowVersion: 1, status: 'waiting' })
    // `name` is the flow's, as of its newest version; the definition shown is the version's own.
    const first = await call(app, 'GET', `/api/flows/${id}?version=1`)
    expect(first.json<FlowDetail>()).toMatchObject({ version: 2, shownVersion: 1, name: 'renamed', definition: { name: `waiting ${name}` } })
  })

  it('disable starts no new run while runs in flight go on; enable lets it start them again', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('toggle')
    const id = await createFlow(app, waitingFlow(name))
    const running = (await triggerEvent(app, { name, userId: '1' })).json<TriggerAnswer>().runs[0]?.runId ?? ''
    const disabled = await call(app, 'POST', `/api/flows/${id}/disable`)
    expect(disabled.statusCode).toBe(200)
    expectDocumented(app, 'POST', '/api/flows/{id}/disable', disabled)
    expect(disabled.json<FlowDetail>().enabled).toBe(false)
    const skipped = (await triggerEvent(app, { name, userId: '2' })).json<TriggerAnswer>()
    expect(skipped).toMatchObject({ runs: [], skipped: [{ flowId: id, reason: 'disabled' }] })
    expect((await call(app, 'GET', `/api/runs/${running}`)).json()).toMatchObject({ status: 'waiting' })
    const enabled = await call(app, 'POST', `/api/flows/${id}/enable`)
    expect(enabled.statusCode).toBe(200)
    expectDocumented(app, 'POST', '/api/flows/{id}/enable', enabled)
    expect(enabled.json<FlowDetail>().enabled).toBe(true)
    expect((await triggerEvent(app, { name, userId: '2' })).json<TriggerAnswer>().runs).toHaveLength(1)
  })

  it('DELETE archives the flow: gone from the list, starts nothing, and its runs in flight go on', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('archive')
    const id = await createFlow(app, waitingFlow(name))
    const running = (await triggerEvent(app, { name, userId: '1' })).json<TriggerAnswer>().runs[0]?.runId ?? ''
    const archived = await call(app, 'DELETE', `/api/flows/${id}`)
    expect(archived.statusCode).toBe(200)
    expectDocumented(app, 'DELETE', '/api/flows/{id}', archived)
    expect(archived.json()).toEqual({ archived: true, cancelled: 0 })
    expect((await call(app, 'GET', '/api/flows')).json<FlowDetail[]>().map((flow) => flow.id)).not.toContain(id)
    expect((await call(app, 'GET', `/api/flows/${id}`)).json()).toMatchObject({ archived: true })
    expect((await triggerEvent(app, { name, userId: '2' })).json<TriggerAnswer>()).toMatchObject({ runs: [], skipped: [] })
    expect((await call(app, 'GET', `/api/runs/${running}`)).json()).toMatchObject({ status: 'waiting' })
  })

  it('DELETE ?cancelRuns=true archives the flow and cancels its active runs, not its finished ones', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('archive-cancel')
    const quick = unique('archive-quick')
    const id = await createFlow(app, waitingFlow(name))
    const waiting = await Promise.all(['1', '2'].map(async (userId) => (await triggerEvent(app, { name, userId })).json<TriggerAnswer>().runs[0]?.runId ?? ''))
    const done = await createFlow(app, quickFlow(quick))
    const finished = (await triggerEvent(app, { name: quick, userId: '3' })).json<TriggerAnswer>().runs[0]?.runId ?? ''
    await eventually('the quick run completes', async () => (await call(app, 'GET', `/api/runs/${finished}`)).json<{ status: string }>().status === 'completed' ? true : undefined)
    const archived = await call(app, 'DELETE', `/api/flows/${id}?cancelRuns=true`)
    expect(archived.statusCode).toBe(200)
    expect(archived.json()).toEqual({ archived: true, cancelled: 2 })
    for (const runId of waiting) expect((await call(app, 'GET', `/api/runs/${runId}`)).json()).toMatchObject({ status: 'cancelled' })
    expect((await call(app, 'DELETE', `/api/flows/${done}?cancelRuns=true`)).json()).toEqual({ archived: true, cancelled: 0 })
    expect((await call(app, 'GET', `/api/runs/${finished}`)).json()).toMatchObject({ status: 'completed' })
  })

  it('answers 400 to a cancelRuns that is not a boolean', async () => {
    const { app } = await buildJourneysApp(engine())
    const id = await createFlow(app, quickFlow(unique('badquery')))
    const response = await call(app, 'DELETE', `/api/flows/${id}?cancelRuns=maybe`)
    expect(response.statusCode).toBe(400)
    expect(response.json<{ field?: string }>().field).toBe('querystring/cancelRuns')
    expect((await call(app, 'GET', `/api/flows/${id}`)).json()).toMatchObject({ archived: false })
  })
})
