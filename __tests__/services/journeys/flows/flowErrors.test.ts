import { describe, expect, it } from 'vitest'
import { flowLimits, validateFlow } from '../../../../services/journeys/flows/index.js'
import { codesAndPaths, errorsOf, waitFlow, waitStep, welcomeSeries } from './flowFixtures.js'

/** The welcome series with `change` applied to a copy. */
function welcomeWith (change: (flow: Record<string, unknown>, steps: Record<string, unknown>[]) => void): Record<string, unknown> {
  const flow = structuredClone(welcomeSeries())
  change(flow, flow.steps as Record<string, unknown>[])
  return flow
}

describe('validateFlow errors: graph', () => {
  it('cycle: names the steps along it, closing on the first, at the edge that closes it', () => {
    const errors = errorsOf(waitFlow(['a', 'b', 'c'], [['a', 'b'], ['b', 'c'], ['c', 'a']]))
    expect(errors).toEqual([{ code: 'cycle', path: ['steps', 2, 'next', 0], cycle: ['a', 'b', 'c', 'a'], message: 'these steps lead back to themselves: a → b → c → a' }])
  })

  it('cycle: a step that leads to itself', () => {
    expect(errorsOf(waitFlow(['a'], [['a', 'a']]))).toEqual([expect.objectContaining({ code: 'cycle', path: ['steps', 0, 'next', 0], cycle: ['a', 'a'] })])
  })

  it('cycle: through then or else, in whichever list closes it', () => {
    const flow = {
      name: 'Loop',
      trigger: { event: 'go', next: ['ask'] },
      steps: [
        { id: 'ask', type: 'waitForEvent', event: 'reply', timeout: 'P1D', then: ['done'], else: ['remind'] },
        { id: 'remind', type: 'branch', where: { 'user.vip': true }, then: ['done'], else: ['ask'] },
        waitStep('done')
      ]
    }
    expect(errorsOf(flow)).toEqual([expect.objectContaining({ code: 'cycle', path: ['steps', 1, 'else', 0], cycle: ['ask', 'remind', 'ask'] })])
  })

  it('cycle: one for each separate cycle, each starting at its first-defined step', () => {
    const errors = errorsOf(waitFlow(['a', 'b', 'c', 'd', 'e'], [['a', 'b'], ['b', 'a'], ['a', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'c']]))
    expect(errors.map((error) => error.code === 'cycle' ? error.cycle : error.code)).toEqual([['a', 'b', 'a'], ['c', 'd', 'e', 'c']])
  })

  it('cycle: the shortest way back to the first-defined step of a tangle', () => {
    const errors = errorsOf(waitFlow(['a', 'b', 'c', 'd'], [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'a'], ['b', 'a']]))
    expect(errors).toEqual([expect.objectContaining({ code: 'cycle', cycle: ['a', 'b', 'a'], path: ['steps', 1, 'next', 1] })])
  })

  it('unknown-step: at the edge entry, in a step or in the trigger', () => {
    const flow = waitFlow(['a', 'b'], [['a', 'b'], ['a', 'ghost'], ['b', 'phantom']], ['a', 'nobody'])
    expect(codesAndPaths(errorsOf(flow))).toEqual([
      ['unknown-step', ['trigger', 'next', 1]],
      ['unknown-step', ['steps', 0, 'next', 1]],
      ['unknown-step', ['steps', 1, 'next', 0]]
    ])
    expect(errorsOf(flow)[1]?.message).toBe('no step has the id ghost')
  })

  it('unknown-step: in then and else', () => {
    const flow = welcomeWith((_flow, steps) => { steps[2] = { ...steps[2], then: ['clinic'], else: ['remind', 'gone'] } })
    expect(codesAndPaths(errorsOf(flow))).toEqual([['unknown-step', ['steps', 2, 'else', 1]]])
  })

  it('unreachable: every step the trigger cannot reach, at the step', () => {
    const flow = waitFlow(['a', 'b', 'island', 'shore'], [['a', 'b'], ['island', 'shore'], ['shore', 'b']])
    expect(errorsOf(flow)).toEqual([
      { code: 'unreachable', path: ['steps', 2], message: 'no path from the trigger leads to step island' },
      { code: 'unreachable', path: ['steps', 3], message: 'no path from the trigger leads to step shore' }
    ])
  })

  it('duplicate-step: at the repeated id; the first definition is the one the graph keeps', () => {
    const flow = waitFlow(['a', 'b', 'a'], [['a', 'b']])
    expect(errorsOf(flow)).toEqual([{ code: 'duplicate-step', path: ['steps', 2, 'id'], message: 'step id a is already used by steps[0]' }])
  })

  it('a cycle and the steps it cuts off: both reported', () => {
    const flow = waitFlow(['a', 'b', 'c'], [['b', 'c'], ['c', 'b']])
    expect(codesAndPaths(errorsOf(flow))).toEqual([['cycle', ['steps', 2, 'next', 0]], ['unreachable', ['steps', 1]], ['unreachable', ['steps', 2]]])
  })
})

describe('validateFlow errors: steps (invalid-step)', () => {
  it.each<[string, (steps: Record<string, unknown>[]) => void, (string | number)[]]>([
    ['an unknown type', (steps) => { steps[1] = { ...steps[1], type: 'sms' } }, ['steps', 1, 'type']],
    ['a missing type', (steps) => { delete steps[1]?.type }, ['steps', 1, 'type']],
    ['a missing id', (steps) => { delete steps[5]?.id }, ['steps', 5, 'id']],
    ['a malformed id', (steps) => { steps[5] = { ...steps[5], id: 'has space' } }, ['steps', 5, 'id']],
    ['an id of 65 characters', (steps) => { steps[5] = { ...steps[5], id: 'x'.repeat(65) } }, ['steps', 5, 'id']],
    ['a step that is not an object', (steps) => { steps.push('wait' as never) }, ['steps', 6]],
    ['an extra field', (steps) => { steps[0] = { ...steps[0], cc: 'x@example.com' } }, ['steps', 0, 'cc']],
    ['next on a branch', (steps) => { steps[2] = { ...steps[2], next: ['remind'] } }, ['steps', 2, 'next']],
    ['then on an email', (steps) => { steps[0] = { ...steps[0], then: ['wait2d'] } }, ['steps', 0, 'then']],
    ['a missing required field', (steps) => { delete steps[0]?.subject }, ['steps', 0, 'subject']],
    ['an empty name label', (steps) => { steps[0] = { ...steps[0], name: '' } }, ['steps', 0, 'name']],
    ['a literal to that is no address', (steps) => { steps[0] = { ...steps[0], to: 'nobody' } }, ['steps', 0, 'to']],
    ['a section in a subject', (steps) => { steps[0] = { ...steps[0], subject: '{{#user.vip}}VIP{{/user.vip}}' } }, ['steps', 0, 'subject']],
    ['a partial in html', (steps) => { steps[0] = { ...steps[0], html: '{{>footer}}' } }, ['steps', 0, 'html']],
    ['a bad template deep in a webhook body', (steps) => { steps[4] = { ...steps[4], body: { a: [{ b: '{{^x}}{{/x}}' }] } } }, ['steps', 4, 'body', 'a', 0, 'b']],
    ['a body that is not JSON', (steps) => { steps[4] = { ...steps[4], body: { at: new Date(0) } } }, ['steps', 4, 'body', 'at']],
    ['a body on a GET webhook', (steps) => { steps[4] = { ...steps[4], method: 'GET' } }, ['steps', 4, 'body']],
    ['an unknown method', (steps) => { steps[4] = { ...steps[4], method: 'post' } }, ['steps', 4, 'method']],
    ['a relative webhook URL', (steps) => { steps[4] = { ...steps[4], url: '/hooks' } }, ['steps', 4, 'url']],
    ['a webhook URL with credentials', (steps) => { steps[4] = { ...steps[4], url: 'https://u:p@clinic.example/x' } }, ['steps', 4, 'url']],
    ['a webhook URL to the metadata service', (steps) => { steps[4] = { ...steps[4], url: 'http://169.254.169.254/latest/meta-data' } }, ['steps', 4, 'url']],
    ['a bad template in the URL', (steps) => { steps[4] = { ...steps[4], url: 'https://x.example/{{#a}}' } }, ['steps', 4, 'url']],
    ['a header that is reserved', (steps) => { steps[4] = { ...steps[4], headers: { 'Idempotency-Key': 'mine' } } }, ['steps', 4, 'headers', 'Idempotency-Key']],
    ['a header name that is not a token', (steps) => { steps[4] = { ...steps[4], headers: { 'X Bad': 'v' } } }, ['steps', 4, 'headers', 'X Bad']],
    ['a header value with a line break', (steps) => { steps[4] = { ...steps[4], headers: { 'X-A': 'a\r\nX-B: b' } } }, ['steps', 4, 'headers', 'X-A']],
    ['a header value that is not a string', (steps) => { steps[4] = { ...steps[4], headers: { 'X-A': 1 } } }, ['steps', 4, 'headers', 'X-A']],
    ['the same header twice', (steps) => { steps[4] = { ...steps[4], headers: { 'X-A': '1', 'x-a': '2' } } }, ['steps', 4, 'headers', 'x-a']],
    ['headers that are not an object', (steps) => { steps[4] = { ...steps[4], headers: [] } }, ['steps', 4, 'headers']],
    ['retry attempts out of range', (steps) => { steps[4] = { ...steps[4], retry: { attempts: 21 } } }, ['steps', 4, 'retry', 'attempts']],
    ['retry maxMs below baseMs', (steps) => { steps[4] = { ...steps[4], retry: { baseMs: 5000, maxMs: 1000 } } }, ['steps', 4, 'retry', 'maxMs']],
    ['an unknown retry field', (steps) => { steps[4] = { ...steps[4], retry: { jitter: 0.5 } } }, ['steps', 4, 'retry', 'jitter']],
    ['retry on a wait', (steps) => { steps[1] = { ...steps[1], retry: { attempts: 2 } } }, ['steps', 1, 'retry']],
    ['a duration in months', (steps) => { steps[1] = { ...steps[1], duration: 'P1M' } }, ['steps', 1, 'duration']],
    ['a negative duration', (steps) => { steps[1] = { ...steps[1], duration: -5 } }, ['steps', 1, 'duration']],
    ['a wait with both duration and until', (steps) => { steps[1] = { ...steps[1], until: '2030-01-01T00:00:00Z' } }, ['steps', 1]],
    ['a wait with neither', (steps) => { delete steps[1]?.duration }, ['steps', 1]],
    ['an until without a zone', (steps) => { steps[1] = { id: 'wait2d', type: 'wait', until: '2030-01-01T00:00:00', next: ['booked'] } }, ['steps', 1, 'until']],
    ['a timeout that is too long', (steps) => { steps[2] = { ...steps[2], timeout: 'P400D' } }, ['steps', 2, 'timeout']],
    ['a lookback that is not a duration', (steps) => { steps[2] = { ...steps[2], lookback: 'yesterday' } }, ['steps', 2, 'lookback']],
    ['a waitForEvent without an event', (steps) => { delete steps[2]?.event }, ['steps', 2, 'event']],
    ['$where in a waitForEvent filter', (steps) => { steps[2] = { ...steps[2], where: { $where: 'true' } } }, ['steps', 2, 'where', '$where']],
    ['a malformed edge entry', (steps) => { steps[3] = { ...steps[3], next: [42] } }, ['steps', 3, 'next', 0]],
    ['an edge listed twice', (steps) => { steps[3] = { ...steps[3], next: ['done', 'done'] } }, ['steps', 3, 'next', 1]],
    ['an edge list that is not an array', (steps) => { steps[3] = { ...steps[3], next: 'done' } }, ['steps', 3, 'next']]
  ])('%s', (_label, change, path) => {
    const errors = errorsOf(welcomeWith((_flow, steps) => { change(steps) }))
    expect(codesAndPaths(errors)).toContainEqual(['invalid-step', path])
    expect(errors.every((error) => error.message.length > 0)).toBe(true)
  })

  it('says which step types exist when the type is unknown', () => {
    const errors = errorsOf(welcomeWith((_flow, steps) => { steps[1] = { ...steps[1], type: 'sms' } }))
    expect(errors[0]?.message).toBe('unknown step type "sms": expected one of email, webhook, wait, branch, waitForEvent')
  })

  it('says why years and months are refused', () => {
    const errors = errorsOf(welcomeWith((_flow, steps) => { steps[1] = { ...steps[1], duration: 'P1Y' } }))
    expect(errors[0]?.message).toMatch(/years or months, which have no fixed length/)
  })

  it('says templates are logic-less', () => {
    const errors = errorsOf(welcomeWith((_flow, steps) => { steps[0] = { ...steps[0], text: '{{#user.vip}}Hi{{/user.vip}}' } }))
    expect(errors[0]).toMatchObject({ code: 'invalid-step', path: ['steps', 0, 'text'] })
    expect(errors[0]?.message).toMatch(/logic-less/)
  })

  it('still checks the graph around a step whose fields are wrong', () => {
    const errors = errorsOf(welcomeWith((_flow, steps) => { steps[1] = { ...steps[1], type: 'sms', next: ['booked', 'ghost'] } }))
    expect(codesAndPaths(errors)).toEqual([['invalid-step', ['steps', 1, 'type']], ['unknown-step', ['steps', 1, 'next', 1]]])
  })
})

describe('validateFlow errors: the top level (invalid-flow)', () => {
  it.each<[string, unknown, (string | number)[]]>([
    ['not an object', [], []],
    ['null', null, []],
    ['a missing name', welcomeWith((flow) => { delete flow.name }), ['name']],
    ['an empty name', welcomeWith((flow) => { flow.name = '' }), ['name']],
    ['a name of 201 characters', welcomeWith((flow) => { flow.name = 'x'.repeat(201) }), ['name']],
    ['a missing trigger', welcomeWith((flow) => { delete flow.trigger }), ['trigger']],
    ['a trigger that is not an object', welcomeWith((flow) => { flow.trigger = 'signup' }), ['trigger']],
    ['a trigger without an event', welcomeWith((flow) => { flow.trigger = { next: ['welcome'] } }), ['trigger', 'event']],
    ['a trigger without next', welcomeWith((flow) => { flow.trigger = { event: 'signup' } }), ['trigger', 'next']],
    ['a trigger with an empty next', welcomeWith((flow) => { flow.trigger = { event: 'signup', next: [] } }), ['trigger', 'next']],
    ['a trigger with an unknown field', welcomeWith((flow) => { flow.trigger = { event: 'signup', next: ['welcome'], cron: '* * *' } }), ['trigger', 'cron']],
    ['a trigger filter with $expr', welcomeWith((flow) => { flow.trigger = { event: 'signup', next: ['welcome'], where: { $expr: {} } } }), ['trigger', 'where', '$expr']],
    ['an unknown entry policy', welcomeWith((flow) => { flow.entry = 'twice' }), ['entry']],
    ['an exit without an event', welcomeWith((flow) => { flow.exit = { where: {} } }), ['exit', 'event']],
    ['an exit filter with an unknown operator', welcomeWith((flow) => { flow.exit = { event: 'x', where: { 'event.a': { $near: 1 } } } }), ['exit', 'where', 'event.a', '$near']],
    ['an exit that is not an object', welcomeWith((flow) => { flow.exit = true }), ['exit']],
    ['missing steps', welcomeWith((flow) => { delete flow.steps }), ['steps']],
    ['steps that are not an array', welcomeWith((flow) => { flow.steps = {} }), ['steps']],
    ['no steps', welcomeWith((flow) => { flow.steps = [] }), ['steps']],
    ['an unknown top-level key', welcomeWith((flow) => { flow.version = 2 }), ['version']]
  ])('%s', (_label, input, path) => {
    expect(codesAndPaths(errorsOf(input))).toContainEqual(['invalid-flow', path])
  })

  it('refuses more than 200 steps without reading them', () => {
    const ids = Array.from({ length: flowLimits.maxSteps + 1 }, (_, index) => `s${index}`)
    const flow = waitFlow(ids, ids.slice(1).map((id, index) => [ids[index] ?? '', id]))
    expect(errorsOf(flow)).toEqual([{ code: 'invalid-flow', path: ['steps'], message: 'steps is an array of 1 to 200 steps' }])
  })

  it('accepts exactly 200 steps', () => {
    const ids = Array.from({ length: flowLimits.maxSteps }, (_, index) => `s${index}`)
    const flow = waitFlow(ids, ids.slice(1).map((id, index) => [ids[index] ?? '', id]))
    expect(validateFlow(flow).ok).toBe(true)
  })
})

describe('validateFlow errors: several at once', () => {
  it('reports every error of every kind, in a stable order', () => {
    const flow = {
      name: '',
      trigger: { event: 'go', next: ['a', 'ghost'] },
      entry: 'sometimes',
      extra: true,
      steps: [
        { id: 'a', type: 'wait', duration: 'P1M', next: ['b'] },
        { id: 'b', type: 'branch', where: { $where: 'x' }, then: ['a'], else: ['c'] },
        { id: 'c', type: 'email', to: '{{user.email}}', subject: '{{#x}}{{/x}}', text: 't' },
        { id: 'island', type: 'sms' },
        { id: 'a', type: 'wait', duration: 0 }
      ]
    }
    expect(codesAndPaths(errorsOf(flow))).toEqual([
      ['invalid-flow', ['extra']],
      ['invalid-flow', ['name']],
      ['invalid-flow', ['entry']],
      ['invalid-step', ['steps', 0, 'duration']],
      ['invalid-step', ['steps', 1, 'where', '$where']],
      ['invalid-step', ['steps', 2, 'subject']],
      ['invalid-step', ['steps', 3, 'type']],
      ['duplicate-step', ['steps', 4, 'id']],
      ['unknown-step', ['trigger', 'next', 1]],
      ['cycle', ['steps', 1, 'then', 0]],
      ['unreachable', ['steps', 3]]
    ])
  })

  it('reports at most 500 errors', () => {
    const flow = welcomeWith((flow) => {
      for (let index = 0; index < 2000; index++) flow[`key${index}`] = index
    })
    expect(errorsOf(flow)).toHaveLength(flowLimits.maxErrors)
  })
})
