import { describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { ORIGINAL_ACCEPTED_RUN, ORIGINAL_FAILED_RUN } from '../../../../mocks/addEventPattern.js'
import { EngineUnavailableError } from '../../../../services/journeys/engineClient.js'
import type { EngineClient } from '../../../../services/journeys/index.js'
import { eventually } from '../../../helpers/eventually.js'
import { inProcessEngineClient } from '../../../helpers/inProcessEngineClient.js'
import { backends } from '../../../helpers/journeyDatabases.js'
import { addEvent } from '../../../helpers/testApp.js'
import { hangRequest } from '../../../helpers/upstreamFaults.js'
import { buildJourneysApp, call, createFlow, sharedEngine, unique, waitingFlow } from '../../../helpers/journeysApp.js'

interface RecordedEvent {
  readonly state: string
  readonly source: string
  readonly runs: readonly { readonly id: string }[]
}

async function recorded (app: FastifyInstance, eventId: string): Promise<RecordedEvent | undefined> {
  const response = await call(app, 'GET', `/api/events/${eventId}`)
  return response.statusCode === 404 ? undefined : response.json<RecordedEvent>()
}

async function runsOf (app: FastifyInstance, flowId: string): Promise<{ id: string, eventId: string }[]> {
  return (await call(app, 'GET', `/api/runs?flowId=${flowId}&limit=1000`)).json<{ id: string, eventId: string }[]>()
}

describe.each(backends)('writes through /addEvent trigger flows on %s', (backend) => {
  /** The engine's clock, ahead of real time by what a test says: pending triggers grow old at once. */
  let ahead = 0
  const clock = (): number => Date.now() + ahead
  const engine = sharedEngine(backend, { clock })

  it('keeps its promise against event.com\'s 5-then-10 pattern: each 201 has its run, no failed write has one', async () => {
    const { app, upstream, clock: appClock } = await buildJourneysApp(engine())
    const name = unique('signup')
    const flowId = await createFlow(app, waitingFlow(name))
    upstream.service.setScenario({ name: 'original' })

    const created: string[] = []
    const statuses: number[] = []
    // Every write until event.com has seen one full pattern; past the breaker's open periods by the clock.
    while (upstream.received.length < ORIGINAL_ACCEPTED_RUN + ORIGINAL_FAILED_RUN) {
      const response = await addEvent(app, { name, userId: '1' })
      statuses.push(response.statusCode)
      if (response.statusCode === 201) created.push(response.json<{ id: string }>().id)
      if (response.statusCode === 503) appClock.advance(60_000)
    }
    expect(created).toHaveLength(ORIGINAL_ACCEPTED_RUN)
    expect(statuses.filter((status) => status === 502)).toHaveLength(ORIGINAL_FAILED_RUN)

    for (const id of created) {
      const event = await recorded(app, id)
      expect(event, id).toMatchObject({ state: 'recorded', source: 'addEvent' })
      expect(event?.runs).toHaveLength(1)
    }
    const failed = upstream.received.map((event) => event.id).filter((id) => !created.includes(id))
    expect(failed).toHaveLength(ORIGINAL_FAILED_RUN)
    for (const id of failed) {
      const event = await recorded(app, id)
      expect(event?.state ?? 'none', id).toMatch(/^(none|discarded)$/)
      expect(event?.runs ?? []).toEqual([])
    }
    expect((await runsOf(app, flowId)).map((run) => run.eventId).sort()).toEqual([...created].sort())

    // event.com recovers: the next ten writes succeed, each with its run.
    upstream.service.setScenario({ name: 'healthy' })
    appClock.advance(60_000)
    const after: string[] = []
    for (let i = 0; i < 10; i++) {
      const response = await addEvent(app, { name, userId: '2' })
      expect(response.statusCode, response.body).toBe(201)
      after.push(response.json<{ id: string }>().id)
    }
    for (const id of after) expect((await recorded(app, id))?.runs, id).toHaveLength(1)
    expect((await runsOf(app, flowId)).map((run) => run.eventId).sort()).toEqual([...created, ...after].sort())
  })

  it('records nothing for a write no flow acts on, nor for one only an archived flow triggers', async () => {
    const { app } = await buildJourneysApp(engine())
    const archivedName = unique('archived')
    const archived = await createFlow(app, waitingFlow(archivedName))
    expect((await call(app, 'DELETE', `/api/flows/${archived}`)).statusCode).toBe(200)
    for (const name of [unique('nobody'), archivedName]) {
      const response = await addEvent(app, { name, userId: '1' })
      expect(response.statusCode).toBe(201)
      expect(await recorded(app, response.json<{ id: string }>().id), name).toBeUndefined()
    }
  })

  it('records a write a disabled flow triggers, as skipped: its exits and waits still apply', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('disabled')
    const flowId = await createFlow(app, waitingFlow(name))
    await call(app, 'POST', `/api/flows/${flowId}/disable`)
    const response = await addEvent(app, { name, userId: '1' })
    expect(response.statusCode).toBe(201)
    const id = response.json<{ id: string }>().id
    expect((await call(app, 'GET', `/api/events/${id}`)).json()).toMatchObject({ state: 'recorded', runs: [], skipped: [{ flowId, reason: 'disabled' }] })
  })

  it('carries an accepted write\'s details to the run as event.properties.details', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('details')
    await createFlow(app, waitingFlow(name))
    const response = await addEvent(app, { name, userId: '3', details: 'plan=pro' })
    expect(response.statusCode).toBe(201)
    expect((await call(app, 'GET', `/api/events/${response.json<{ id: string }>().id}`)).json()).toMatchObject({ userId: '3', properties: { details: 'plan=pro' } })
  })

  it('refuses a trigger event reusing the id of a write\'s event: 409 GW_ERR_EVENT_ID_CONFLICT, nothing more started', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('reused')
    const flowId = await createFlow(app, waitingFlow(name))
    const written = await addEvent(app, { name, userId: '1' })
    expect(written.statusCode).toBe(201)
    const id = written.json<{ id: string }>().id
    const response = await call(app, 'POST', '/api/trigger-event', { id, name, userId: '1', properties: {} })
    expect(response.statusCode).toBe(409)
    expect(response.json()).toMatchObject({ code: 'GW_ERR_EVENT_ID_CONFLICT' })
    expect(await runsOf(app, flowId)).toHaveLength(1)
  })

  it('settles what a crash left pending: event.com has it → its runs start; event.com has not → discarded', async () => {
    // The first gateway forwards, then loses its engine before it can confirm; and one write's answer is lost.
    const base = inProcessEngineClient(engine())
    const crashing: EngineClient = { ...base, get eventNames () { return base.eventNames }, confirmPending: () => Promise.reject(new EngineUnavailableError('failed')) }
    const first = await buildJourneysApp(engine(), { client: crashing })
    const name = unique('crash')
    const flowId = await createFlow(first.app, waitingFlow(name))
    const accepted = await addEvent(first.app, { name, userId: '1' })
    expect(accepted.statusCode).toBe(201)
    const acceptedId = accepted.json<{ id: string }>().id
    expect(await recorded(first.app, acceptedId)).toMatchObject({ state: 'pending', runs: [] })

    first.upstream.use(hangRequest())
    const lost = addEvent(first.app, { name, userId: '2' })
    await eventually('the write reaches event.com', () => first.upstream.dispatcher.inFlight === 1 ? true : undefined)
    first.timeouts.fire()
    expect((await lost).statusCode).toBe(504)
    const lostId = first.upstream.received.at(-1)?.id ?? ''
    expect(await recorded(first.app, lostId)).toMatchObject({ state: 'pending', runs: [] })
    expect(await runsOf(first.app, flowId)).toEqual([])

    // A new gateway on the same engine and event.com settles them once they are older than a write can take.
    ahead += 10 * 60_000
    const second = await buildJourneysApp(engine(), { upstream: first.upstream })
    await second.app.ready()
    const settled = await eventually('the pending triggers are settled', async () => {
      const [one, other] = [await recorded(second.app, acceptedId), await recorded(second.app, lostId)]
      return one?.state !== 'pending' && other?.state !== 'pending' ? [one, other] : undefined
    })
    expect(settled[0]).toMatchObject({ state: 'recorded' })
    expect(settled[0]?.runs).toHaveLength(1)
    expect(settled[1]).toMatchObject({ state: 'discarded', runs: [] })
    expect((await runsOf(second.app, flowId)).map((run) => run.eventId)).toEqual([acceptedId])
  })
})
