import { describe, expect, it } from 'vitest'
import { backends } from '../../../helpers/journeyDatabases.js'
import { expectDocumented } from './documentedResponse.js'
import { buildJourneysApp, call, problemCode, quickFlow, sharedEngine, unique } from '../../../helpers/journeysApp.js'

const wait = (id: string, next: string[] = []): Record<string, unknown> => ({ id, type: 'wait', duration: 0, next })

/** A flow started at `a`, with these steps. */
function flowOf (steps: Record<string, unknown>[]): Record<string, unknown> {
  return { name: 'check', trigger: { event: 'go', next: ['a'] }, steps }
}

interface FlowProblem {
  readonly code: string
  readonly errors: readonly { readonly code: string, readonly path: readonly (string | number)[], readonly message: string }[]
}

describe.each(backends)('flow validation through the API on %s', (backend) => {
  const engine = sharedEngine(backend)

  it('answers 200 {valid: true, order} for a valid flow, its steps in topological order, and saves nothing', async () => {
    const { app } = await buildJourneysApp(engine())
    const name = unique('validate-only')
    const response = await call(app, 'POST', '/api/flows/validate', {
      name,
      trigger: { event: 'go', next: ['c', 'a'] },
      steps: [wait('b', ['d']), wait('d'), wait('a', ['b']), wait('c', ['d'])]
    })
    expect(response.statusCode).toBe(200)
    expectDocumented(app, 'POST', '/api/flows/validate', response)
    const { valid, order } = response.json<{ valid: boolean, order: string[] }>()
    expect(valid).toBe(true)
    expect([...order].sort()).toEqual(['a', 'b', 'c', 'd'])
    expect(order.indexOf('a')).toBeLessThan(order.indexOf('b'))
    expect(order.indexOf('b')).toBeLessThan(order.indexOf('d'))
    expect(order.indexOf('c')).toBeLessThan(order.indexOf('d'))
    const flows = (await call(app, 'GET', '/api/flows')).json<{ name: string }[]>()
    expect(flows.map((flow) => flow.name)).not.toContain(name)
  })

  it.each([
    ['cycle', flowOf([wait('a', ['b']), wait('b', ['a'])])],
    ['unknown-step', flowOf([wait('a', ['ghost'])])],
    ['unreachable', flowOf([wait('a'), wait('orphan')])],
    ['duplicate-step', flowOf([wait('a'), wait('a')])],
    ['invalid-step', flowOf([{ id: 'a', type: 'teleport' }])],
    ['invalid-step', flowOf([{ id: 'a', type: 'wait', duration: 'soon' }])],
    ['invalid-flow', { name: 'check', steps: [wait('a')] }]
  ])('refuses a flow with a %s error: 422 GW_ERR_FLOW_INVALID listing it with its path, on validate and on create', async (code, definition) => {
    const { app } = await buildJourneysApp(engine())
    for (const url of ['/api/flows/validate', '/api/flows']) {
      const response = await call(app, 'POST', url, definition)
      expect(response.statusCode, url).toBe(422)
      expect(problemCode(response)).toBe('GW_ERR_FLOW_INVALID')
      expectDocumented(app, 'POST', url, response)
      const { errors } = response.json<FlowProblem>()
      expect(errors.length).toBeGreaterThan(0)
      for (const error of errors) {
        expect(typeof error.code).toBe('string')
        expect(Array.isArray(error.path)).toBe(true)
      }
      expect(errors.map((error) => error.code)).toContain(code)
    }
  })

  it('points each error at where it is: the step\'s index and field', async () => {
    const { app } = await buildJourneysApp(engine())
    const response = await call(app, 'POST', '/api/flows/validate', flowOf([wait('a', ['b']), wait('b', ['nowhere'])]))
    expect(response.statusCode).toBe(422)
    const errors = response.json<FlowProblem>().errors
    expect(errors.map((error) => [error.code, error.path])).toEqual([['unknown-step', ['steps', 1, 'next', 0]]])
  })

  it('refuses a flow update that is invalid with 422, and keeps the version it had', async () => {
    const { app } = await buildJourneysApp(engine())
    const created = await call(app, 'POST', '/api/flows', quickFlow(unique('keep')))
    const id = created.json<{ id: string }>().id
    const response = await call(app, 'PUT', `/api/flows/${id}`, flowOf([wait('a', ['a'])]))
    expect(response.statusCode).toBe(422)
    expect(response.json<FlowProblem>().errors.map((error) => error.code)).toContain('cycle')
    expectDocumented(app, 'PUT', '/api/flows/{id}', response)
    expect((await call(app, 'GET', `/api/flows/${id}`)).json()).toMatchObject({ version: 1 })
  })

  it('answers 413 to a definition over 256 KiB, and takes one under it to validation', async () => {
    const { app } = await buildJourneysApp(engine())
    const over = { ...quickFlow('big'), name: 'x'.repeat(256 * 1024) }
    for (const url of ['/api/flows/validate', '/api/flows']) {
      const response = await call(app, 'POST', url, over)
      expect(response.statusCode, url).toBe(413)
      expect(problemCode(response)).toBe('GW_ERR_REQUEST_TOO_LARGE')
      expectDocumented(app, 'POST', url, response)
    }
    // Over the 64 KiB of other bodies, under the flows' own limit: judged by the validator, not the size.
    const under = await call(app, 'POST', '/api/flows/validate', { ...quickFlow('big'), name: 'x'.repeat(100 * 1024) })
    expect(under.statusCode).toBe(422)
    expect(problemCode(under)).toBe('GW_ERR_FLOW_INVALID')
  })
})
