import { describe, expect, it } from 'vitest'
import { renderEmail, renderWebhook, resolveWaitUntil, validateFlow } from '../../../../services/journeys/flows/index.js'
import type { EmailStep, FlowContext, Step, WaitUntilStep, WebhookStep } from '../../../../services/journeys/flows/index.js'

const context: FlowContext = {
  user: { id: 'u/1', email: 'ada@example.com', userName: 'Ada <admin>', multiline: 'a\r\nBcc: eve@example.com' },
  event: { name: 'booked', properties: { at: '2030-01-31T09:00:00Z', host: 'crm.example', clinic: 'North & South' } },
  run: { id: 'r1' }
}

/** A step as validateFlow normalises it, so the tests render what the engine will. */
function step (definition: Record<string, unknown>): Step {
  const result = validateFlow({ name: 'one', trigger: { event: 'go', next: ['s'] }, steps: [{ id: 's', ...definition }] })
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  const [only] = result.flow.steps
  if (only === undefined) throw new Error('no step')
  return only
}

describe('renderEmail', () => {
  const email = step({
    type: 'email', to: '{{user.email}}', subject: 'Hi {{user.userName}}', text: 'Hello {{user.userName}} at {{event.properties.clinic}}',
    html: '<p>Hello {{user.userName}}</p>{{{event.properties.clinic}}}'
  }) as EmailStep

  it('renders text fields as plain text and escapes HTML only in html', () => {
    expect(renderEmail(email, context)).toEqual({
      ok: true,
      email: {
        to: 'ada@example.com',
        subject: 'Hi Ada <admin>',
        text: 'Hello Ada <admin> at North & South',
        html: '<p>Hello Ada &lt;admin&gt;</p>North & South'
      }
    })
  })

  it('leaves html out when the step has none', () => {
    const plain = step({ type: 'email', to: 'ops@example.com', subject: 's', text: 't' }) as EmailStep
    expect(renderEmail(plain, context)).toEqual({ ok: true, email: { to: 'ops@example.com', subject: 's', text: 't' } })
  })

  it('refuses a to that does not render to one address', () => {
    const missing = renderEmail(email, { ...context, user: {} })
    expect(missing).toEqual({ ok: false, reason: 'to rendered as "", which is not one email address' })
    const injected = renderEmail(step({ type: 'email', to: '{{user.multiline}}', subject: 's', text: 't' }) as EmailStep, context)
    expect(injected.ok).toBe(false)
  })

  it('turns line breaks in the subject into spaces, so no value adds a mail header', () => {
    const result = renderEmail(step({ type: 'email', to: 'ops@example.com', subject: 'Re: {{user.multiline}}', text: 't' }) as EmailStep, context)
    expect(result.ok && result.email.subject).toBe('Re: a Bcc: eve@example.com')
  })
})

describe('renderWebhook', () => {
  it('renders the URL with each value as one URI component, header values and body without escaping', () => {
    const hook = step({
      type: 'webhook', url: 'https://crm.example/users/{{user.id}}?clinic={{event.properties.clinic}}', method: 'PUT',
      headers: { 'X-User': '{{user.userName}}' }, body: { user: '{{user.id}}', name: '{{user.userName}}', n: 3 }
    }) as WebhookStep
    expect(renderWebhook(hook, context)).toEqual({
      ok: true,
      request: {
        url: 'https://crm.example/users/u%2F1?clinic=North%20%26%20South',
        method: 'PUT',
        headers: { 'X-User': 'Ada <admin>' },
        body: { user: 'u/1', name: 'Ada <admin>', n: 3 }
      }
    })
  })

  it('sends no body when the step has none', () => {
    const hook = step({ type: 'webhook', url: 'https://crm.example/ping', method: 'GET' }) as WebhookStep
    expect(renderWebhook(hook, context)).toEqual({ ok: true, request: { url: 'https://crm.example/ping', method: 'GET', headers: {} } })
  })

  it('checks the rendered URL as it would a literal one, against the allow-list when given', () => {
    const hook = step({ type: 'webhook', url: 'https://{{event.properties.host}}/hook' }) as WebhookStep
    expect(renderWebhook(hook, context, { allowedWebhookHosts: ['crm.example'] }).ok).toBe(true)
    expect(renderWebhook(hook, context, { allowedWebhookHosts: ['other.example'] })).toEqual({ ok: false, reason: 'url: crm.example is not on the allowed webhook hosts' })
    const metadata = { ...context, event: { properties: { host: '169.254.169.254' } } }
    expect(renderWebhook(hook, metadata)).toEqual({ ok: false, reason: 'url: 169.254.169.254 is a link-local or cloud metadata address, which webhooks may not reach' })
  })

  it('refuses a raw URL that renders to something other than http or https', () => {
    const hook = step({ type: 'webhook', url: '{{{event.properties.callback}}}' }) as WebhookStep
    const result = renderWebhook(hook, { ...context, event: { properties: { callback: 'file:///etc/passwd' } } })
    expect(result).toEqual({ ok: false, reason: 'url: a webhook URL is http: or https:, not file:' })
  })

  it('refuses a header value that renders with a line break', () => {
    const hook = step({ type: 'webhook', url: 'https://crm.example/x', headers: { 'X-Name': '{{user.multiline}}' } }) as WebhookStep
    expect(renderWebhook(hook, context)).toEqual({ ok: false, reason: 'header X-Name rendered with a line break or NUL character' })
  })
})

describe('resolveWaitUntil', () => {
  it('returns a literal until as parsed at definition time', () => {
    const wait = step({ type: 'wait', until: '2030-01-31T10:00:00+01:00' }) as WaitUntilStep
    expect(wait.untilMs).toBe(Date.UTC(2030, 0, 31, 9))
    expect(resolveWaitUntil(wait, context)).toEqual({ ok: true, atMs: Date.UTC(2030, 0, 31, 9) })
  })

  it('renders a templated until per run', () => {
    const wait = step({ type: 'wait', until: '{{event.properties.at}}' }) as WaitUntilStep
    expect(resolveWaitUntil(wait, context)).toEqual({ ok: true, atMs: Date.UTC(2030, 0, 31, 9) })
  })

  it('returns a moment in the past as it is, for the engine to act on', () => {
    const wait = step({ type: 'wait', until: '{{event.properties.at}}' }) as WaitUntilStep
    expect(resolveWaitUntil(wait, { ...context, event: { properties: { at: '1999-12-31T23:59:59Z' } } })).toEqual({ ok: true, atMs: Date.UTC(1999, 11, 31, 23, 59, 59) })
  })

  it('says why when the rendered value is not a timestamp', () => {
    const wait = step({ type: 'wait', until: '{{event.properties.at}}' }) as WaitUntilStep
    const result = resolveWaitUntil(wait, { ...context, event: { properties: {} } })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.reason).toMatch(/^until: "" is not a timestamp/)
  })
})
