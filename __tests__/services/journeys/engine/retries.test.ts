import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { AttemptView, RunDetail, StepView } from '../../../../services/journeys/engine/runQueries.js'
import { RunConflictError } from '../../../../services/journeys/engine/runControl.js'
import { eventually } from '../../../helpers/eventually.js'
import { backends } from '../../../helpers/journeyDatabases.js'
import { rejectionOf } from '../../../helpers/rejectionOf.js'
import { ended, event, runUntil, startTestEngine, stepStatus, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

// A breaker that never trips: these tests are about a step's own retries (the last suite is about the breaker).
const patientBreaker = { failureThreshold: 1000, windowMs: 30_000, backoffBaseMs: 1000, backoffMaxMs: 60_000 }

const step = (run: RunDetail, id: string): StepView | undefined => run.steps.find((candidate) => candidate.id === id)
const gapMs = (before: AttemptView | undefined, after: AttemptView | undefined): number => Date.parse(after?.startedAt ?? '') - Date.parse(before?.endedAt ?? '')

describe.each(backends)('step retries on %s', (backend) => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend, { breaker: patientBreaker }) }, 60_000)
  afterAll(async () => { await t.stop() })
  afterEach(() => {
    t.webhooks.setScenario({ name: 'healthy' })
    t.email.setScenario({ name: 'healthy' })
  })

  const hooksFor = (runId: string): readonly { headers: Readonly<Record<string, string>> }[] => t.webhooks.received().requests.filter((request) => request.path.endsWith(`/${runId}`))
  const emailRequestsFor = (key: string): number => t.email.received().requests.filter((request) => request.idempotencyKey === key).length

  async function start (next: string[], steps: unknown[]): Promise<string> {
    const trigger = unique('start')
    await t.engine.createFlow({ name: 'retries', trigger: { event: trigger, next }, steps })
    const answer = await t.engine.triggerEvent(event(trigger, unique('user')))
    return answer.runs[0]?.runId ?? ''
  }

  it('retries through a burst of 5xx with backoff, then succeeds; every attempt is logged', async () => {
    t.webhooks.setScenario({ name: 'flaky', failures: 2, status: 502 })
    const runId = await start(['hook'], [{ id: 'hook', type: 'webhook', url: `${webhooksUrl}/burst/{{run.id}}`, retry: { attempts: 4, baseMs: 50, maxMs: 200 } }])
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('completed')
    const attempts = step(run, 'hook')?.attempts ?? []
    expect(attempts).toMatchObject([{ n: 1, outcome: 'retry', status: 502 }, { n: 2, outcome: 'retry', status: 502 }, { n: 3, outcome: 'succeeded', status: 200 }])
    // The waits double from baseMs, with at most 20 % jitter, and never shrink.
    expect(gapMs(attempts[0], attempts[1])).toBeGreaterThanOrEqual(40)
    expect(gapMs(attempts[1], attempts[2])).toBeGreaterThanOrEqual(50)
    const hooks = hooksFor(runId)
    expect(hooks).toHaveLength(3)
    expect(new Set(hooks.map((hook) => hook.headers['idempotency-key']))).toEqual(new Set([`${runId}:hook`]))
  })

  it('honours a 429\'s Retry-After: the next attempt waits at least that long', async () => {
    t.webhooks.setScenario({ name: 'throttled', retryAfter: '1' })
    const runId = await start(['hook'], [{ id: 'hook', type: 'webhook', url: `${webhooksUrl}/throttled/{{run.id}}`, retry: { attempts: 3, baseMs: 10, maxMs: 20 } }])
    const backingOff = await eventually('a retry is scheduled', async () => {
      const run = await t.engine.getRun(runId)
      return step(run, 'hook')?.nextAttemptAt === undefined ? undefined : run
    })
    t.webhooks.setScenario({ name: 'healthy' })
    const first = step(backingOff, 'hook')?.attempts[0]
    expect(first).toMatchObject({ n: 1, outcome: 'retry', status: 429 })
    expect(Date.parse(step(backingOff, 'hook')?.nextAttemptAt ?? '') - Date.parse(first?.endedAt ?? '')).toBeGreaterThanOrEqual(1000)

    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('completed')
    const attempts = step(run, 'hook')?.attempts ?? []
    expect(attempts).toMatchObject([{ n: 1, status: 429 }, { n: 2, outcome: 'succeeded' }])
    expect(gapMs(attempts[0], attempts[1])).toBeGreaterThanOrEqual(1000)
  })

  it('fails the run once the attempts are spent; retryRun re-runs only the failed step and the run completes', async () => {
    t.webhooks.setScenario({ name: 'down' })
    const runId = await start(['mail', 'hook'], [
      { id: 'mail', type: 'email', to: '{{user.email}}', subject: 'hello', text: 'hello' },
      { id: 'hook', type: 'webhook', url: `${webhooksUrl}/down/{{run.id}}`, retry: { attempts: 3, baseMs: 10, maxMs: 20 }, next: ['after'] },
      { id: 'after', type: 'webhook', url: `${webhooksUrl}/after/{{run.id}}` }
    ])
    const failed = await runUntil(t.engine, runId, 'the run fails with its email sent', (run) => run.status === 'failed' && stepStatus(run, 'mail') === 'succeeded')
    expect(failed.endedAt).toBeDefined()
    expect(failed.steps.map((s) => [s.id, s.status])).toEqual([['mail', 'succeeded'], ['hook', 'failed'], ['after', 'pending']])
    const spent = step(failed, 'hook')?.attempts ?? []
    expect(spent.map((attempt) => [attempt.n, attempt.outcome, attempt.status])).toEqual([[1, 'retry', 503], [2, 'retry', 503], [3, 'retry', 503]])
    expect(spent[2]?.error).toContain('(after 3 attempts)')
    expect(hooksFor(runId)).toHaveLength(3)

    t.webhooks.setScenario({ name: 'healthy' })
    const retried = await t.engine.retryRun(runId)
    expect(retried.status).toBe('running')
    expect(retried.endedAt).toBeUndefined()
    const run = await runUntil(t.engine, runId, 'the retried run ends', ended)
    expect(run.status).toBe('completed')
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([['mail', 'succeeded'], ['hook', 'succeeded'], ['after', 'succeeded']])
    expect(step(run, 'hook')?.attempts.map((attempt) => attempt.outcome)).toEqual(['retry', 'retry', 'retry', 'succeeded'])
    expect(emailRequestsFor(`${runId}:mail`)).toBe(1)
    expect(await rejectionOf(t.engine.retryRun(runId))).toBeInstanceOf(RunConflictError)
  })

  it('fails at once, after one attempt, when the destination answers a permanent 4xx', async () => {
    // The mock provider wants a dot in the domain; the engine sends what the template gives.
    const runId = await start(['mail'], [{ id: 'mail', type: 'email', to: '{{user.id}}@localhost', subject: 's', text: 't', retry: { attempts: 5, baseMs: 10, maxMs: 20 } }])
    const run = await runUntil(t.engine, runId, 'the run fails', (candidate) => candidate.status === 'failed')
    expect(step(run, 'mail')).toMatchObject({ status: 'failed', attempts: [{ n: 1, outcome: 'permanent', status: 422 }] })
    expect(step(run, 'mail')?.attempts).toHaveLength(1)
    expect(step(run, 'mail')?.nextAttemptAt).toBeUndefined()
    expect(emailRequestsFor(`${runId}:mail`)).toBe(1)
  })

  it('fails permanently, naming the field, when the template renders no `to`; nothing is sent', async () => {
    const runId = await start(['mail'], [{ id: 'mail', type: 'email', to: '{{user.nickname}}', subject: 's', text: 't' }])
    const run = await runUntil(t.engine, runId, 'the run fails', (candidate) => candidate.status === 'failed')
    const attempts = step(run, 'mail')?.attempts ?? []
    expect(attempts).toMatchObject([{ n: 1, outcome: 'permanent' }])
    expect(attempts[0]?.error).toContain('step mail: to rendered as ""')
    expect(emailRequestsFor(`${runId}:mail`)).toBe(0)
  })
})

// Three failures open a destination's breaker for about 1.5 s (±20 % jitter).
const trippingBreaker = { failureThreshold: 3, windowMs: 30_000, backoffBaseMs: 1500, backoffMaxMs: 1500 }

describe.each(backends)('the per-destination breaker on %s', (backend) => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend, { breaker: trippingBreaker }) }, 60_000)
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
