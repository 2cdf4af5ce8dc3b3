import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { FlowNotFoundError } from '../../../../services/journeys/engine/flowCatalog.js'
import { backends } from '../../../helpers/journeyDatabases.js'
import { rejectionOf } from '../../../helpers/rejectionOf.js'
import { ended, event, runUntil, startTestEngine, stepStatus, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

// A breaker that never trips: the webhook's own retry keeps its step queued.
const patientBreaker = { failureThreshold: 1000, windowMs: 30_000, backoffBaseMs: 1000, backoffMaxMs: 60_000 }

describe.each(backends)('a flow\'s active runs by step on %s', (backend) => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend, { breaker: patientBreaker }) }, 60_000)
  afterAll(async () => { await t.stop() })
  afterEach(() => { t.webhooks.setScenario({ name: 'healthy' }) })

  it('counts the active runs at each step, running (queued for a retry) apart from waiting, and leaves ended runs out', async () => {
    t.webhooks.setScenario({ name: 'down' })
    const trigger = unique('arrive')
    const flow = await t.engine.createFlow({
      name: 'where runs are',
      entry: 'always',
      trigger: { event: trigger, next: ['pick'] },
      steps: [
        { id: 'pick', type: 'branch', where: { 'event.properties.hold': true }, then: ['hold'], else: ['hook'] },
        { id: 'hold', type: 'wait', duration: 'PT1H' },
        // A retry an hour away: after its failed first attempt the step stays queued.
        { id: 'hook', type: 'webhook', url: `${webhooksUrl}/steps/{{run.id}}`, retry: { attempts: 3, baseMs: 3_600_000, maxMs: 3_600_000 } }
      ]
    })
    expect(await t.engine.flowSteps(flow.id)).toEqual({ steps: {} })

    const start = async (hold: boolean): Promise<string> => (await t.engine.triggerEvent(event(trigger, unique('user'), { properties: { hold } }))).runs[0]?.runId ?? ''
    const held = [await start(true), await start(true), await start(true)]
    const hooked = await start(false)
    for (const runId of held) await runUntil(t.engine, runId, 'the run waits at hold', (run) => stepStatus(run, 'hold') === 'waiting')
    await runUntil(t.engine, hooked, 'the webhook waits for its retry', (run) => stepStatus(run, 'hook') === 'pending' && run.steps.some((step) => step.attempts.length === 1))
    expect(await t.engine.flowSteps(flow.id)).toEqual({ steps: { hold: { running: 0, waiting: 3 }, hook: { running: 1, waiting: 0 } } })

    await t.engine.cancelRun(held[0] ?? '')
    await t.engine.cancelRun(hooked)
    await runUntil(t.engine, hooked, 'the run has ended', ended)
    expect(await t.engine.flowSteps(flow.id)).toEqual({ steps: { hold: { running: 0, waiting: 2 } } })
  })

  it('answers FlowNotFoundError for an id no flow has', async () => {
    expect(await rejectionOf(t.engine.flowSteps(unique('no-flow')))).toBeInstanceOf(FlowNotFoundError)
  })
})
