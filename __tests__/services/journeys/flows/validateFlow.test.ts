import { describe, expect, it } from 'vitest'
import { validateFlow } from '../../../../services/journeys/flows/index.js'
import type { FlowDefinition, FlowGraph } from '../../../../services/journeys/flows/index.js'
import { errorsOf, expectTopological, graphEdges, waitFlow, welcomeSeries } from './flowFixtures.js'

function accepted (input: unknown, options?: Parameters<typeof validateFlow>[1]): { flow: FlowDefinition, order: readonly string[], graph: FlowGraph } {
  const result = validateFlow(input, options)
  if (!result.ok) throw new Error(`expected the flow to be accepted, got ${JSON.stringify(result.errors, null, 2)}`)
  return result
}

describe('validateFlow: example flows', () => {
  it('accepts the welcome series and orders it topologically, ties in definition order', () => {
    const { order, graph } = accepted(welcomeSeries())
    // remind is defined before clinic: both become ready when booked is done.
    expect(order).toEqual(['welcome', 'wait2d', 'booked', 'remind', 'clinic', 'done'])
    expectTopological(order, graph)
  })

  it('gives the graph facts of the welcome series: children and parents by edge kind, the trigger\'s children', () => {
    const { graph } = accepted(welcomeSeries())
    expect(graph.trigger).toEqual(['welcome'])
    expect(graph.steps.get('welcome')).toEqual({ parents: { next: [], then: [], else: [] }, fromTrigger: true, children: { next: ['wait2d'], then: [], else: [] } })
    expect(graph.steps.get('booked')?.children).toEqual({ next: [], then: ['clinic'], else: ['remind'] })
    expect(graph.steps.get('clinic')?.parents).toEqual({ next: [], then: ['booked'], else: [] })
    expect(graph.steps.get('remind')?.parents).toEqual({ next: [], then: [], else: ['booked'] })
    expect(graph.steps.get('done')).toEqual({ parents: { next: ['remind', 'clinic'], then: [], else: [] }, fromTrigger: false, children: { next: [], then: [], else: [] } })
  })

  it('accepts a fan-out and fan-in DAG listed in any order, and orders every edge', () => {
    const flow = waitFlow(
      ['join', 'c', 'b', 'start', 'a', 'other'],
      [['start', 'a'], ['start', 'b'], ['start', 'c'], ['a', 'join'], ['b', 'join'], ['c', 'join'], ['other', 'join']],
      ['start', 'other']
    )
    const { order, graph } = accepted(flow)
    expect(order).toEqual(['start', 'c', 'b', 'a', 'other', 'join'])
    expectTopological(order, graph)
    expect(graph.trigger).toEqual(['start', 'other'])
    expect(graph.steps.get('join')?.parents.next).toEqual(['c', 'b', 'a', 'other'])
    expect(graph.steps.get('other')?.fromTrigger).toBe(true)
  })

  it('accepts a branch whose then and else meet again, and the same child on both sides', () => {
    const flow = {
      name: 'Branch',
      trigger: { event: 'order', next: ['big'] },
      steps: [
        { id: 'big', type: 'branch', where: { 'event.properties.total': { $gte: 100 } }, then: ['thanks', 'vip'], else: ['thanks'] },
        { id: 'vip', type: 'webhook', url: 'https://crm.example/vip', method: 'PUT', next: ['end'] },
        { id: 'thanks', type: 'email', to: '{{user.email}}', subject: 'Thanks', text: 'Thanks for order {{event.id}}', html: '<p>{{event.id}}</p>', next: ['end'] },
        { id: 'end', type: 'wait', duration: 0 }
      ]
    }
    const { order, graph } = accepted(flow)
    expect(order).toEqual(['big', 'vip', 'thanks', 'end'])
    expectTopological(order, graph)
    expect(graph.steps.get('thanks')?.parents).toEqual({ next: [], then: ['big'], else: ['big'] })
    expect(graphEdges(graph)).toContainEqual(['big', 'thanks', 'else'])
  })

  it('gives the same order for the same definition every time', () => {
    const orders = Array.from({ length: 5 }, () => accepted(welcomeSeries()).order)
    for (const order of orders) expect(order).toEqual(orders[0])
  })
})

describe('validateFlow: the normalised flow', () => {
  it('applies the defaults and keeps each duration as written beside its milliseconds', () => {
    const { flow } = accepted(welcomeSeries())
    expect(flow.entry).toBe('once')
    expect(flow.exit).toEqual({ event: 'unsubscribed' })
    expect(flow.trigger).toEqual({ event: 'signup', where: { 'event.properties.plan': { $in: ['pro', 'team'] } }, next: ['welcome'] })
    expect(flow.steps[0]).toEqual({
      id: 'welcome', type: 'email', to: '{{user.email}}', subject: 'Welcome, {{user.userName}}', text: 'Hello!', next: ['wait2d'],
      retry: { attempts: 5, baseMs: 1000, maxMs: 3_600_000 }
    })
    expect(flow.steps[1]).toEqual({ id: 'wait2d', type: 'wait', duration: 'P2D', durationMs: 172_800_000, next: ['booked'] })
    expect(flow.steps[2]).toEqual({
      id: 'booked', type: 'waitForEvent', event: 'appointment_booked', timeout: 'P1D', timeoutMs: 86_400_000, lookbackMs: 0, then: ['clinic'], else: ['remind']
    })
    expect(flow.steps[5]).toEqual({
      id: 'done', type: 'webhook', url: 'https://crm.example/hooks/journey-done', method: 'POST', headers: {}, body: { user: '{{user.id}}' },
      retry: { attempts: 5, baseMs: 1000, maxMs: 3_600_000 }, next: []
    })
  })

  it('defaults entry to once-per-event and leaves out an absent exit', () => {
    const { flow } = accepted(waitFlow(['a'], []))
    expect(flow.entry).toBe('once-per-event')
    expect('exit' in flow).toBe(false)
  })

  it('reads every optional field of every step type', () => {
    const flow = {
      name: 'All the fields',
      trigger: { event: 'go', next: ['mail'] },
      entry: 'always',
      exit: { event: 'stop', where: { 'event.properties.reason': 'asked' } },
      steps: [
        { id: 'mail', name: 'Mail', type: 'email', to: 'ops@example.com', subject: 's', text: 't', html: '<b>{{user.id}}</b>', retry: { attempts: 3 }, next: ['hook'] },
        {
          id: 'hook', type: 'webhook', url: 'https://crm.example/u/{{user.id}}', method: 'PATCH', headers: { Authorization: 'Bearer {{run.token}}' },
          body: { list: [1, true, null, '{{event.name}}'] }, retry: { attempts: 20, baseMs: 10, maxMs: 10 }, next: ['later']
        },
        { id: 'later', type: 'wait', until: '2030-01-31T09:00:00Z', next: ['templated'] },
        { id: 'templated', type: 'wait', until: '{{event.properties.at}}', next: ['heard'] },
        { id: 'heard', type: 'waitForEvent', event: 'reply', where: { 'event.properties.ok': true }, timeout: 3_600_000, lookback: 'PT5M', then: ['pick'] },
        { id: 'pick', type: 'branch', where: { 'user.vip': true }, else: ['ms'] },
        { id: 'ms', type: 'wait', duration: 1500 }
      ]
    }
    const { flow: normalised } = accepted(flow)
    expect(normalised.exit).toEqual({ event: 'stop', where: { 'event.properties.reason': 'asked' } })
    expect(normalised.steps.map((step) => step.type)).toEqual(['email', 'webhook', 'wait', 'wait', 'waitForEvent', 'branch', 'wait'])
    expect(normalised.steps[0]).toMatchObject({ name: 'Mail', html: '<b>{{user.id}}</b>', retry: { attempts: 3, baseMs: 1000, maxMs: 3_600_000 } })
    expect(normalised.steps[1]).toMatchObject({ method: 'PATCH', headers: { Authorization: 'Bearer {{run.token}}' }, retry: { attempts: 20, baseMs: 10, maxMs: 10 } })
    expect(normalised.steps[2]).toEqual({ id: 'later', type: 'wait', until: '2030-01-31T09:00:00Z', untilMs: Date.UTC(2030, 0, 31, 9), next: ['templated'] })
    expect(normalised.steps[3]).toEqual({ id: 'templated', type: 'wait', until: '{{event.properties.at}}', next: ['heard'] })
    expect(normalised.steps[4]).toMatchObject({ timeout: 3_600_000, timeoutMs: 3_600_000, lookback: 'PT5M', lookbackMs: 300_000, then: ['pick'], else: [] })
    expect(normalised.steps[5]).toEqual({ id: 'pick', type: 'branch', where: { 'user.vip': true }, then: [], else: ['ms'] })
    expect(normalised.steps[6]).toEqual({ id: 'ms', type: 'wait', duration: 1500, durationMs: 1500, next: [] })
  })

  it('returns a frozen flow that shares nothing with the input', () => {
    const input = welcomeSeries()
    const { flow, order, graph } = accepted(input)
    expect(Object.isFrozen(flow)).toBe(true)
    expect(Object.isFrozen(flow.steps[4])).toBe(true)
    expect(Object.isFrozen(order)).toBe(true)
    expect(Object.isFrozen(graph.steps.get('done')?.parents.next)).toBe(true)
    const steps = input.steps as { body?: { user: string } }[]
    if (steps[4]?.body !== undefined) steps[4].body.user = 'changed'
    expect(flow.steps[4]).toMatchObject({ body: { user: '{{user.id}}' } })
    expect(Object.isFrozen(input)).toBe(false)
  })

  it('keeps a body key named __proto__ as data', () => {
    const input = welcomeSeries()
    const steps = input.steps as Record<string, unknown>[]
    steps[5] = { ...steps[5], body: JSON.parse('{"__proto__": {"polluted": true}}') as unknown }
    const { flow } = accepted(input)
    const body = (flow.steps[5] as { body: object }).body
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype)
    expect(JSON.stringify(body)).toBe('{"__proto__":{"polluted":true}}')
  })
})

describe('validateFlow: webhook hosts', () => {
  const hook = (url: string): Record<string, unknown> => ({
    name: 'Hook', trigger: { event: 'go', next: ['hook'] }, steps: [{ id: 'hook', type: 'webhook', url }]
  })

  it('refuses a literal URL to a metadata or link-local host', () => {
    for (const url of ['http://169.254.169.254/latest', 'http://metadata.google.internal/x', 'http://[fe80::1]/x']) {
      expect(errorsOf(hook(url))).toEqual([expect.objectContaining({ code: 'invalid-step', path: ['steps', 0, 'url'] })])
    }
  })

  it('checks a literal URL against the allow-list, when one is given', () => {
    const options = { allowedWebhookHosts: ['crm.example', '*.hooks.example'] }
    accepted(hook('https://crm.example/x'), options)
    accepted(hook('https://a.hooks.example/x'), options)
    expect(errorsOf(hook('https://other.example/x'), options)[0]).toMatchObject({ code: 'invalid-step', path: ['steps', 0, 'url'], message: expect.stringMatching(/not on the allowed/) as unknown })
  })

  it('checks the host of a templated URL whose origin comes before any tag', () => {
    const options = { allowedWebhookHosts: ['crm.example'] }
    accepted(hook('https://crm.example/u/{{user.id}}'), options)
    expect(errorsOf(hook('https://other.example/u/{{user.id}}'), options)[0]?.path).toEqual(['steps', 0, 'url'])
    expect(errorsOf(hook('http://169.254.169.254/{{user.id}}'))[0]?.path).toEqual(['steps', 0, 'url'])
  })

  it('leaves a URL whose host is templated to be checked when it is sent', () => {
    const options = { allowedWebhookHosts: ['crm.example'] }
    accepted(hook('https://{{event.properties.host}}/x'), options)
    accepted(hook('https://crm.example{{event.properties.rest}}'), options)
    accepted(hook('{{{event.properties.callback}}}'), options)
  })

  it('allows no literal host with an empty allow-list', () => {
    expect(errorsOf(hook('https://crm.example/x'), { allowedWebhookHosts: [] })[0]?.code).toBe('invalid-step')
  })

  it('throws a RangeError for an unusable allow-list entry: a configuration error, not the flow\'s', () => {
    expect(() => validateFlow(hook('https://crm.example/x'), { allowedWebhookHosts: ['crm.example:443'] })).toThrow(RangeError)
  })
})

describe('validateFlow: performance', () => {
  it('validates a 200-step flow with templates and filters well under 50 ms', () => {
    const ids = Array.from({ length: 200 }, (_, index) => `s${index}`)
    const flow = {
      name: 'Big',
      trigger: { event: 'go', where: { 'event.properties.plan': { $in: ['pro', 'team'] } }, next: ['s0'] },
      steps: ids.map((id, index) => {
        const next = [ids[index + 1], ids[index + 7]].filter((child): child is string => child !== undefined)
        switch (index % 4) {
          case 0: return { id, type: 'email', to: '{{user.email}}', subject: 'Hi {{user.userName}}', text: 'Step {{run.id}} '.repeat(20), next }
          case 1: return { id, type: 'webhook', url: 'https://crm.example/u/{{user.id}}', headers: { 'X-Run': '{{run.id}}' }, body: { user: '{{user.id}}', items: ['{{event.name}}', 1, 2] }, next }
          case 2: return { id, type: 'branch', where: { $or: [{ 'user.vip': true }, { 'event.properties.total': { $gte: 100 } }] }, then: next, else: next.slice(0, 1) }
          default: return { id, type: 'wait', duration: 'P1DT2H', next }
        }
      })
    }
    accepted(flow)
    const timings = Array.from({ length: 5 }, () => {
      const started = performance.now()
      accepted(flow)
      return performance.now() - started
    })
    expect(Math.min(...timings)).toBeLessThan(50)
  })
})
