import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from '../../../helpers/journeyDatabases.js'
import { ended, event, runUntil, startTestEngine, stepStatus, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

describe.each(backends)('steps on %s', (backend) => {
  let t: TestEngine
  beforeAll(async () => { t = await startTestEngine(backend) }, 60_000)
  afterAll(async () => { await t.stop() })

  it('runs email, wait and webhook in order, and completes the run', async () => {
    const trigger = unique('signup')
    const flow = await t.engine.createFlow({
      name: 'welcome',
      trigger: { event: trigger, next: ['hello'] },
      steps: [
        { id: 'hello', type: 'email', to: '{{user.email}}', subject: 'Hi {{user.userName}}', text: 'Welcome', next: ['pause'] },
        { id: 'pause', type: 'wait', duration: 200, next: ['tell'] },
        { id: 'tell', type: 'webhook', url: `${webhooksUrl}/crm/{{user.id}}`, body: { user: '{{user.id}}' } }
      ]
    })
    const user = unique('ada')
    const answer = await t.engine.triggerEvent(event(trigger, user))
    expect(answer.runs).toHaveLength(1)
    const runId = answer.runs[0]?.runId ?? ''
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('completed')
    expect(run.flowId).toBe(flow.id)
    expect(run.steps.map((step) => [step.id, step.status])).toEqual([['hello', 'succeeded'], ['pause', 'succeeded'], ['tell', 'succeeded']])
    const sent = t.email.received().sent.filter((email) => email.to === `${user}@example.com`)
    expect(sent).toMatchObject([{ subject: `Hi ${user}`, text: 'Welcome', idempotencyKey: `${runId}:hello` }])
    const hooks = t.webhooks.received().requests.filter((request) => request.path === `/crm/${user}`)
    expect(hooks).toHaveLength(1)
    expect(hooks[0]?.json).toEqual({ user })
    expect(stepStatus(run, 'pause')).toBe('succeeded')
  }, 30_000)
})
