import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../../../helpers/eventually.js'
import { backends } from '../../../helpers/journeyDatabases.js'
import { ended, event, runUntil, startTestEngine, stepStatus, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

describe.each(backends)('fan-in and skipping on %s', (backend) => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend) }, 60_000)
  afterAll(async () => { await t.stop() })

  const hook = (id: string): Record<string, unknown> => ({ id, type: 'webhook', url: `${webhooksUrl}/${id}/{{run.id}}` })
  const hooksTo = (id: string, runId: string): readonly { receivedAt: number }[] => t.webhooks.received().requests.filter((request) => request.path === `/${id}/${runId}`)
  const statuses = async (runId: string): Promise<Record<string, string>> =>
    Object.fromEntries((await t.engine.getRun(runId)).steps.map((step) => [step.id, step.status]))

  async function start (next: string[], steps: unknown[], properties: Record<string, unknown> = {}): Promise<string> {
    const trigger = unique('fan')
    await t.engine.createFlow({ name: 'fan', trigger: { event: trigger, next }, steps })
    const answer = await t.engine.triggerEvent(event(trigger, unique('user'), { properties }))
    return answer.runs[0]?.runId ?? ''
  }

  it('runs a step with two parents once, only after both have settled', async () => {
    const go = unique('go')
    const runId = await start(['slow', 'quick'], [
      // Settles when the test sends `go`: the order of the parents is the test's, not the clock's.
      { id: 'slow', type: 'waitForEvent', event: go, timeout: 'PT1H', then: ['join'], else: [] },
      { ...hook('quick'), next: ['join'] },
      hook('join')
    ])
    const early = await eventually('the quick parent has succeeded', async () => {
      const run = await t.engine.getRun(runId)
      return stepStatus(run, 'quick') === 'succeeded' ? run : undefined
    })
    // One parent settled, the other still waiting: the fan-in step has not started.
    expect(stepStatus(early, 'slow')).toBe('waiting')
    expect(stepStatus(early, 'join')).toBe('pending')
    expect(hooksTo('join', runId)).toHaveLength(0)

    const sentAt = Date.now()
    await t.engine.triggerEvent(event(go, early.userId))
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('completed')
    expect(run.steps.map((step) => [step.id, step.status])).toEqual([['slow', 'succeeded'], ['quick', 'succeeded'], ['join', 'succeeded']])
    const joins = hooksTo('join', runId)
    expect(joins).toHaveLength(1)
    expect(joins[0]?.receivedAt).toBeGreaterThanOrEqual(sentAt)
    expect(run.steps.find((step) => step.id === 'join')?.attempts).toHaveLength(1)
  })

  it('runs a fan-in after a branch when one parent ran and the other was skipped', async () => {
    const runId = await start(['pick'], [
      { id: 'pick', type: 'branch', where: { 'event.properties.left': true }, then: ['left'], else: ['right'] },
      { ...hook('left'), next: ['join'] },
      { ...hook('right'), next: ['join'] },
      hook('join')
    ], { left: false })
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('completed')
    expect(await statuses(runId)).toEqual({ pick: 'succeeded', left: 'skipped', right: 'succeeded', join: 'succeeded' })
    expect(hooksTo('left', runId)).toHaveLength(0)
    expect(hooksTo('right', runId)).toHaveLength(1)
    expect(hooksTo('join', runId)).toHaveLength(1)
  })

  it('skips the branch not taken, transitively: a step whose parents were all skipped is skipped too', async () => {
    const runId = await start(['pick'], [
      { id: 'pick', type: 'branch', where: { 'event.properties.vip': true }, then: ['a', 'b'], else: ['c'] },
      { ...hook('a'), next: ['d'] },
      { id: 'b', type: 'wait', duration: 'PT1H', next: ['d'] },
      { ...hook('d'), next: ['e'] },
      { id: 'e', type: 'email', to: '{{user.email}}', subject: 'never', text: 'never' },
      hook('c')
    ], { vip: false })
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('completed')
    expect(await statuses(runId)).toEqual({ pick: 'succeeded', a: 'skipped', b: 'skipped', d: 'skipped', e: 'skipped', c: 'succeeded' })
    for (const id of ['a', 'd']) expect(hooksTo(id, runId)).toHaveLength(0)
    expect(hooksTo('c', runId)).toHaveLength(1)
    expect(t.email.received().requests.filter((request) => request.idempotencyKey === `${runId}:e`)).toHaveLength(0)
  })
})
