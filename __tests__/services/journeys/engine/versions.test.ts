import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from '../../../helpers/journeyDatabases.js'
import { ended, event, runUntil, startTestEngine, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

describe.each(backends)('flow versions and lifecycle on %s', (backend) => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend) }, 60_000)
  afterAll(async () => { await t.stop() })

  const hooksTo = (path: string): number => t.webhooks.received().requests.filter((request) => request.path === path).length

  /** Waits for the user's `go` event, then calls `/<label>/<runId>`: the test says when a run moves on. */
  const waitThenCall = (trigger: string, label: string): Record<string, unknown> => ({
    name: label,
    entry: 'always',
    trigger: { event: trigger, next: ['pause'] },
    steps: [
      { id: 'pause', type: 'waitForEvent', event: `${trigger}-go`, timeout: 'PT1H', then: ['tell'], else: [] },
      { id: 'tell', type: 'webhook', url: `${webhooksUrl}/${label}/{{run.id}}` }
    ]
  })

  const go = async (trigger: string, runId: string): Promise<void> => {
    const { userId } = await t.engine.getRun(runId)
    await t.engine.triggerEvent(event(`${trigger}-go`, userId))
  }

  const runOf = async (trigger: string): Promise<string> => (await t.engine.triggerEvent(event(trigger, unique('user')))).runs[0]?.runId ?? ''

  it('keeps a waiting run on its version after an update; new runs start on the newest', async () => {
    const trigger = unique('signup')
    const flow = await t.engine.createFlow(waitThenCall(trigger, 'v1'))
    const first = await runOf(trigger)
    const updated = await t.engine.updateFlow(flow.id, {
      name: 'v2', entry: 'always', trigger: { event: trigger, next: ['now'] }, steps: [{ id: 'now', type: 'webhook', url: `${webhooksUrl}/v2/{{run.id}}` }]
    })
    expect(updated).toMatchObject({ version: 2, shownVersion: 2, name: 'v2' })
    expect(await t.engine.getFlow(flow.id, 1)).toMatchObject({ version: 2, shownVersion: 1, order: ['pause', 'tell'] })
    expect(await t.engine.getRun(first)).toMatchObject({ flowVersion: 1, status: 'waiting' })

    const second = await runOf(trigger)
    const newer = await runUntil(t.engine, second, 'the new run ends', ended)
    expect(newer).toMatchObject({ flowVersion: 2, status: 'completed' })
    expect(newer.steps.map((step) => step.id)).toEqual(['now'])

    await go(trigger, first)
    const pinned = await runUntil(t.engine, first, 'the pinned run ends', ended)
    expect(pinned).toMatchObject({ flowVersion: 1, status: 'completed' })
    expect(pinned.steps.map((step) => [step.id, step.status])).toEqual([['pause', 'succeeded'], ['tell', 'succeeded']])
    expect(hooksTo(`/v1/${first}`)).toBe(1)
    expect(hooksTo(`/v2/${first}`)).toBe(0)
    expect(hooksTo(`/v2/${second}`)).toBe(1)
  })

  it('disabled: starts no new run, but the active ones go on to the end', async () => {
    const trigger = unique('trial')
    const flow = await t.engine.createFlow(waitThenCall(trigger, 'disabled'))
    const active = await runOf(trigger)
    await t.engine.setFlowEnabled(flow.id, false)
    const answer = await t.engine.triggerEvent(event(trigger, unique('user')))
    expect(answer).toMatchObject({ runs: [], skipped: [{ flowId: flow.id, reason: 'disabled' }] })
    await go(trigger, active)

    const run = await runUntil(t.engine, active, 'the active run ends', ended)
    expect(run.status).toBe('completed')
    expect(hooksTo(`/disabled/${active}`)).toBe(1)
    expect((await t.engine.listRuns({ flowId: flow.id, limit: 10 })).items).toHaveLength(1)
  })

  it('archived with cancelRuns: its active runs are cancelled, ended ones left alone, and it starts no more', async () => {
    const trigger = unique('promo')
    const flow = await t.engine.createFlow(waitThenCall(trigger, 'archived'))
    const waiting = [await runOf(trigger), await runOf(trigger)]
    const done = await runOf(trigger)
    await t.engine.cancelRun(done)

    expect(await t.engine.archiveFlow(flow.id, true)).toEqual({ cancelled: 2 })
    for (const id of waiting) {
      const run = await t.engine.getRun(id)
      expect(run.status).toBe('cancelled')
      expect(run.steps.map((step) => step.status)).toEqual(['cancelled', 'cancelled'])
    }
    expect((await t.engine.getFlow(flow.id)).archived).toBe(true)
    expect(await t.engine.triggerEvent(event(trigger, unique('user')))).toMatchObject({ runs: [], skipped: [] })
  })

  it('archived without cancelRuns: its active runs go on to the end', async () => {
    const trigger = unique('promo')
    const flow = await t.engine.createFlow(waitThenCall(trigger, 'kept'))
    const active = await runOf(trigger)
    expect(await t.engine.archiveFlow(flow.id, false)).toEqual({ cancelled: 0 })
    await go(trigger, active)
    const run = await runUntil(t.engine, active, 'the active run ends', ended)
    expect(run.status).toBe('completed')
    expect(hooksTo(`/kept/${active}`)).toBe(1)
  })
})
