import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../../../helpers/eventually.js'
import { backends, createPostgresDatabase } from '../../../helpers/journeyDatabases.js'
import { event, runUntil, startTestEngine, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

/**
 * Two engines on one PostgreSQL database, as an api process's (no step workers) and a worker
 * process's: what one of them decides reaches the other through the database's notifications.
 */
describe.runIf(backends.includes('postgres'))('engines of several processes on one PostgreSQL', () => {
  let api: TestEngine
  let worker: TestEngine
  let drop: () => Promise<void> = () => Promise.resolve()
  beforeAll(async () => {
    const created = await createPostgresDatabase()
    drop = created.drop
    api = await startTestEngine('postgres', { databaseUrl: created.url, work: false, stepTimeoutMs: 20_000 })
    worker = await startTestEngine('postgres', { databaseUrl: created.url, stepTimeoutMs: 20_000 })
  }, 60_000)
  afterAll(async () => {
    await worker.stop()
    await api.stop()
    await drop()
  })

  it('aborts the call in flight on the worker\'s engine when the run is cancelled on the api\'s', async () => {
    const trigger = unique('start')
    await api.engine.createFlow({ name: 'hangs', trigger: { event: trigger, next: ['call'] }, steps: [{ id: 'call', type: 'webhook', url: `${webhooksUrl}/hang/{{run.id}}` }] })
    worker.webhooks.setScenario({ name: 'hanging' })
    try {
      const answer = await api.engine.triggerEvent(event(trigger, unique('user')))
      const runId = answer.runs[0]?.runId ?? ''
      await eventually('the worker makes the call', () => worker.webhooks.received().requests.some((request) => request.path === `/hang/${runId}`) ? true : undefined)
      const cancelled = await api.engine.cancelRun(runId)
      expect(cancelled.status).toBe('cancelled')
      // Long before the step's 20 s timeout: the worker's engine aborted the call, and says so in its outcome.
      const run = await runUntil(api.engine, runId, 'the attempt is closed as cancelled', (view) => view.steps[0]?.attempts[0]?.outcome === 'cancelled', 5000)
      expect(run.steps[0]?.status).toBe('cancelled')
      expect(worker.observations.filter((observation) => observation.outcome === 'cancelled')).toHaveLength(1)
    } finally {
      worker.webhooks.setScenario({ name: 'healthy' })
    }
  })

  it('tells the other engine of a flow saved on one: its event names include the new trigger', async () => {
    const trigger = unique('named')
    expect(worker.eventNames?.has(trigger)).toBe(false)
    await api.engine.createFlow({ name: 'named', trigger: { event: trigger, next: ['pause'] }, steps: [{ id: 'pause', type: 'wait', duration: 0 }] })
    await eventually('the worker\'s engine knows the name', () => worker.eventNames?.has(trigger) === true ? true : undefined, 5000)
  })
})
