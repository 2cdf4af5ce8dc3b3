import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../../../helpers/eventually.js'
import { backends } from '../../../helpers/journeyDatabases.js'
import { letTimePass } from '../../../helpers/letTimePass.js'
import { event, startTestEngine, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

describe.each(backends)('exit rules on %s', (backend) => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend) }, 60_000)
  afterAll(async () => { await t.stop() })
  afterEach(() => { t.webhooks.setScenario({ name: 'healthy' }) })

  const hooksFor = (runId: string): number => t.webhooks.received().requests.filter((request) => request.path.endsWith(`/${runId}`)).length

  /** A flow with an exit rule, and a run of it for a new user. */
  async function start (steps: unknown[], exit: Record<string, unknown> = {}): Promise<{ runId: string, user: string, stop: string }> {
    const trigger = unique('start')
    const stop = unique('stop')
    await t.engine.createFlow({ name: 'exits', trigger: { event: trigger, next: ['first'] }, exit: { event: stop, ...exit }, steps })
    const user = unique('user')
    const answer = await t.engine.triggerEvent(event(trigger, user))
    return { runId: answer.runs[0]?.runId ?? '', user, stop }
  }

  it('ends a run during a wait, at once; the steps after it never run', async () => {
    const { runId, user, stop } = await start([
      { id: 'first', type: 'wait', duration: 400, next: ['after'] },
      { id: 'after', type: 'webhook', url: `${webhooksUrl}/after/{{run.id}}` }
    ])
    expect((await t.engine.getRun(runId)).status).toBe('waiting')

    // Another user's exit event is not this run's.
    const elsewhere = await t.engine.triggerEvent(event(stop, unique('other')))
    expect(elsewhere.exited).toEqual([])
    expect((await t.engine.getRun(runId)).status).toBe('waiting')

    const answer = await t.engine.triggerEvent(event(stop, user))
    expect(answer.exited).toEqual([runId])
    const run = await t.engine.getRun(runId)
    expect(run.status).toBe('exited')
    expect(run.endedAt).toBeDefined()
    expect(run.steps.map((step) => [step.id, step.status])).toEqual([['first', 'cancelled'], ['after', 'cancelled']])
    expect(run.steps[0]?.wakeAt).toBeUndefined()

    await letTimePass(t, 550)
    expect(hooksFor(runId)).toBe(0)
    expect((await t.engine.getRun(runId)).status).toBe('exited')
  })

  it('ends a run during a waitForEvent only when its where matches; neither the event nor the timeout carries it on', async () => {
    const awaited = unique('reply')
    const { runId, user, stop } = await start([
      { id: 'first', type: 'waitForEvent', event: awaited, timeout: 400, then: ['yes'], else: ['no'] },
      { id: 'yes', type: 'webhook', url: `${webhooksUrl}/yes/{{run.id}}` },
      { id: 'no', type: 'webhook', url: `${webhooksUrl}/no/{{run.id}}` }
    ], { where: { 'event.properties.reason': 'unsubscribed' } })

    const ignored = await t.engine.triggerEvent(event(stop, user, { properties: { reason: 'bounced' } }))
    expect(ignored.exited).toEqual([])
    expect((await t.engine.getRun(runId)).status).toBe('waiting')

    const answer = await t.engine.triggerEvent(event(stop, user, { properties: { reason: 'unsubscribed' } }))
    expect(answer.exited).toEqual([runId])
    const run = await t.engine.getRun(runId)
    expect(run.status).toBe('exited')
    expect(run.steps.map((step) => step.status)).toEqual(['cancelled', 'cancelled', 'cancelled'])

    await t.engine.triggerEvent(event(awaited, user))
    await letTimePass(t, 550)
    expect(hooksFor(runId)).toBe(0)
    expect((await t.engine.getRun(runId)).status).toBe('exited')
  })

  it('ends a run during a retry backoff: the retry is never made', async () => {
    t.webhooks.setScenario({ name: 'down' })
    const { runId, user, stop } = await start([
      { id: 'first', type: 'webhook', url: `${webhooksUrl}/hook/{{run.id}}`, retry: { attempts: 5, baseMs: 600, maxMs: 600 }, next: ['after'] },
      { id: 'after', type: 'email', to: '{{user.email}}', subject: 'after', text: 'after' }
    ])
    const backingOff = await eventually('the first attempt failed and a retry is scheduled', async () => {
      const run = await t.engine.getRun(runId)
      return run.steps[0]?.nextAttemptAt === undefined ? undefined : run
    })
    expect(backingOff.steps[0]).toMatchObject({ status: 'pending', attempts: [{ n: 1, outcome: 'retry', status: 503 }] })
    t.webhooks.setScenario({ name: 'healthy' })

    const answer = await t.engine.triggerEvent(event(stop, user))
    expect(answer.exited).toEqual([runId])
    const run = await t.engine.getRun(runId)
    expect(run.status).toBe('exited')
    expect(run.steps[0]).toMatchObject({ status: 'cancelled', attempts: [{ n: 1 }] })
    expect(run.steps[0]?.nextAttemptAt).toBeUndefined()

    await letTimePass(t, 750)
    expect(hooksFor(runId)).toBe(1)
    expect((await t.engine.getRun(runId)).steps[0]?.attempts).toHaveLength(1)
    expect(t.email.received().requests.filter((request) => request.idempotencyKey === `${runId}:after`)).toHaveLength(0)
  })
})
