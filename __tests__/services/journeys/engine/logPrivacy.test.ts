import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { backends } from '../../../helpers/journeyDatabases.js'
import { ended, event, runUntil, startTestEngine, unique, webhooksUrl } from '../../../helpers/testEngine.js'
import type { TestEngine } from '../../../helpers/testEngine.js'

/** Patient journeys carry personal data: the engine's logs name runs and steps, never addresses or properties. */
describe.each(backends)('engine logs on %s', (backend) => {
  let t: TestEngine
  const lines: Record<string, unknown>[] = []
  beforeAll(async () => {
    const log = pino({ level: 'debug' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } })
    t = await startTestEngine(backend, { log })
  }, 60_000)
  afterAll(async () => { await t.stop() })

  it('carry runId and stepId, and neither email addresses nor event properties', async () => {
    const name = unique('private')
    await t.engine.createFlow({
      name: 'personal data',
      trigger: { event: name, next: ['mail'] },
      exit: { event: `${name}-stop` },
      steps: [
        { id: 'mail', type: 'email', to: '{{user.email}}', subject: 'About {{event.properties.diagnosis}}', text: 'Dear {{user.userName}}', next: ['hook'] },
        { id: 'hook', type: 'webhook', url: `${webhooksUrl}/clinic`, body: { diagnosis: '{{event.properties.diagnosis}}' }, next: ['nobody'] },
        // A template that yields no address fails the step permanently, and the failure is logged.
        { id: 'nobody', type: 'email', to: '{{event.properties.missing}}', subject: 'x', text: 'y' }
      ]
    })
    const user = unique('patient')
    const email = `${user}.private@example.org`
    const answer = await t.engine.triggerEvent(event(name, user, { email, properties: { diagnosis: 'condition-4711' }, user: { id: user, email, userName: 'Jane Roe' } }))
    const runId = answer.runs[0]?.runId ?? ''
    const run = await runUntil(t.engine, runId, 'the run ends', ended)
    expect(run.status).toBe('failed')
    // The run's own log keeps what the operator needs.
    expect(t.email.received().sent.filter((sent) => sent.to === email)).toHaveLength(1)

    const mine = lines.filter((line) => line.runId === runId)
    const steps = mine.filter((line) => line.msg === 'step attempt ended' || line.msg === 'step failed: it cannot be sent')
    expect(steps.map((line) => line.stepId).sort()).toEqual(['hook', 'mail', 'nobody'])
    const text = JSON.stringify(lines)
    expect(text).not.toContain(email)
    expect(text).not.toContain('condition-4711')
    expect(text).not.toContain('Jane Roe')
  }, 30_000)
})
