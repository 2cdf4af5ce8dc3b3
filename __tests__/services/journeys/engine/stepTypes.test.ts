import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from '../../../helpers/journeyDatabases.js'
import { ended, event, runUntil, startTestEngine, stepStatus, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

describe.each(backends)('step types on %s', (backend) => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend) }, 60_000)
  afterAll(async () => { await t.stop() })

  const hooksTo = (path: string): unknown[] => t.webhooks.received().requests.filter((request) => request.path === path)

  /** Creates a flow of `steps` started at `next`, and starts a run of it for `user`. */
  async function start ({ next, steps }: { next: string[], steps: unknown[] }, user: string, fields: Parameters<typeof event>[2] = {}): Promise<string> {
    const trigger = unique('go')
    await t.engine.createFlow({ name: 'step types', trigger: { event: trigger, next }, steps })
    const answer = await t.engine.triggerEvent(event(trigger, user, fields))
    const runId = answer.runs[0]?.runId
    if (runId === undefined) throw new Error('no run started')
    return runId
  }

  it('email: renders its templates and sends with Idempotency-Key <runId>:<stepId>', async () => {
    const user = unique('mia')
    const runId = await start({
      next: ['hello'],
      steps: [{ id: 'hello', type: 'email', to: '{{user.email}}', subject: 'Hi {{user.userName}}', text: 'Plan {{event.properties.plan}}', html: '<p>{{event.properties.note}}</p>' }]
    }, user, { properties: { plan: 'pro', note: '<b>bold</b>' } })
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('completed')
    expect(run.steps).toMatchObject([{ id: 'hello', type: 'email', status: 'succeeded', attempts: [{ n: 1, outcome: 'succeeded', status: 200 }] }])
    const sent = t.email.received().sent.filter((email) => email.to === `${user}@example.com`)
    expect(sent).toEqual([expect.objectContaining({
      subject: `Hi ${user}`, text: 'Plan pro', html: '<p>&lt;b&gt;bold&lt;/b&gt;</p>', idempotencyKey: `${runId}:hello`
    })])
  })

  it('webhook: sends its method, rendered headers and rendered JSON body', async () => {
    const user = unique('noor')
    const runId = await start({
      next: ['tell'],
      steps: [{
        id: 'tell',
        type: 'webhook',
        method: 'PUT',
        url: `${webhooksUrl}/crm/{{user.id}}?plan={{event.properties.plan}}`,
        headers: { 'X-Plan': '{{event.properties.plan}}', Authorization: 'Bearer static' },
        body: { user: { id: '{{user.id}}' }, tags: ['{{event.properties.plan}}', 'fixed'], count: 3 }
      }]
    }, user, { properties: { plan: 'pro plus' } })
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('completed')
    const hooks = t.webhooks.received().requests.filter((request) => request.path.startsWith(`/crm/${user}`))
    expect(hooks).toHaveLength(1)
    const hook = hooks[0]
    expect(hook?.method).toBe('PUT')
    expect(hook?.path).toBe(`/crm/${user}?plan=pro%20plus`)
    expect(hook?.headers).toMatchObject({ 'x-plan': 'pro plus', authorization: 'Bearer static', 'idempotency-key': `${runId}:tell`, 'content-type': 'application/json' })
    expect(hook?.json).toEqual({ user: { id: user }, tags: ['pro plus', 'fixed'], count: 3 })
  })

  it('wait {duration}: waits that long from the start, then carries on', async () => {
    const user = unique('ola')
    const runId = await start({
      next: ['pause'],
      steps: [
        { id: 'pause', type: 'wait', duration: 300, next: ['after'] },
        { id: 'after', type: 'webhook', url: `${webhooksUrl}/after/{{user.id}}` }
      ]
    }, user)
    const waiting = await t.engine.getRun(runId)
    expect(waiting.status).toBe('waiting')
    expect(waiting.steps[0]).toMatchObject({ id: 'pause', status: 'waiting' })
    expect(Date.parse(waiting.steps[0]?.wakeAt ?? '') - Date.parse(waiting.startedAt)).toBe(300)
    expect(hooksTo(`/after/${user}`)).toHaveLength(0)
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('completed')
    const [hook] = t.webhooks.received().requests.filter((request) => request.path === `/after/${user}`)
    expect(hook?.receivedAt).toBeGreaterThanOrEqual(Date.parse(waiting.steps[0]?.wakeAt ?? ''))
  })

  it('wait {until}: a templated moment in the future is waited for', async () => {
    const user = unique('pia')
    const until = new Date(Date.now() + 500).toISOString()
    const runId = await start({
      next: ['hold'],
      steps: [
        { id: 'hold', type: 'wait', until: '{{event.properties.at}}', next: ['after'] },
        { id: 'after', type: 'webhook', url: `${webhooksUrl}/until/{{user.id}}` }
      ]
    }, user, { properties: { at: until } })
    const waiting = await t.engine.getRun(runId)
    expect(waiting.steps[0]).toMatchObject({ id: 'hold', status: 'waiting', wakeAt: until })
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('completed')
    expect(hooksTo(`/until/${user}`)).toHaveLength(1)
  })

  it('wait {until}: a moment already past continues at once, and is no failure', async () => {
    const user = unique('quin')
    const runId = await start({
      next: ['hold'],
      steps: [
        { id: 'hold', type: 'wait', until: '2001-01-01T00:00:00Z', next: ['after'] },
        { id: 'after', type: 'webhook', url: `${webhooksUrl}/past/{{user.id}}` }
      ]
    }, user)
    const started = await t.engine.getRun(runId)
    expect(started.steps[0]).toEqual({ id: 'hold', type: 'wait', status: 'succeeded', attempts: [] })
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('completed')
    expect(hooksTo(`/past/${user}`)).toHaveLength(1)
  })

  it('branch: takes then or else by a filter on user, event and run, and skips the other side', async () => {
    const trigger = unique('buy')
    await t.engine.createFlow({
      name: 'branching',
      entry: 'always',
      trigger: { event: trigger, next: ['big'] },
      steps: [
        { id: 'big', type: 'branch', where: { 'user.plan': 'pro', 'event.properties.amount': { $gte: 100 }, 'run.flowVersion': 1 }, then: ['vip'], else: ['plain'] },
        { id: 'vip', type: 'webhook', url: `${webhooksUrl}/vip/{{user.id}}` },
        { id: 'plain', type: 'webhook', url: `${webhooksUrl}/plain/{{user.id}}` }
      ]
    })
    const user = unique('rae')
    const profile = { id: user, email: `${user}@example.com`, plan: 'pro' }
    const big = await t.engine.triggerEvent(event(trigger, user, { user: profile, properties: { amount: 150 } }))
    const small = await t.engine.triggerEvent(event(trigger, user, { user: profile, properties: { amount: 99 } }))
    const bigRun = await runUntil(t.engine, big.runs[0]?.runId ?? '', 'the big run ends', ended)
    const smallRun = await runUntil(t.engine, small.runs[0]?.runId ?? '', 'the small run ends', ended)
    expect(bigRun.steps.map((step) => [step.id, step.status, step.branch])).toEqual([['big', 'succeeded', 'then'], ['vip', 'succeeded', undefined], ['plain', 'skipped', undefined]])
    expect(smallRun.steps.map((step) => [step.id, step.status, step.branch])).toEqual([['big', 'succeeded', 'else'], ['vip', 'skipped', undefined], ['plain', 'succeeded', undefined]])
    expect(bigRun.status).toBe('completed')
    expect(smallRun.status).toBe('completed')
    expect(hooksTo(`/vip/${user}`)).toHaveLength(1)
    expect(hooksTo(`/plain/${user}`)).toHaveLength(1)
  })

  it('waitForEvent: takes then when a matching event of the same user arrives; others leave it waiting', async () => {
    const user = unique('sol')
    const other = unique('tam')
    const purchase = unique('purchase')
    const runId = await start({
      next: ['await'],
      steps: [
        { id: 'await', type: 'waitForEvent', event: purchase, where: { 'event.properties.plan': 'pro' }, timeout: 'PT60S', then: ['thanks'], else: ['nudge'] },
        { id: 'thanks', type: 'webhook', url: `${webhooksUrl}/thanks/{{user.id}}` },
        { id: 'nudge', type: 'webhook', url: `${webhooksUrl}/nudge/{{user.id}}` }
      ]
    }, user)
    const waiting = await t.engine.getRun(runId)
    expect(waiting.status).toBe('waiting')
    expect(Date.parse(waiting.steps[0]?.wakeAt ?? '') - Date.parse(waiting.startedAt)).toBe(60_000)

    await t.engine.triggerEvent(event(purchase, other, { properties: { plan: 'pro' } }))
    await t.engine.triggerEvent(event(purchase, user, { properties: { plan: 'free' } }))
    expect(stepStatus(await t.engine.getRun(runId), 'await')).toBe('waiting')

    await t.engine.triggerEvent(event(purchase, user, { properties: { plan: 'pro' } }))
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('completed')
    expect(run.steps.map((step) => [step.id, step.status, step.branch])).toEqual([['await', 'succeeded', 'then'], ['thanks', 'succeeded', undefined], ['nudge', 'skipped', undefined]])
    expect(hooksTo(`/thanks/${user}`)).toHaveLength(1)
    expect(hooksTo(`/nudge/${user}`)).toHaveLength(0)
  })

  it('waitForEvent: takes else when no matching event arrives before the timeout', async () => {
    const user = unique('uma')
    const runId = await start({
      next: ['await'],
      steps: [
        { id: 'await', type: 'waitForEvent', event: unique('never'), timeout: 150, then: ['thanks'], else: ['nudge'] },
        { id: 'thanks', type: 'webhook', url: `${webhooksUrl}/thanks/{{user.id}}` },
        { id: 'nudge', type: 'webhook', url: `${webhooksUrl}/nudge/{{user.id}}` }
      ]
    }, user)
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('completed')
    expect(run.steps.map((step) => [step.id, step.status, step.branch])).toEqual([['await', 'succeeded', 'else'], ['thanks', 'skipped', undefined], ['nudge', 'succeeded', undefined]])
    expect(hooksTo(`/nudge/${user}`)).toHaveLength(1)
    expect(hooksTo(`/thanks/${user}`)).toHaveLength(0)
  })

  it('waitForEvent lookback: an event that arrived shortly before the wait began counts; without lookback it does not', async () => {
    const user = unique('vic')
    const browse = unique('browse')
    await t.engine.triggerEvent(event(browse, user, { properties: { page: 'pricing' } }))
    const steps = (lookback: Record<string, unknown>): unknown[] => [
      { id: 'await', type: 'waitForEvent', event: browse, where: { 'event.properties.page': 'pricing' }, timeout: 'PT60S', ...lookback, then: ['thanks'], else: ['nudge'] },
      { id: 'thanks', type: 'webhook', url: `${webhooksUrl}/seen/{{run.id}}` },
      { id: 'nudge', type: 'webhook', url: `${webhooksUrl}/unseen/{{run.id}}` }
    ]
    const withLookback = await start({ next: ['await'], steps: steps({ lookback: 'PT60S' }) }, user)
    const withoutLookback = await start({ next: ['await'], steps: steps({}) }, user)

    const seen = await runUntil(t.engine, withLookback, 'the run with lookback ends', ended)
    expect(seen.status).toBe('completed')
    expect(seen.steps[0]).toMatchObject({ id: 'await', status: 'succeeded', branch: 'then' })
    expect(hooksTo(`/seen/${withLookback}`)).toHaveLength(1)

    const unseen = await t.engine.getRun(withoutLookback)
    expect(unseen.status).toBe('waiting')
    expect(stepStatus(unseen, 'await')).toBe('waiting')
    await t.engine.cancelRun(withoutLookback)
  })
})
