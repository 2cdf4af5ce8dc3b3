import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CursorInvalidError } from '../../../../services/journeys/engine/runQueries.js'
import type { RunSummary } from '../../../../services/journeys/engine/runQueries.js'
import { EventNotFoundError, RunNotFoundError } from '../../../../services/journeys/engine/runControl.js'
import { backends } from '../../../helpers/journeyDatabases.js'
import { rejectionOf } from '../../../helpers/rejectionOf.js'
import { ended, event, runUntil, startTestEngine, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

// Asymmetric matchers typed as what they are to the comparison: values of unknown type.
const isoTime: unknown = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
const anyString: unknown = expect.any(String)
const including = (fields: Record<string, unknown>): unknown => expect.objectContaining(fields)

describe.each(backends)('run and event queries on %s', (backend) => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend) }, 60_000)
  afterAll(async () => { await t.stop() })

  it('getRun: the run, and each step in flow order with its attempts', async () => {
    const trigger = unique('signup')
    const flow = await t.engine.createFlow({
      name: 'shapes',
      trigger: { event: trigger, next: ['pick'] },
      steps: [
        { id: 'pick', type: 'branch', where: { 'event.properties.go': true }, then: ['tell'], else: [] },
        { id: 'tell', type: 'webhook', url: `${webhooksUrl}/shape/{{run.id}}`, next: ['hold'] },
        { id: 'hold', type: 'wait', duration: 'PT1H' }
      ]
    })
    const user = unique('ivy')
    const sent = event(trigger, user, { properties: { go: true } })
    const answer = await t.engine.triggerEvent(sent)
    const runId = answer.runs[0]?.runId ?? ''
    const run = await runUntil(t.engine, runId, 'the run is waiting', (candidate) => candidate.status === 'waiting')
    expect(run).toEqual({
      id: runId,
      flowId: flow.id,
      flowVersion: 1,
      userId: user,
      eventId: sent.id,
      status: 'waiting',
      startedAt: isoTime,
      steps: [
        { id: 'pick', type: 'branch', status: 'succeeded', branch: 'then', attempts: [] },
        { id: 'tell', type: 'webhook', status: 'succeeded', attempts: [{ n: 1, startedAt: isoTime, endedAt: isoTime, outcome: 'succeeded', status: 200 }] },
        { id: 'hold', type: 'wait', status: 'waiting', wakeAt: isoTime, attempts: [] }
      ]
    })
    const cancelled = await t.engine.cancelRun(runId)
    expect(cancelled).toMatchObject({ status: 'cancelled', endedAt: isoTime })
    expect(cancelled.steps[2]).toEqual({ id: 'hold', type: 'wait', status: 'cancelled', attempts: [] })
    expect(await rejectionOf(t.engine.getRun(unique('no-run')))).toBeInstanceOf(RunNotFoundError)
  })

  it('listRuns: filters by flow, user and status, newest first, in pages joined by a cursor', async () => {
    const trigger = unique('visit')
    const flow = await t.engine.createFlow({ name: 'many', entry: 'always', trigger: { event: trigger, next: ['hold'] }, steps: [{ id: 'hold', type: 'wait', duration: 'PT1H' }] })
    const [ann, bob] = [unique('ann'), unique('bob')]
    const started: string[] = []
    for (const user of [ann, bob, ann, ann, bob, ann, ann]) started.push((await t.engine.triggerEvent(event(trigger, user))).runs[0]?.runId ?? '')
    await t.engine.cancelRun(started[1] ?? '')

    const all = await t.engine.listRuns({ flowId: flow.id, limit: 50 })
    expect(all.next).toBeUndefined()
    expect(new Set(all.items.map((run) => run.id))).toEqual(new Set(started))
    const times = all.items.map((run) => Date.parse(run.startedAt))
    expect(times).toEqual([...times].sort((a, b) => b - a))
    expect(all.items[0]).toEqual({ id: anyString, flowId: flow.id, flowVersion: 1, userId: anyString, eventId: anyString, status: 'waiting', startedAt: isoTime })

    const anns = await t.engine.listRuns({ flowId: flow.id, userId: ann, limit: 50 })
    expect(anns.items.map((run) => run.userId)).toEqual([ann, ann, ann, ann, ann])
    const cancelled = await t.engine.listRuns({ flowId: flow.id, status: 'cancelled', limit: 50 })
    expect(cancelled.items).toEqual([including({ id: started[1], userId: bob, status: 'cancelled', endedAt: isoTime })])
    expect((await t.engine.listRuns({ flowId: flow.id, userId: bob, status: 'waiting', limit: 50 })).items.map((run) => run.id)).toEqual([started[4]])

    const paged: RunSummary[] = []
    const sizes: number[] = []
    let cursor: string | undefined
    do {
      const page = await t.engine.listRuns({ flowId: flow.id, limit: 2, cursor })
      paged.push(...page.items)
      sizes.push(page.items.length)
      cursor = page.next
    } while (cursor !== undefined)
    expect(sizes).toEqual([2, 2, 2, 1])
    expect(paged.map((run) => run.id)).toEqual(all.items.map((run) => run.id))

    expect(await rejectionOf(t.engine.listRuns({ limit: 2, cursor: 'not-a-cursor' }))).toBeInstanceOf(CursorInvalidError)
  })

  it('getEvent: what an event was, the runs it started, the flows it skipped and the runs it ended', async () => {
    const trigger = unique('join')
    const stop = unique('leave')
    const flow = await t.engine.createFlow({
      name: 'events', entry: 'once', exit: { event: stop }, trigger: { event: trigger, next: ['hold'] }, steps: [{ id: 'hold', type: 'wait', duration: 'PT1H' }]
    })
    const user = unique('jo')
    const first = event(trigger, user, { properties: { plan: 'pro' }, occurredAt: '2024-05-01T10:00:00.000Z' })
    const runId = (await t.engine.triggerEvent(first)).runs[0]?.runId ?? ''
    const second = event(trigger, user)
    await t.engine.triggerEvent(second)
    const leaving = event(stop, user)
    await t.engine.triggerEvent(leaving)

    const started = await t.engine.getEvent(first.id)
    expect(started).toEqual({
      id: first.id,
      name: trigger,
      userId: user,
      source: 'api',
      state: 'recorded',
      properties: { plan: 'pro' },
      occurredAt: '2024-05-01T10:00:00.000Z',
      receivedAt: isoTime,
      runs: [including({ id: runId, flowId: flow.id, eventId: first.id })],
      skipped: [],
      exited: []
    })
    // The run it started is shown as it is now: ended by the exit.
    expect(started.runs[0]?.status).toBe('exited')
    expect(await t.engine.getEvent(second.id)).toMatchObject({ runs: [], skipped: [{ flowId: flow.id, reason: 'already-entered' }], exited: [] })
    expect(await t.engine.getEvent(leaving.id)).toMatchObject({ name: stop, runs: [], skipped: [], exited: [runId] })
    expect(await rejectionOf(t.engine.getEvent(unique('no-event')))).toBeInstanceOf(EventNotFoundError)
  })

  it('getRun of a completed run carries its end', async () => {
    const trigger = unique('ping')
    await t.engine.createFlow({ name: 'done', trigger: { event: trigger, next: ['tell'] }, steps: [{ id: 'tell', type: 'webhook', url: `${webhooksUrl}/done/{{run.id}}` }] })
    const runId = (await t.engine.triggerEvent(event(trigger, unique('kim')))).runs[0]?.runId ?? ''
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run).toMatchObject({ status: 'completed', endedAt: isoTime })
    expect(Date.parse(run.endedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(run.startedAt))
    expect(run.steps[0]?.nextAttemptAt).toBeUndefined()
  })
})
