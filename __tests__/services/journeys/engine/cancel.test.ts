import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RunConflictError, RunNotFoundError } from '../../../../services/journeys/engine/runControl.js'
import { eventually } from '../../../helpers/eventually.js'
import { backends } from '../../../helpers/journeyDatabases.js'
import { letTimePass } from '../../../helpers/letTimePass.js'
import { rejectionOf } from '../../../helpers/rejectionOf.js'
import { ended, event, runUntil, startTestEngine, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

describe.each(backends)('cancelling runs on %s', (backend) => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend, { stepTimeoutMs: 5000 }) }, 60_000)
  afterAll(async () => { await t.stop() })
  afterEach(() => { t.webhooks.setScenario({ name: 'healthy' }) })

  const hooksFor = (runId: string): number => t.webhooks.received().requests.filter((request) => request.path.endsWith(`/${runId}`)).length
  const emailsFor = (runId: string): number => t.email.received().requests.filter((request) => request.idempotencyKey?.startsWith(`${runId}:`) === true).length

  async function start (steps: unknown[], properties: Record<string, unknown> = {}): Promise<{ runId: string, trigger: string, user: string }> {
    const trigger = unique('start')
    await t.engine.createFlow({ name: 'cancel', exit: { event: `${trigger}-exit` }, trigger: { event: trigger, next: ['first'] }, steps })
    const user = unique('user')
    const answer = await t.engine.triggerEvent(event(trigger, user, { properties }))
    return { runId: answer.runs[0]?.runId ?? '', trigger, user }
  }

  it('cancels a run during a wait: its timer is removed and nothing after it runs', async () => {
    const { runId } = await start([
      { id: 'first', type: 'wait', duration: 400, next: ['after'] },
      { id: 'after', type: 'webhook', url: `${webhooksUrl}/after/{{run.id}}` }
    ])
    expect((await t.engine.getRun(runId)).status).toBe('waiting')
    const cancelled = await t.engine.cancelRun(runId)
    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.endedAt).toBeDefined()
    expect(cancelled.steps.map((step) => [step.id, step.status])).toEqual([['first', 'cancelled'], ['after', 'cancelled']])

    await letTimePass(t, 550)
    expect(hooksFor(runId)).toBe(0)
    expect((await t.engine.getRun(runId)).status).toBe('cancelled')
  })

  it('cancels a run during a call in flight: the call is aborted, and nothing after it runs', async () => {
    t.webhooks.setScenario({ name: 'hanging' })
    const { runId } = await start([
      { id: 'first', type: 'webhook', url: `${webhooksUrl}/hang/{{run.id}}`, next: ['after'] },
      { id: 'after', type: 'email', to: '{{user.email}}', subject: 'after', text: 'after' }
    ])
    await eventually('the call has reached the receiver', () => hooksFor(runId) === 1 ? true : undefined)
    const inFlight = await t.engine.getRun(runId)
    expect(inFlight.steps[0]).toMatchObject({ status: 'running', attempts: [{ n: 1 }] })
    expect(inFlight.steps[0]?.attempts[0]?.endedAt).toBeUndefined()

    const cancelled = await t.engine.cancelRun(runId)
    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.steps.map((step) => [step.id, step.status])).toEqual([['first', 'cancelled'], ['after', 'cancelled']])

    // The aborted call ends long before the 5 s step timeout, recorded as cancelled, not as a timeout.
    const closed = await runUntil(t.engine, runId, 'the aborted attempt is closed', (run) => run.steps[0]?.attempts[0]?.endedAt !== undefined, 4000)
    const attempt = closed.steps[0]?.attempts[0]
    expect(attempt?.outcome).toBe('cancelled')
    expect(Date.parse(attempt?.endedAt ?? '') - Date.parse(attempt?.startedAt ?? '')).toBeLessThan(5000)
    expect(t.observations).toContainEqual(expect.objectContaining({ type: 'webhook', outcome: 'cancelled' }))
    expect(closed.status).toBe('cancelled')
    expect(hooksFor(runId)).toBe(1)
    expect(emailsFor(runId)).toBe(0)
  })

  it('refuses to cancel a run that completed, was cancelled or exited, with RunConflictError', async () => {
    const steps = [{ id: 'first', type: 'wait', duration: 'PT1H' }]
    const completedRun = await start([{ id: 'first', type: 'webhook', url: `${webhooksUrl}/done/{{run.id}}` }])
    await runUntil(t.engine, completedRun.runId, 'the run completes', ended)
    const cancelledRun = await start(steps)
    await t.engine.cancelRun(cancelledRun.runId)
    const exitedRun = await start(steps)
    expect((await t.engine.triggerEvent(event(`${exitedRun.trigger}-exit`, exitedRun.user))).exited).toEqual([exitedRun.runId])

    for (const [runId, status] of [[completedRun.runId, 'completed'], [cancelledRun.runId, 'cancelled'], [exitedRun.runId, 'exited']] as const) {
      const error = await rejectionOf(t.engine.cancelRun(runId))
      expect(error).toBeInstanceOf(RunConflictError)
      expect(error).toMatchObject({ runId, status })
      expect((await t.engine.getRun(runId)).status).toBe(status)
    }
    expect(await rejectionOf(t.engine.cancelRun(unique('no-such-run')))).toBeInstanceOf(RunNotFoundError)
  })

  it('cancels a failed run: its failed step stays failed, the steps it held back are cancelled', async () => {
    const { runId } = await start([
      { id: 'first', type: 'email', to: '{{event.properties.address}}', subject: 's', text: 't', next: ['after'] },
      { id: 'after', type: 'webhook', url: `${webhooksUrl}/after/{{run.id}}` }
    ])
    const failed = await runUntil(t.engine, runId, 'the run fails', (run) => run.status === 'failed')
    expect(failed.steps.map((step) => [step.id, step.status])).toEqual([['first', 'failed'], ['after', 'pending']])
    const cancelled = await t.engine.cancelRun(runId)
    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.steps.map((step) => [step.id, step.status])).toEqual([['first', 'failed'], ['after', 'cancelled']])
    expect(await rejectionOf(t.engine.retryRun(runId))).toBeInstanceOf(RunConflictError)
    expect(hooksFor(runId)).toBe(0)
  })
})
