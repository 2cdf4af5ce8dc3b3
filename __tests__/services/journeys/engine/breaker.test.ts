import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { RunDetail } from '../../../../services/journeys/engine/runQueries.js'
import { eventually } from '../../../helpers/eventually.js'
import { backends } from '../../../helpers/journeyDatabases.js'
import { ended, event, runUntil, startTestEngine, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

// Three failures open a destination's breaker for about a second (±20 % jitter).
const breaker = { failureThreshold: 3, windowMs: 30_000, backoffBaseMs: 1000, backoffMaxMs: 1000 }

describe.each(backends)('the per-destination breaker on %s', (backend) => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend, { breaker }) }, 60_000)
  afterAll(async () => { await t.stop() })
  afterEach(() => { t.webhooks.setScenario({ name: 'healthy' }) })

  const hooksUnder = (prefix: string): number => t.webhooks.received().requests.filter((request) => request.path.startsWith(prefix)).length

  it('makes steps wait out an open breaker instead of calling the failing origin, and lets them through once it recovers', async () => {
    t.webhooks.setScenario({ name: 'down' })
    const tag = unique('tag')
    const failing = unique('failing')
    await t.engine.createFlow({
      name: 'trip',
      trigger: { event: failing, next: ['hook'] },
      steps: [{ id: 'hook', type: 'webhook', url: `${webhooksUrl}/${tag}/trip/{{run.id}}`, retry: { attempts: 3, baseMs: 10, maxMs: 20 } }]
    })
    const tripping = await t.engine.triggerEvent(event(failing, unique('user')))
    const tripped = await runUntil(t.engine, tripping.runs[0]?.runId ?? '', 'the tripping run fails', (run) => run.status === 'failed')
    expect(tripped.steps[0]?.attempts.map((attempt) => attempt.status)).toEqual([503, 503, 503])
    expect(hooksUnder(`/${tag}/`)).toBe(3)

    const later = unique('later')
    await t.engine.createFlow({
      name: 'held',
      trigger: { event: later, next: ['mail', 'hook'] },
      steps: [
        { id: 'mail', type: 'email', to: '{{user.email}}', subject: 'hi', text: 'hi' },
        { id: 'hook', type: 'webhook', url: `${webhooksUrl}/${tag}/held/{{run.id}}`, retry: { attempts: 5, baseMs: 10, maxMs: 20 } }
      ]
    })
    const runIds = await Promise.all(Array.from({ length: 4 }, async () => (await t.engine.triggerEvent(event(later, unique('user')))).runs[0]?.runId ?? ''))
    const held = await eventually('every held run has been turned away once', async () => {
      const runs = await Promise.all(runIds.map((id) => t.engine.getRun(id)))
      return runs.every((run) => run.steps[1]?.nextAttemptAt !== undefined && run.steps[0]?.status === 'succeeded') ? runs : undefined
    })
    for (const run of held) {
      const hook = run.steps[1]
      const first = hook?.attempts[0]
      expect(first).toMatchObject({ n: 1, outcome: 'retry' })
      expect(first?.status).toBeUndefined()
      expect(first?.error).toContain('its circuit is open')
      // The step's own backoff is at most 20 ms: a wait this long is the breaker's.
      expect(Date.parse(hook?.nextAttemptAt ?? '') - Date.parse(first?.endedAt ?? '')).toBeGreaterThanOrEqual(200)
    }
    // None of them reached the failing origin; the email provider, another origin, was not held.
    expect(hooksUnder(`/${tag}/held/`)).toBe(0)
    expect(hooksUnder(`/${tag}/`)).toBe(3)

    t.webhooks.setScenario({ name: 'healthy' })
    const done: RunDetail[] = await Promise.all(runIds.map((id) => runUntil(t.engine, id, 'the held run ends', ended)))
    expect(done.map((run) => run.status)).toEqual(['completed', 'completed', 'completed', 'completed'])
    // Once through, each held step called exactly once.
    for (const id of runIds) expect(hooksUnder(`/${tag}/held/${id}`)).toBe(1)
    expect(hooksUnder(`/${tag}/`)).toBe(3 + runIds.length)
  }, 20_000)
})
