import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from '../../../helpers/journeyDatabases.js'
import { ended, event, runUntil, startTestEngine, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

describe.each(backends)('entry policies on %s', (backend) => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend) }, 60_000)
  afterAll(async () => { await t.stop() })

  const definition = (trigger: string, entry?: string): Record<string, unknown> => ({
    name: `entry ${entry ?? 'default'}`,
    ...(entry !== undefined && { entry }),
    trigger: { event: trigger, next: ['tell'] },
    steps: [{ id: 'tell', type: 'webhook', url: `${webhooksUrl}/entry/{{run.id}}` }]
  })

  const runsOf = async (flowId: string, userId: string): Promise<number> => (await t.engine.listRuns({ flowId, userId, limit: 200 })).items.length

  it('once: 100 concurrent events of one user start exactly one run, and later ones never start another, even on a new version', async () => {
    const trigger = unique('join')
    const flow = await t.engine.createFlow(definition(trigger, 'once'))
    const user = unique('ann')
    const answers = await Promise.all(Array.from({ length: 100 }, () => t.engine.triggerEvent(event(trigger, user))))
    const started = answers.flatMap((answer) => answer.runs)
    expect(started).toHaveLength(1)
    expect(answers.flatMap((answer) => answer.skipped)).toEqual(Array.from({ length: 99 }, () => ({ flowId: flow.id, reason: 'already-entered' })))
    const run = await runUntil(t.engine, started[0]?.runId ?? '', 'the run ends', ended)
    expect(run.status).toBe('completed')

    const afterCompletion = await t.engine.triggerEvent(event(trigger, user))
    expect(afterCompletion).toMatchObject({ runs: [], skipped: [{ flowId: flow.id, reason: 'already-entered' }] })

    const updated = await t.engine.updateFlow(flow.id, definition(trigger, 'once'))
    expect(updated.version).toBe(2)
    const afterUpdate = await t.engine.triggerEvent(event(trigger, user))
    expect(afterUpdate).toMatchObject({ runs: [], skipped: [{ flowId: flow.id, reason: 'already-entered' }] })
    expect(await runsOf(flow.id, user)).toBe(1)

    // Once per user: another user still enters, on the newest version.
    const other = await t.engine.triggerEvent(event(trigger, unique('ben')))
    expect(other.runs).toEqual([expect.objectContaining({ flowId: flow.id, flowVersion: 2 })])
  }, 30_000)

  it('once-per-event (the default): the same event id twice starts one run; another event starts another', async () => {
    const trigger = unique('order')
    const flow = await t.engine.createFlow(definition(trigger))
    expect(flow.entry).toBe('once-per-event')
    const user = unique('cat')
    const first = event(trigger, user)
    const answer = await t.engine.triggerEvent(first)
    const again = await t.engine.triggerEvent(first)
    expect(answer.runs).toHaveLength(1)
    expect(answer.replayed).toBe(false)
    expect(again).toMatchObject({ replayed: true, runs: answer.runs })
    expect(await runsOf(flow.id, user)).toBe(1)

    const second = await t.engine.triggerEvent(event(trigger, user))
    expect(second.runs).toHaveLength(1)
    expect(second.runs[0]?.runId).not.toBe(answer.runs[0]?.runId)
    expect(await runsOf(flow.id, user)).toBe(2)
  })

  it('always: every event of the same user starts a run, even while another is active', async () => {
    const trigger = unique('visit')
    const flow = await t.engine.createFlow({ ...definition(trigger, 'always'), steps: [{ id: 'tell', type: 'wait', duration: 'PT1H' }] })
    const user = unique('dan')
    const answers = [
      await t.engine.triggerEvent(event(trigger, user)),
      await t.engine.triggerEvent(event(trigger, user)),
      await t.engine.triggerEvent(event(trigger, user))
    ]
    expect(answers.map((answer) => answer.runs.length)).toEqual([1, 1, 1])
    expect(new Set(answers.map((answer) => answer.runs[0]?.runId)).size).toBe(3)
    const active = await t.engine.listRuns({ flowId: flow.id, userId: user, status: 'waiting', limit: 10 })
    expect(active.items).toHaveLength(3)
    await Promise.all(answers.map((answer) => t.engine.cancelRun(answer.runs[0]?.runId ?? '')))
  })

  it('a disabled flow starts no run and says why; enabled again, it does', async () => {
    const trigger = unique('ping')
    const flow = await t.engine.createFlow(definition(trigger, 'always'))
    const disabled = await t.engine.setFlowEnabled(flow.id, false)
    expect(disabled.enabled).toBe(false)
    const user = unique('eve')
    const skipped = await t.engine.triggerEvent(event(trigger, user))
    expect(skipped).toMatchObject({ runs: [], skipped: [{ flowId: flow.id, reason: 'disabled' }] })
    expect(await runsOf(flow.id, user)).toBe(0)

    await t.engine.setFlowEnabled(flow.id, true)
    const started = await t.engine.triggerEvent(event(trigger, user))
    expect(started.runs).toEqual([expect.objectContaining({ flowId: flow.id })])
    expect(started.skipped).toEqual([])
  })
})
