import { describe, expect, it } from 'vitest'
import { eventually } from '../../../helpers/eventually.js'
import { backends } from '../../../helpers/journeyDatabases.js'
import { unique, webhooksUrl } from '../../../helpers/testEngine.js'
import { buildJourneysApp, call, createFlow, sharedEngine, waitingFlow } from '../../../helpers/journeysApp.js'

/** A metric's value in the Prometheus text, for the labels given in that order. */
function metric (text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((row) => row.startsWith(`${name}{${labels}}`))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe.each(backends)('the journeys engine in /health, /ready and /metrics on %s', (backend) => {
  const engine = sharedEngine(backend)

  it('reports the database, its migrations, the workers and the queue', async () => {
    const { app } = await buildJourneysApp(engine())
    const health = await call(app, 'GET', '/health')
    expect(health.statusCode).toBe(200)
    expect(health.json<{ journeys: unknown }>().journeys).toMatchObject({
      state: 'ready',
      database: backend,
      connected: true,
      migrations: expect.any(Number) as number,
      workers: 'running',
      queue: { ready: expect.any(Number) as number, deferred: expect.any(Number) as number, active: expect.any(Number) as number }
    })
    expect((await call(app, 'GET', '/ready')).statusCode).toBe(200)
  })

  it('counts steps by type and outcome, times the calls, and gauges the queue and the runs by status', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('metered')
    await createFlow(app, {
      name: 'metered',
      trigger: { event: name, next: ['tell'] },
      entry: 'always',
      steps: [{ id: 'tell', type: 'webhook', url: `${webhooksUrl}/metered` }]
    })
    const waiting = unique('metered-wait')
    await createFlow(app, waitingFlow(waiting))
    const before = (await call(app, 'GET', '/metrics')).body
    const succeededBefore = metric(before, 'journey_steps_total', 'type="webhook",outcome="succeeded"') ?? 0
    const completedBefore = metric(before, 'journey_runs', 'status="completed"') ?? 0

    const user = unique('user')
    const started = await call(app, 'POST', '/api/trigger-event', { name, userId: user })
    expect(started.statusCode).toBe(202)
    expect((await call(app, 'POST', '/api/trigger-event', { name: waiting, userId: user })).statusCode).toBe(202)

    const text = await eventually('the webhook step is counted', async () => {
      const body = (await call(app, 'GET', '/metrics')).body
      return (metric(body, 'journey_steps_total', 'type="webhook",outcome="succeeded"') ?? 0) > succeededBefore ? body : undefined
    })
    expect(metric(text, 'journey_step_duration_seconds_count', 'type="webhook"')).toBeGreaterThanOrEqual(1)
    expect(metric(text, 'journey_runs', 'status="completed"')).toBeGreaterThan(completedBefore)
    expect(metric(text, 'journey_runs', 'status="waiting"')).toBeGreaterThanOrEqual(1)
    // The waiting run's wake-up is a deferred job.
    expect(metric(text, 'journey_queue_jobs', 'state="deferred"')).toBeGreaterThanOrEqual(1)
  })
})
